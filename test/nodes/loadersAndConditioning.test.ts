// Loader nodes (COMBO of weights/<kind>/ files, fingerprints, missing files, published .pt) and the
// conditioning nodes (ClassLabel names ↔ Shapes class ids, TextEncode's left-padded features).
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../models/backend';
import { readSafetensors, writeSafetensors } from '../../models/checkpoint/safetensors';
import { classOf } from '../../models/data/shapesSpec';
import { videoClassOf } from '../../models/data/shapesVideo';
import { ALL_IMAGE, ALL_VIDEO, BY_ID, ClassLabel, TextEncode } from '../../nodes/nar/conditioning';
import { LoadNARModel, LoadTextEncoder, LoadTokenizer } from '../../nodes/nar/loaders';
import type { Conditioning, NarModelValue, TextEncoderValue } from '../../nodes/nar/values';
import { ShapesData } from '../../nodes/nar/shapesData';
import type { ImageBatch, VideoBatch } from '../../models/image/types';
import { objectInfo } from '../../server/engine/registry/objectInfo';
import type { ExecContext } from '../../server/engine/nodeApi';
import { BUNDLED_C2I_CENTER, BUNDLED_NAR, TINY_TEXT, nodeHarness, type NodeHarness } from './helpers';

const SHARED = process.env.NARFLOW_SHARED ?? path.resolve(__dirname, '../../../shared');

let h: NodeHarness;
let ctx: ExecContext;
beforeAll(async () => {
  await initBackend('wasm');
  h = nodeHarness();
  ctx = { promptId: 'l', nodeId: '1', progress: () => undefined, signal: new AbortController().signal, log: { info: () => undefined, warn: () => undefined, error: () => undefined }, paths: h.paths };
});
afterAll(() => fs.rmSync(h.root, { recursive: true, force: true }));

describe('loaders', () => {
  it('list the files of their weights folders (training side files left out) in object_info', () => {
    fs.writeFileSync(path.join(h.paths.models.nar[0], 'run.optim.safetensors'), '');
    fs.mkdirSync(path.join(h.paths.models.nar[0], 'sub'), { recursive: true });
    fs.copyFileSync(path.join(h.paths.models.nar[0], BUNDLED_NAR.c2i), path.join(h.paths.models.nar[0], 'sub', 'copy.safetensors'));
    const info = objectInfo(h.registry, h.paths);
    expect(info.LoadNARModel.input.required.model_name[0]).toEqual([...Object.values(BUNDLED_NAR), BUNDLED_C2I_CENTER].concat('sub/copy.safetensors').sort());
    expect(info.LoadTokenizer.input.required.tokenizer_name[0]).toEqual(['shapes-vq.safetensors']);
    expect(info.LoadTextEncoder.input.required.encoder_name[0]).toEqual(['shapes-text.safetensors']);
  });

  it('load a model with its config, and name the file and its folder when it is missing', async () => {
    const m = (await LoadNARModel.execute({ model_name: 'sub/copy.safetensors' }, ctx)).outputs[0] as NarModelValue;
    expect(m.config.grid).toEqual([4, 4]);
    expect(m.config.condition).toEqual({ kind: 'class', numClasses: 18 });
    await expect(LoadNARModel.execute({ model_name: 'nope.safetensors' }, ctx)).rejects.toThrow(/nar model 'nope.safetensors' not found: put the file in weights\/nar\/ .*searched .*weights\/nar/);
    await expect(LoadTokenizer.execute({ tokenizer_name: 'vq_ds16_c2i.pt' }, ctx)).rejects.toThrow(/tokenizer model 'vq_ds16_c2i.pt' not found: put the file in weights\/tokenizer\//);
    await expect(LoadNARModel.execute({ model_name: '../tokenizer/shapes-vq.safetensors' }, ctx)).rejects.toThrow(/must be a path inside a weights\/nar\/ folder/);
    const t = (await LoadTextEncoder.execute({ encoder_name: 'shapes-text.safetensors' }, ctx)).outputs[0] as TextEncoderValue;
    expect(t.encoder.captionDim).toBe(TINY_TEXT.dim);
  });

  it('refuse a model whose weights hold NaN or infinity, naming the tensor', async () => {
    const src = readSafetensors(path.join(h.paths.models.nar[0], BUNDLED_NAR.c2i));
    const [name, t] = [...src.tensors].find(([n]) => n.includes('attention'))!;
    t.data[7] = Number.NaN;
    writeSafetensors(path.join(h.paths.models.nar[0], 'sub', 'diverged.safetensors'), src.tensors, src.metadata);
    const before = tf.memory().numTensors;
    await expect(LoadNARModel.execute({ model_name: 'sub/diverged.safetensors' }, ctx)).rejects.toThrow(new RegExp(`tensor ${name.replace(/\./g, '\\.')} holds NaN \\(at flat index 7\\)`));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('loaded values free their tensors through dispose(), as the executor calls it on eviction', async () => {
    const before = tf.memory().numTensors;
    const values = [
      (await LoadNARModel.execute({ model_name: BUNDLED_NAR.c2i }, ctx)).outputs[0],
      (await LoadTokenizer.execute({ tokenizer_name: 'shapes-vq.safetensors' }, ctx)).outputs[0],
      (await LoadTextEncoder.execute({ encoder_name: 'shapes-text.safetensors' }, ctx)).outputs[0],
    ] as { dispose?: () => void }[];
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    for (const v of values) v.dispose!();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('offer a T5 folder (model.onnx + tokenizer.json) as one text encoder choice', () => {
    const dir = path.join(h.paths.models.text_encoder[0], 'flan-t5-xl');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'tokenizer.json'), '{}');
    fs.writeFileSync(path.join(dir, 'model.onnx'), '');
    fs.mkdirSync(path.join(h.paths.models.text_encoder[0], 'empty-folder'), { recursive: true });
    const info = objectInfo(h.registry, h.paths);
    expect(info.LoadTextEncoder.input.required.encoder_name[0]).toEqual(['flan-t5-xl', 'shapes-text.safetensors']);
  });

  it('fingerprint by size, mtime, inode and ctime: replacing the file changes it', () => {
    const file = path.join(h.paths.models.nar[0], 'sub', 'copy.safetensors');
    const before = LoadNARModel.fingerprint!({ model_name: 'sub/copy.safetensors' }, h.paths);
    expect(LoadNARModel.fingerprint!({ model_name: 'sub/copy.safetensors' }, h.paths)).toBe(before);
    fs.appendFileSync(file, Buffer.alloc(8));
    expect(LoadNARModel.fingerprint!({ model_name: 'sub/copy.safetensors' }, h.paths)).not.toBe(before);
  });

  it('a published PyTorch training checkpoint (.pt) loads with the layout read off its weights and args', async () => {
    const pt = path.join(SHARED, 'fixtures', 'pt', 'ddp-checkpoint.pt');
    fs.copyFileSync(pt, path.join(h.paths.models.nar[0], 'c2i-4x4.pt'));
    const m = (await LoadNARModel.execute({ model_name: 'c2i-4x4.pt' }, ctx)).outputs[0] as NarModelValue;
    expect(m.config.heads.map((x) => [x.axis, x.sign])).toEqual([[1, 1], [0, 1]]);
    // sizes come from the tensor shapes (the fixture's c2i-4x4 case); the grid is not in them
    const sd = m.model.toStateDict();
    expect(m.config.vocabSize).toBe(sd.get('tok_embeddings.weight')!.shape[0]);
    expect(m.config.condition).toEqual({ kind: 'class', numClasses: sd.get('cls_embedding.embedding_table.weight')!.shape[0] - 1 });
    m.model.dispose();
  });
});

describe('ShapesData', () => {
  it('same seed → same pixels; images, videos and one caption per image', async () => {
    const run = async (seed: number) => (await ShapesData.execute({ count: 3, seed, size: 32, objects: 'mixed', frames: 4 }, ctx)).outputs as [ImageBatch, VideoBatch, string];
    const [img, vid, captions] = await run(5);
    expect([img.batch, img.height, img.width]).toEqual([3, 32, 32]);
    expect([vid.batch, vid.frames, vid.height]).toEqual([3, 4, 32]);
    expect(captions.split('\n')).toHaveLength(3);
    expect(Buffer.from((await run(5))[0].data.buffer).equals(Buffer.from(img.data.buffer))).toBe(true);
    expect(Buffer.from((await run(6))[0].data.buffer).equals(Buffer.from(img.data.buffer))).toBe(false);
  });

  it('refuses up front to make more than 1 GiB of pixels, naming the limit', async () => {
    await expect(ShapesData.execute({ count: 1024, seed: 0, size: 256, objects: '1', frames: 2 }, ctx)).rejects.toThrow(
      '1024 images of 256×256 and as many 2-frame videos are 603,979,776 pixel values, more than the 268,435,456 (1 GiB) one Shapes Data run makes: lower count, size or frames',
    );
  });
});

describe('ClassLabel and TextEncode', () => {
  const label = async (l: string, ids = '0') => ((await ClassLabel.execute({ label: l, class_ids: ids }, ctx)).outputs[0] as Conditioning & { kind: 'class' });

  it('names map to the Shapes class ids the data uses', async () => {
    expect((await label('red circle')).classIds).toEqual([classOf('circle', 'red')]);
    expect((await label('cyan triangle')).classIds).toEqual([classOf('triangle', 'cyan')]);
    expect((await label('square moving left')).classIds).toEqual([videoClassOf('square', 'left')]);
    expect((await label(ALL_IMAGE)).classIds).toEqual(Array.from({ length: 18 }, (_, i) => i));
    expect((await label(ALL_VIDEO)).labels).toHaveLength(12);
    expect((await label(BY_ID, ' 3, 7 12 ')).classIds).toEqual([3, 7, 12]);
    await expect(label(BY_ID, '3, x')).rejects.toThrow(/'x' is not a non-negative integer/);
    for (const odd of ['0x3', '1e1', '0b1', '-2', '2.0']) await expect(label(BY_ID, odd)).rejects.toThrow(`'${odd}' is not a non-negative integer`);
    await expect(label('pink circle')).rejects.toThrow(/not a class choice/);
  });

  it('TextEncode: one row per line, features [B, 120, dim] with a left-padded mask', async () => {
    const enc = (await LoadTextEncoder.execute({ encoder_name: 'shapes-text.safetensors' }, ctx)).outputs[0];
    const c = (await TextEncode.execute({ text_encoder: enc, prompt: 'a red circle at the top left\n\n  a blue square left of a green triangle ' }, ctx)).outputs[0] as Conditioning & { kind: 'text' };
    expect(c.prompts).toEqual(['a red circle at the top left', 'a blue square left of a green triangle']);
    expect([c.features.length, c.mask.length, c.tokens, c.captionDim]).toEqual([2 * 120 * TINY_TEXT.dim, 240, 120, TINY_TEXT.dim]);
    const real = (row: number) => Array.from(c.mask.subarray(row * 120, (row + 1) * 120));
    for (const row of [0, 1]) {
      const m = real(row);
      const first = m.indexOf(1);
      expect(first).toBeGreaterThan(100);
      expect(m.slice(first).every((v) => v === 1)).toBe(true);
    }
    // a caption longer than the model reads is cut, and the node says so (none said before)
    const long = `a red circle ${'and a blue square '.repeat(30)}`;
    const r = await TextEncode.execute({ text_encoder: enc, prompt: `a red circle\n${long}` }, ctx);
    expect(r.ui?.text).toEqual([`caption 2 makes ${(enc as TextEncoderValue).encoder.tokenCount(long)} tokens; the model reads the first 120 (the rest is cut)`]);
    expect((enc as TextEncoderValue).encoder.tokenCount(long)).toBeGreaterThan(120);
    expect((await TextEncode.execute({ text_encoder: enc, prompt: 'a red circle' }, ctx)).ui).toBeUndefined();
    await expect(TextEncode.execute({ text_encoder: enc, prompt: ' \n ' }, ctx)).rejects.toThrow(/prompt is empty/);
    await expect(TextEncode.execute({ text_encoder: undefined, prompt: 'x' }, ctx)).rejects.toThrow(/needs a TEXT_ENCODER link/);
  });
});

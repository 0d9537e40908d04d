// Layout and config detection from keys and shapes (+ args, presets, overrides for what shapes cannot show).
import * as fs from 'fs';
import * as path from 'path';
import { detectLayout, GPT_PRESETS, narConfigFromCheckpoint } from '../../models/checkpoint/layout';
import { readCheckpoint, readStateDict } from '../../models/checkpoint/read';
import type { StateDict } from '../../models/checkpoint/safetensors';
import { narConfigFromModelArgs } from '../../models/nar/config';
import { maxAbsDiff, ptFixture, PT_FILES, sharedDir } from './fixtures';
import { f32Bytes, PickleBuilder, writeZip, type TensorSpec } from './ptWriter';
import { parseCheckpoint } from '../../models/checkpoint/read';

const fixture = (c: string) => path.join(sharedDir(), 'fixtures', c);
const casesConfig = (c: string): Record<string, unknown> => JSON.parse(fs.readFileSync(fixture(`${c}/cases.json`), 'utf8')).config;
const DROPOUTS = ['token_dropout_p', 'resid_dropout_p', 'ffn_dropout_p', 'attn_dropout_p'];

/** Keys and shapes of a published layout without any values (detection reads shapes only). */
function shapesOnly(shapes: Record<string, number[]>): StateDict {
  return new Map(Object.entries(shapes).map(([k, shape]) => [k, { shape, data: new Float32Array(0) }]));
}

function gptShapes(nLayer: number, dim: number, extra: number, vocab = 16384): Record<string, number[]> {
  const s: Record<string, number[]> = { 'tok_embeddings.weight': [vocab, dim], 'cls_embedding.embedding_table.weight': [1001, dim] };
  for (let i = 0; i < nLayer + extra; i++) s[`layers.${i}.attention.wqkv.weight`] = [3 * dim, dim];
  return s;
}

describe('detectLayout', () => {
  it('reads the c2i-4x4 config from the .pt shapes and its args, with n_head and the grid given', () => {
    const ck = readCheckpoint(ptFixture(PT_FILES.ddp));
    const d = detectLayout(ck.tensors, { args: ck.metadata.args as Record<string, unknown>, overrides: { n_head: 4, block_size: 16 } });
    expect(d.layout).toBe('nar-image');
    expect(d.config).toEqual({ ...casesConfig('nar/c2i-4x4'), n_kv_head: 4 });
    expect(d.sources).toMatchObject({ dim: 'shape', n_layer: 'shape', vocab_size: 'shape', num_classes: 'shape', n_head: 'override', cls_token_num: 'args' });
    // The fixture's args name GPT-B, which the tiny weights contradict: the preset is not used.
    expect(d.preset).toBeNull();
    expect(d.warnings.join('\n')).toMatch(/GPT-B .* but the weights have 2 layers, dim 64/);
  });

  it('reads the t2i layout: caption_dim and the 120 condition positions come from the weights', () => {
    const d = detectLayout(readStateDict(fixture('nar/t2i-6x6/model.safetensors')), { overrides: { n_head: 6, block_size: 36 } });
    expect(d.config).toEqual({ ...casesConfig('nar/t2i-6x6'), n_kv_head: 6 });
    expect(d.sources).toMatchObject({ caption_dim: 'shape', cls_token_num: 'shape', model_type: 'shape', num_classes: 'default' });
  });

  it('reads the video layout: max_seq_len from abs_pe, n_layer = blocks − back − down', () => {
    const want = casesConfig('nar/video-2x3x4');
    const d = detectLayout(readStateDict(fixture('nar/video-2x3x4/model.safetensors')), { overrides: { n_head: 4, latent_shape: [2, 3, 4] } });
    expect(d.layout).toBe('nar-video');
    const expected = Object.fromEntries(Object.entries(want).filter(([k]) => !DROPOUTS.includes(k)));
    expect(d.config).toEqual({ ...expected, n_kv_head: 4 });
    expect(d.sources.max_seq_len).toBe('shape');
  });

  it('a video checkpoint without latent_shape is refused by narConfigFromCheckpoint, saying what to pass', () => {
    const sd = readStateDict(fixture('nar/video-2x3x4/model.safetensors'));
    expect(() => narConfigFromCheckpoint(sd, { overrides: { n_head: 4 } })).toThrow(/latent_shape is not in the weights \(abs_pe covers 24 tokens\)/);
  });

  it('reads every LlamaGen VQ field of the vq-tiny-16 fixture from its weights', () => {
    const d = detectLayout(readStateDict(fixture('vq/vq-tiny-16/model.safetensors')));
    expect(d.layout).toBe('llamagen-vq');
    expect(d.config).toEqual(casesConfig('vq/vq-tiny-16'));
  });

  it('a LlamaGen VQ checkpoint saved as {model: ...} .pt loads to the fixture tensors and the same config', () => {
    const sd = readStateDict(fixture('vq/vq-tiny-16/model.safetensors'));
    const specs: Record<string, TensorSpec> = {};
    const storages: { name: string; data: Uint8Array }[] = [];
    [...sd].forEach(([name, t], i) => {
      const stride = t.shape.map((_, a) => t.shape.slice(a + 1).reduce((x, y) => x * y, 1));
      specs[name] = { storage: String(i), numel: t.data.length, size: t.shape, stride };
      storages.push({ name: `vq/data/${i}`, data: f32Bytes(Array.from(t.data)) });
    });
    const file = writeZip([{ name: 'vq/data.pkl', data: new PickleBuilder().stateDict(specs, 'model') }, ...storages]);
    const ck = parseCheckpoint(file, 'vq_ds16_c2i.pt');
    expect(maxAbsDiff(ck.tensors, sd)).toBe(0);
    expect(detectLayout(ck.tensors).config).toEqual(casesConfig('vq/vq-tiny-16'));
  });

  it('builds the same NarConfig as the published ModelArgs for the image and video fixtures', () => {
    const c2i = narConfigFromCheckpoint(readStateDict(ptFixture(PT_FILES.bf16)), { overrides: { n_head: 4, block_size: 16 } });
    expect(c2i.config).toEqual(narConfigFromModelArgs(casesConfig('nar/c2i-4x4') as never));
    const video = narConfigFromCheckpoint(readStateDict(fixture('nar/video-2x3x4/model.safetensors')), { overrides: { n_head: 4, latent_shape: [2, 3, 4] } });
    expect(video.config).toEqual(narConfigFromModelArgs(casesConfig('nar/video-2x3x4') as never));
  });

  it.each(Object.entries(GPT_PRESETS))('takes n_head from the %s preset when the shapes match it', (name, p) => {
    const d = detectLayout(shapesOnly({ ...gptShapes(p.n_layer, p.dim, 1), 'medusa_output.weight': [16384, p.dim], 'output.weight': [16384, p.dim] }));
    expect(d.preset).toBe(name);
    expect(d.config).toMatchObject({ n_head: p.n_head, n_layer: p.n_layer, dim: p.dim, num_classes: 1000, block_size: 256 });
    expect(d.sources.n_head).toBe('preset');
  });

  it('a published-size video model (abs_pe over 1024 tokens) gets latent_shape 4×16×16 from the preset', () => {
    const p = GPT_PRESETS['GPT-L'];
    const shapes: Record<string, number[]> = { ...gptShapes(p.n_layer, p.dim, 2, 8192), abs_pe: [1, 1025, p.dim], 'output_R.weight': [8192, p.dim] };
    shapes['cls_embedding.embedding_table.weight'] = [102, p.dim];
    const d = detectLayout(shapesOnly(shapes));
    expect(d.config).toMatchObject({ n_layer: 24, n_head: 16, latent_shape: [4, 16, 16], max_seq_len: 1024, num_classes: 101, model_type: 'class_cond' });
  });

  it('a state dict of another model is refused naming what was expected and what was found', () => {
    expect(() => detectLayout(shapesOnly({ 'fc.weight': [2, 3] }))).toThrow(/expected NAR image keys .* found fc\.weight/);
  });
});

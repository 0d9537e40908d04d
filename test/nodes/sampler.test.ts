// NARSampler: ring-by-ring previews, seed positions and their refusal, batch and determinism,
// condition checks, and no tensors left behind.
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../models/backend';
import { decodePng, readPngText } from '../../models/image/png';
import { UNSAMPLED_GREY } from '../../nodes/nar/gridPreview';
import { buildNarConfig, NarModel } from '../../models/nar';
import { Rng } from '../../models/rng';
import { PatchVq } from '../../models/vq/patchVq';
import { MAX_SAMPLES_PER_RUN, NARSampler } from '../../nodes/nar/sampler';
import { LoadNARModel, LoadTokenizer } from '../../nodes/nar/loaders';
import { BY_ID, ClassLabel } from '../../nodes/nar/conditioning';
import type { ExecContext, Inputs, Preview } from '../../server/engine/nodeApi';
import type { TokenGrid } from '../../nodes/nar/values';
import { BUNDLED_NAR, TINY_FRAMES, TINY_GRID, TINY_SIZE, TINY_VQ, nodeHarness, type NodeHarness } from './helpers';

let h: NodeHarness;
beforeAll(async () => {
  await initBackend('wasm');
  h = nodeHarness();
});
afterAll(() => fs.rmSync(h.root, { recursive: true, force: true }));

interface Recorded {
  ctx: ExecContext;
  progress: { value: number; max: number; preview?: Preview; extra?: Record<string, unknown> }[];
}

function context(signal = new AbortController().signal): Recorded {
  const progress: Recorded['progress'] = [];
  const ctx: ExecContext = {
    promptId: 'test',
    nodeId: '1',
    progress: (value, max, preview, extra) => progress.push({ value, max, preview, extra }),
    signal,
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    paths: h.paths,
  };
  return { ctx, progress };
}

async function load(name: string) {
  const r = context();
  return (await LoadNARModel.execute({ model_name: name }, r.ctx)).outputs[0];
}

async function tokenizer() {
  return (await LoadTokenizer.execute({ tokenizer_name: 'shapes-vq.safetensors' }, context().ctx)).outputs[0];
}

async function classes(label: string, ids = '0') {
  return (await ClassLabel.execute({ label, class_ids: ids }, context().ctx)).outputs[0];
}

const SAMPLING: Inputs = { seed_position: 'corner', cfg: 2, cfg_interval: -1, temperature: 1, top_k: 0, top_p: 1, greedy: false, seed: 7, batch: 1, engine: 'tfjs', preview: 'decoded' };

describe('NARSampler', () => {
  it('reports one progress event per ring with a decoded preview of the growing grid', async () => {
    const model = await load(BUNDLED_NAR.c2i);
    const tok = await tokenizer();
    const r = context();
    const out = await NARSampler.execute({ ...SAMPLING, model, tokenizer: tok, conditioning: await classes('red circle') }, r.ctx);
    const passes = TINY_GRID[0] + TINY_GRID[1] - 1;
    expect(r.progress.map((p) => p.value)).toEqual(Array.from({ length: passes }, (_, i) => i + 1));
    expect(r.progress.every((p) => p.max === passes)).toBe(true);
    expect(r.progress.map((p) => p.preview?.label)).toEqual(Array.from({ length: passes }, (_, i) => `ring ${i}/${passes - 1}`));
    const pngs = r.progress.map((p) => Buffer.from(p.preview!.pngBase64, 'base64'));
    for (const png of pngs) expect(() => readPngText(png)).not.toThrow();
    // unsampled tokens are flat grey: ring 0 shows the seed patch only, the last ring none
    const greyShare = (png: Buffer) => {
      const img = decodePng(png);
      let grey = 0;
      for (let i = 0; i < img.data.length; i += 3) if (img.data.subarray(i, i + 3).every((v) => Math.abs(v - UNSAMPLED_GREY) < 0.003)) grey++;
      return grey / (img.data.length / 3);
    };
    expect(greyShare(pngs[0])).toBeCloseTo(15 / 16, 2);
    expect(greyShare(pngs[1])).toBeCloseTo(13 / 16, 2);
    expect(greyShare(pngs[pngs.length - 1])).toBeLessThan(0.2);
    // the grid grows: every preview differs from the one before
    for (let i = 1; i < pngs.length; i++) expect(pngs[i].equals(pngs[i - 1])).toBe(false);
    const tokens = out.outputs[0] as TokenGrid;
    expect(tokens.grid).toEqual(TINY_GRID);
    expect(tokens.batch).toBe(1);
    expect(Math.min(...tokens.tokens)).toBeGreaterThanOrEqual(0);
    expect(String(out.ui?.text?.[0])).toMatch(/heads \[W\+ H\+\]/);
  });
});

describe('NARSampler seed positions', () => {
  it('refuses a seed the model has no heads for, naming the missing directions', async () => {
    const model = await load(BUNDLED_NAR.c2i);
    const conditioning = await classes('red circle');
    const run = (seed_position: string) => NARSampler.execute({ ...SAMPLING, model, conditioning, seed_position }, context().ctx);
    await expect(run('center')).rejects.toThrow(/seed_position 'center' cannot be sampled by this model: .*expands in axis 0 -, axis 1 -, but the model only has heads for axis 1 \+, axis 0 \+/);
    await expect(run('2,3')).rejects.toThrow(/cannot be sampled by this model/);
    await expect(run('1,2,3')).rejects.toThrow(/has 3 coordinates; the model's grid \[4×4\] needs 2/);
    await expect(run('0,9')).rejects.toThrow(/coordinate 1 = 9 is outside 0..3/);
    await expect(run('middle')).rejects.toThrow(/is not 'corner', 'center' or integer coordinates/);
  });

  it('a raster-AR model samples one token per pass and refuses any seed but the corner', async () => {
    const model = await load(BUNDLED_NAR['raster-c2i']);
    const conditioning = await classes('blue square');
    const r = context();
    await NARSampler.execute({ ...SAMPLING, model, conditioning, preview: 'tokens' }, r.ctx);
    expect(r.progress).toHaveLength(16);
    expect(r.progress[3].preview?.label).toBe('token 4/16');
    await expect(NARSampler.execute({ ...SAMPLING, model, conditioning, seed_position: '0,1' }, context().ctx)).rejects.toThrow(/raster-AR model always starts at the corner/);
  });

  it('a model with heads in every direction samples from the centre or any coordinates in fewer passes', async () => {
    const config = buildNarConfig({ ...TINY_SIZE, vocabSize: 16, grid: [5, 5], condition: { kind: 'class', numClasses: 4 }, heads: 'all', multipleOf: 64 });
    const m = NarModel.random(config, 3);
    const model = { model: m, config, file: 'memory', fingerprint: '0' };
    const conditioning = await classes(BY_ID, '1');
    const passes = async (seed_position: string) => {
      const r = context();
      const out = await NARSampler.execute({ ...SAMPLING, model, conditioning, seed_position, preview: 'none' }, r.ctx);
      expect(Math.min(...(out.outputs[0] as TokenGrid).tokens)).toBeGreaterThanOrEqual(0);
      return r.progress.length;
    };
    expect(await passes('corner')).toBe(9);
    expect(await passes('center')).toBe(5);
    expect(await passes('1,3')).toBe(1 + 3 + 3);
    expect(await passes('0,4')).toBe(9);
    m.dispose();
  });

  it("'auto' (the default) starts where the model was trained from: its trainedSeed, else the corner", async () => {
    const conditioning = await classes(BY_ID, '1');
    const base = { ...TINY_SIZE, vocabSize: 16, grid: [5, 5], condition: { kind: 'class' as const, numClasses: 4 }, heads: 'all' as const, multipleOf: 64 };
    const run = async (config: ReturnType<typeof buildNarConfig>, seed_position?: string) => {
      const m = NarModel.random(config, 3);
      const r = context();
      const inputs: Inputs = { ...SAMPLING, model: { model: m, config, file: 'memory', fingerprint: '0' }, conditioning, preview: 'none' };
      if (seed_position === undefined) delete inputs.seed_position;
      else inputs.seed_position = seed_position;
      const out = await NARSampler.execute(inputs, r.ctx);
      m.dispose();
      return { passes: r.progress.length, tokens: (out.outputs[0] as TokenGrid).tokens, text: out.ui?.text?.join('\n') ?? '' };
    };
    const fromCenter = buildNarConfig({ ...base, trainedSeed: [2, 2] });
    const { text, ...auto } = await run(fromCenter);
    expect(text).toMatch(/heads \[W\+ W- H\+ H-\], trained from seed \[2,2\]/);
    expect(text).toMatch(/5 forward passes from seed \[2,2\]/);
    expect(auto.passes).toBe(5);
    const same = async (seed: string) => {
      const r = await run(fromCenter, seed);
      return { passes: r.passes, tokens: r.tokens };
    };
    expect(auto).toEqual(await same('auto'));
    expect(auto).toEqual(await same('center'));
    expect((await run(fromCenter, 'corner')).passes).toBe(9);
    expect((await run(buildNarConfig({ ...base, trainedSeed: [0, 4] }))).passes).toBe(9);
    expect((await run(buildNarConfig(base))).passes).toBe(9); // no trainedSeed: the corner
  });
});

describe('NARSampler conditions, batch, determinism, engines, memory', () => {
  it('repeats each conditioning row `batch` times; same seed → same tokens, another seed → others', async () => {
    const model = await load(BUNDLED_NAR.c2i);
    const conditioning = await classes(BY_ID, '0, 5, 17');
    const sample = async (seed: number) => (await NARSampler.execute({ ...SAMPLING, model, conditioning, seed, batch: 2, preview: 'none' }, context().ctx)).outputs[0] as TokenGrid;
    const a = await sample(1);
    expect(a.batch).toBe(6);
    expect(a.tokens).toHaveLength(6 * 16);
    expect(Array.from((await sample(1)).tokens)).toEqual(Array.from(a.tokens));
    expect(Array.from((await sample(2)).tokens)).not.toEqual(Array.from(a.tokens));
  });

  it('refuses class ids beyond the model, a caption condition for a class model and a tokenizer too small', async () => {
    const model = await load(BUNDLED_NAR.c2i);
    await expect(NARSampler.execute({ ...SAMPLING, model, conditioning: await classes(BY_ID, '3, 18') }, context().ctx)).rejects.toThrow(/class ids 18 are outside the model's 18 classes/);
    const text = { kind: 'text', prompts: ['x'], features: new Float32Array(120 * 8), mask: new Float32Array(120), tokens: 120, captionDim: 8 };
    await expect(NARSampler.execute({ ...SAMPLING, model, conditioning: text }, context().ctx)).rejects.toThrow(/class-conditioned \(18 classes\): link a ClassLabel/);
    const small = PatchVq.init({ ...TINY_VQ, codebookSize: 8 }, new Rng(1));
    await expect(NARSampler.execute({ ...SAMPLING, model, conditioning: await classes('red circle'), tokenizer: { tokenizer: small, file: 'x' } }, context().ctx)).rejects.toThrow(/tokenizer has 8 codes but the model samples from 16/);
    small.dispose();
  });

  it('refuses more samples than one run makes up front, naming the limit (300 class ids × batch 64 broke the backend downstream)', async () => {
    const model = await load(BUNDLED_NAR.c2i);
    const conditioning = await classes(BY_ID, Array(300).fill('0').join(','));
    await expect(NARSampler.execute({ ...SAMPLING, model, conditioning, batch: 64 }, context().ctx)).rejects.toThrow(
      `300 conditioning row(s) × batch 64 = 19200 samples, more than the ${MAX_SAMPLES_PER_RUN} one sampler run makes`,
    );
    const atLimit = await classes(BY_ID, Array(MAX_SAMPLES_PER_RUN / 64 + 1).fill('0').join(','));
    await expect(NARSampler.execute({ ...SAMPLING, model, conditioning: atLimit, batch: 64 }, context().ctx)).rejects.toThrow(/queue several runs/);
  });

  it('leaves no tensors behind (tfjs engine, decoded previews)', async () => {
    const model = await load(BUNDLED_NAR.video);
    const tok = await tokenizer();
    const conditioning = await classes('circle moving up');
    await NARSampler.execute({ ...SAMPLING, model, tokenizer: tok, conditioning }, context().ctx);
    const before = tf.memory().numTensors;
    const r = context();
    const out = await NARSampler.execute({ ...SAMPLING, model, tokenizer: tok, conditioning, batch: 2 }, r.ctx);
    expect(tf.memory().numTensors).toBe(before);
    expect((out.outputs[0] as TokenGrid).grid).toEqual([TINY_FRAMES, ...TINY_GRID]);
    expect(r.progress).toHaveLength(TINY_FRAMES + 4 + 4 - 2);
  });

  it("engine 'ort' gives the greedy tokens of engine 'tfjs'", async () => {
    const model = await load(BUNDLED_NAR.c2i);
    const conditioning = await classes(BY_ID, '2, 9');
    const sample = async (engine: string) => {
      const out = await NARSampler.execute({ ...SAMPLING, model, conditioning, engine, greedy: true, preview: 'none' }, context().ctx);
      return { tokens: Array.from((out.outputs[0] as TokenGrid).tokens), text: String(out.ui?.text?.[1]) };
    };
    const t = await sample('tfjs');
    const o = await sample('ort');
    expect(o.text).toMatch(/ort engine/);
    expect(o.tokens).toEqual(t.tokens);
  });

  it('stops at the next ring when cancelled', async () => {
    const model = await load(BUNDLED_NAR.c2i);
    const abort = new AbortController();
    const r = context(abort.signal);
    r.ctx.progress = (value) => {
      r.progress.push({ value, max: 0 });
      if (value === 2) abort.abort();
    };
    await expect(NARSampler.execute({ ...SAMPLING, model, conditioning: await classes('red circle') }, r.ctx)).rejects.toThrow(/cancelled/);
    expect(r.progress).toHaveLength(2);
  });
});

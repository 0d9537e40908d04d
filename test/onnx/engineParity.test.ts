// The ORT engine against the tfjs engine: per-head logits of prefill and decode steps agree within
// 1e-4, the shared sampler gives identical tokens on both (greedy and seeded sampling), and the
// fixtures' greedy tokens come out of the shared sampler with engine 'ort'.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../models/backend';
import { buildNarConfig, type NarConfig } from '../../models/nar/config';
import type { NarStepEngine } from '../../models/nar/engine';
import { NarModel } from '../../models/nar';
import { orderingFor, par4xOrdering } from '../../models/nar/ordering';
import { generate, type SampleCondition } from '../../models/nar/sampler/generate';
import { createNarStepEngine, parseEngineChoice } from '../../models/onnx/engineChoice';
import { OrtNarEngine } from '../../models/onnx/narEngine';
import { Rng } from '../../models/rng';
import { loadNarFixture, maxAbsDiff, NAR_FIXTURES } from './fixtures';

const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-parity-'));
beforeAll(() => initBackend('wasm'));
afterAll(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

/** Runs prefill and two decode steps on an engine, returning every head output. */
async function trace(engine: NarStepEngine, c: NarConfig, cond: Parameters<NarStepEngine['prefill']>[0], rows: number): Promise<Float32Array[]> {
  await engine.setup({ batch: rows });
  const out = [...(await engine.prefill(cond))];
  const rng = new Rng(3);
  for (const positions of [Int32Array.of(0), Int32Array.from([1, c.grid[c.grid.length - 1]])]) {
    const tokens = Int32Array.from({ length: rows * positions.length }, () => rng.int(c.vocabSize));
    out.push(...(await engine.decodeStep(positions, tokens)));
  }
  engine.dispose();
  return out;
}

function classCond(c: NarConfig, rows: number) {
  return { kind: 'class' as const, classIds: Int32Array.from({ length: rows }, (_, i) => i % (c.condition.kind === 'class' ? c.condition.numClasses : 1)) };
}

describe('ORT engine vs tfjs engine', () => {
  it.each(['c2i-4x4', 'video-2x3x4'])('per-head logits agree within 1e-4 on %s', async (name) => {
    const f = loadNarFixture(name);
    const model = NarModel.fromStateDict(f.sd, f.config);
    const ort = await OrtNarEngine.create(f.sd, f.config, { cacheDir });
    const before = tf.memory().numTensors;
    const a = await trace(model.createEngine(), f.config, classCond(f.config, 2), 2);
    expect(tf.memory().numTensors).toBe(before);
    const b = await trace(ort, f.config, classCond(f.config, 2), 2);
    a.forEach((x, i) => expect(maxAbsDiff(x, b[i])).toBeLessThan(1e-4));
    model.dispose();
    await ort.release();
  });

  it('a random 8×8 model samples the same tokens on both engines for the same seed', async () => {
    const c = buildNarConfig({ dim: 64, nLayer: 2, nHead: 4, vocabSize: 256, grid: [8, 8], condition: { kind: 'class', numClasses: 10 } });
    const model = NarModel.random(c, 5);
    const request = (engine: NarStepEngine) =>
      generate(engine, { cond: { kind: 'class', classIds: [1, 7] }, ordering: orderingFor(c, 'corner'), cfgScale: 2, temperature: 1, topK: 0, rng: new Rng(11) });
    const { engine: ort, kind } = await createNarStepEngine({ choice: 'auto', stateDict: model.toStateDict(), config: c, tfjs: () => model.createEngine(), ort: { cacheDir } });
    expect(kind).toBe('ort');
    expect(await request(ort)).toEqual(await request(model.createEngine()));
    model.dispose();
  });

  it('a four-head model seeded at the centre gives the same greedy tokens on both engines', async () => {
    const c = buildNarConfig({ dim: 64, nLayer: 2, nHead: 4, vocabSize: 128, grid: [7, 6], heads: 'all', condition: { kind: 'class', numClasses: 10 } });
    const model = NarModel.random(c, 9);
    const ort = await OrtNarEngine.create(model.toStateDict(), c, { cacheDir });
    const ordering = orderingFor(c, 'center');
    ort.useOrdering(ordering); // heads computed only where a later token reads them
    const request = (engine: NarStepEngine) => generate(engine, { cond: { kind: 'class', classIds: [2, 4] }, ordering, cfgScale: 3, greedy: true });
    expect(await request(ort)).toEqual(await request(model.createEngine()));
    const passes = orderingFor(c, 'center').steps.length;
    expect(ort.stats.forwardPasses).toBe(passes);
    // the sampler hands each pass's logits back once read: later passes reuse their buffers
    expect(ort.stats.logitArraysAllocated).toBeGreaterThanOrEqual(c.heads.length);
    expect(ort.stats.logitArraysAllocated).toBeLessThan(c.heads.length * passes);
    model.dispose();
    await ort.release();
  });

  it('reuses recycled logits buffers across a long generation, with the tokens of fresh buffers', async () => {
    const c = buildNarConfig({ dim: 32, nLayer: 1, nHead: 2, vocabSize: 64, grid: [12, 12], condition: { kind: 'class', numClasses: 4 } });
    const sd = NarModel.random(c, 5);
    const ort = await OrtNarEngine.create(sd.toStateDict(), c, { cacheDir });
    // corner: every pass asks for target logits (one array per pass); PAR-4X: its first passes read head logits
    for (const ordering of [orderingFor(c, 'corner'), par4xOrdering(c.grid)]) {
      ort.useOrdering(ordering);
      const request = (engine: NarStepEngine) => generate(engine, { cond: { kind: 'class', classIds: [1, 3] }, ordering, cfgScale: 2, temperature: 1, rng: new Rng(2) });
      const plain = { config: c, setup: ort.setup.bind(ort), prefill: ort.prefill.bind(ort), decodeStep: ort.decodeStep.bind(ort), dispose: ort.dispose.bind(ort) };
      const before = ort.stats.logitArraysAllocated;
      const fresh = await request(plain); // no recycle(): every pass allocates
      const allocatedFresh = ort.stats.logitArraysAllocated - before;
      const recycled = await request(ort);
      expect(recycled).toEqual(fresh);
      expect(allocatedFresh).toBeGreaterThanOrEqual(ordering.steps.length);
      expect(ort.stats.logitArraysAllocated - before - allocatedFresh).toBeLessThan(ordering.steps.length / 3); // vs one or two per pass fresh
    }
    sd.dispose();
    await ort.release();
  });

  it('keeps its KV cache across generations of the same batch, and the reused buffers give the tokens of fresh ones', async () => {
    const c = buildNarConfig({ dim: 32, nLayer: 1, nHead: 2, vocabSize: 64, grid: [8, 8], condition: { kind: 'class', numClasses: 4 } });
    const model = NarModel.random(c, 3);
    const ort = await OrtNarEngine.create(model.toStateDict(), c, { cacheDir });
    const ordering = orderingFor(c, 'corner');
    const request = (classIds: number[], seed: number) => generate(ort, { cond: { kind: 'class', classIds }, ordering, cfgScale: 2, temperature: 1, rng: new Rng(seed) });
    const first = await request([1, 2], 4);
    await request([3, 0], 9); // fills the buffers with another generation's keys and values
    expect(await request([1, 2], 4)).toEqual(first);
    expect(ort.stats.kvCachesAllocated).toBe(1);
    await request([1], 4); // another batch: a new cache
    expect(ort.stats.kvCachesAllocated).toBe(2);
    ort.trim(); // frees the kept buffers: the next generation allocates
    await request([1], 4);
    expect(ort.stats.kvCachesAllocated).toBe(3);
    model.dispose();
    await ort.release();
  });

  it('padding empty index tensors with an ignored row (as for GPU providers) keeps the tokens', async () => {
    const c = buildNarConfig({ dim: 32, nLayer: 1, nHead: 2, vocabSize: 64, grid: [6, 6], condition: { kind: 'class', numClasses: 4 } });
    const model = NarModel.random(c, 8);
    const plain = await OrtNarEngine.create(model.toStateDict(), c, { cacheDir });
    const padded = await OrtNarEngine.create(model.toStateDict(), c, { cacheDir, padEmptyTensors: true });
    // PAR-4X: head-logit passes (no targets) and target passes (no head logits)
    for (const ordering of [orderingFor(c, 'corner'), par4xOrdering(c.grid)]) {
      const request = (engine: NarStepEngine) => generate(engine, { cond: { kind: 'class', classIds: [2, 1] }, ordering, cfgScale: 2, temperature: 0.9, rng: new Rng(6) });
      expect(await request(padded)).toEqual(await request(plain));
    }
    model.dispose();
    await plain.release();
    await padded.release();
  });

  it('with PAR-4X on a two-head model, skipping unread head rows keeps the tokens equal', async () => {
    const c = buildNarConfig({ dim: 64, nLayer: 2, nHead: 4, vocabSize: 128, grid: [6, 6], condition: { kind: 'class', numClasses: 10 } });
    const model = NarModel.random(c, 4);
    const ort = await OrtNarEngine.create(model.toStateDict(), c, { cacheDir });
    const ordering = par4xOrdering(c.grid);
    ort.useOrdering(ordering);
    const request = (engine: NarStepEngine) => generate(engine, { cond: { kind: 'class', classIds: [1] }, ordering, cfgScale: 2, greedy: true });
    expect(await request(ort)).toEqual(await request(model.createEngine()));
    model.dispose();
    await ort.release();
  });

  it('parses engine choices and names the allowed values on a bad one', () => {
    expect(parseEngineChoice(undefined)).toBe('auto');
    expect(parseEngineChoice('ORT')).toBe('ort');
    expect(() => parseEngineChoice('cuda')).toThrow(/one of auto, ort, tfjs, got 'cuda'/);
  });
});

describe.each(NAR_FIXTURES)('shared sampler with engine ort: %s', (name) => {
  const f = loadNarFixture(name);
  it.each(f.cases.greedy.map((g) => [g.cfg_scale, g.cfg_interval, g.tokens] as const))('greedy, cfg %s interval %s = fixture', async (cfgScale, cfgInterval, expected) => {
    const cond: SampleCondition =
      f.config.condition.kind === 'text'
        ? { kind: 'text', features: Float32Array.from((f.cases.train.cond as number[][][]).flat(2)), mask: f.cases.emb_masks && Float32Array.from(f.cases.emb_masks.flat()) }
        : { kind: 'class', classIds: f.cases.train.cond as number[] };
    const engine = await OrtNarEngine.create(f.sd, f.config, { cacheDir });
    const tokens = await generate(engine, { cond, ordering: orderingFor(f.config, 'corner'), cfgScale, cfgInterval, greedy: true });
    expect(tokens).toEqual(expected);
    await engine.release();
  });
});

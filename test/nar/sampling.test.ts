// Sampler behaviour on small random models: determinism, seeds, callbacks, refusal, filters.
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../models/backend';
import { Rng } from '../../models/rng';
import { buildNarConfig, NarModel } from '../../models/nar';
import { OrderingError } from '../../models/nar/ordering';
import { argmax, chooseToken, mixGuidance, softmax, topKFilter, topPFilter } from '../../models/nar/sampler/sampling';

const cond = { kind: 'class' as const, classIds: [1, 3] };
let corner: NarModel;
let allHeads: NarModel;
let raster: NarModel;

beforeAll(async () => {
  await initBackend('wasm');
  const base = { dim: 32, nLayer: 2, nHead: 2, vocabSize: 24, grid: [4, 5], condition: { kind: 'class' as const, numClasses: 4 } };
  corner = NarModel.random(buildNarConfig(base), 1);
  allHeads = NarModel.random(buildNarConfig({ ...base, heads: 'all' }), 2);
  raster = NarModel.random(buildNarConfig({ ...base, ordering: 'raster' }), 3);
});
afterAll(() => [corner, allHeads, raster].forEach((m) => m.dispose()));

describe('generate', () => {
  it('gives identical tokens for the same seed and different tokens for different seeds', async () => {
    const opts = { cond, cfgScale: 2, temperature: 1, topK: 0, topP: 1 };
    const a = await corner.generate({ ...opts, seed: 7 });
    const b = await corner.generate({ ...opts, seed: 7 });
    const c = await corner.generate({ ...opts, seed: 8 });
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
  });

  it('leaves tf.memory().numTensors unchanged', async () => {
    const before = tf.memory().numTensors;
    await corner.generate({ cond, cfgScale: 1.5, cfgInterval: 4, seed: 1, topK: 5, topP: 0.9 });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('streams every pass with the partial grid growing ring by ring', async () => {
    const seen: number[] = [];
    const out = await corner.generate({
      cond,
      seed: 3,
      onStep: (s) => {
        const known = Array.from(s.tokens.subarray(0, 20)).filter((t) => t >= 0).length;
        seen.push(known);
        for (const q of s.positions) expect(s.tokens[q]).toBeGreaterThanOrEqual(0);
      },
    });
    expect(seen.length).toBe(corner.passes('corner'));
    expect(seen.length).toBe(4 + 5 - 1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1]);
    expect(seen[seen.length - 1]).toBe(20);
    expect(out[0].every((t) => t >= 0 && t < 24)).toBe(true);
  });

  it('decodes from the centre with a four-head model in fewer passes', async () => {
    let passes = 0;
    const out = await allHeads.generate({ cond, seedPosition: 'center', seed: 5, onStep: () => void passes++ });
    expect(passes).toBe(allHeads.passes('center'));
    expect(passes).toBeLessThan(allHeads.passes('corner'));
    expect(out.flat().every((t) => t >= 0)).toBe(true);
  });

  it('refuses a centre seed on a model with corner heads only', async () => {
    await expect(corner.generate({ cond, seedPosition: 'center' })).rejects.toThrow(OrderingError);
  });

  it('samples a raster-AR model one token per pass', async () => {
    let passes = 0;
    await raster.generate({ cond, greedy: true, onStep: () => void passes++ });
    expect(passes).toBe(20);
  });

  it('greedy decoding equals the argmax of the training forward at every position', async () => {
    const tokens = await corner.generate({ cond, greedy: true });
    const logits = await corner.trainingLogits({ cond: { kind: 'class', classIds: Int32Array.from(cond.classIds) }, tokens: Int32Array.from(tokens.flat()), batch: 2 });
    const V = 24;
    tokens.flat().forEach((t, i) => expect(argmax(logits.subarray(i * V, (i + 1) * V))).toBe(t));
  });
});

describe('sampling functions', () => {
  it('guidance mixes uncond + (cond − uncond)·scale', () => {
    const out = mixGuidance(Float32Array.of(1, 2), Float32Array.of(0, 4), 3);
    expect(Array.from(out)).toEqual([3, -2]);
  });

  it('top-k keeps exactly the k largest logits', () => {
    const l = topKFilter(Float32Array.of(0.1, 3, -1, 2, 5), 2);
    expect(Array.from(l).map((v) => v > -Infinity)).toEqual([false, true, false, false, true]);
  });

  it('top-p keeps the first token past the threshold', () => {
    const logits = Float32Array.of(Math.log(0.5), Math.log(0.3), Math.log(0.15), Math.log(0.05));
    const kept = Array.from(topPFilter(Float32Array.from(logits), 0.6)).map((v) => v > -Infinity);
    expect(kept).toEqual([true, true, false, false]);
    const keptTop = Array.from(topPFilter(Float32Array.from(logits), 0.4)).map((v) => v > -Infinity);
    expect(keptTop).toEqual([true, false, false, false]);
  });

  it('draws in proportion to the probabilities with our Rng', () => {
    const rng = new Rng(11);
    const row = Float32Array.from([0.2, 0.8].map(Math.log));
    let ones = 0;
    for (let i = 0; i < 4000; i++) ones += chooseToken(row, { temperature: 1 }, rng);
    expect(ones / 4000).toBeGreaterThan(0.77);
    expect(ones / 4000).toBeLessThan(0.83);
  });

  it('softmax sums to one and ignores -Infinity', () => {
    const p = softmax(Float32Array.of(1, -Infinity, 2));
    expect(p[1]).toBe(0);
    expect(p[0] + p[2]).toBeCloseTo(1, 12);
  });
});

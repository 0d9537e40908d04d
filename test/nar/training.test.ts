// Training: memory discipline, loss going down on a toy distribution, exact resume, schedule, AdamW.
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../models/backend';
import { buildNarConfig, createNarTrainer, NarModel, type NarConfig } from '../../models/nar';
import { AdamW } from '../../models/train/adamw';
import { warmupCosine, warmupCosineLr } from '../../models/train/schedule';
import { Rng } from '../../models/rng';

beforeAll(async () => {
  await initBackend('wasm');
});

const base = { dim: 32, nLayer: 2, nHead: 2, vocabSize: 16, grid: [4, 4], condition: { kind: 'class' as const, numClasses: 4 } };

/** Toy distribution: the grid of class c is (c + h + 2w) mod V, plus a little noise. */
function toyBatch(rng: Rng, B: number, c: NarConfig) {
  const classIds = Array.from({ length: B }, () => rng.int(4));
  const tokens: number[] = [];
  classIds.forEach((k) => {
    for (let h = 0; h < 4; h++) for (let w = 0; w < 4; w++) tokens.push(rng.next() < 0.05 ? rng.int(c.vocabSize) : (k + h + 2 * w) % c.vocabSize);
  });
  return { cond: { kind: 'class' as const, classIds }, tokens };
}

it('a training step leaves tf.memory().numTensors unchanged', async () => {
  const model = NarModel.random(buildNarConfig(base), 1);
  const trainer = createNarTrainer(model, { maxGradNorm: 1 });
  const rng = new Rng(0);
  await trainer.step(toyBatch(rng, 4, model.config)); // first step may create lazily-held tensors
  const before = tf.memory().numTensors;
  await trainer.step(toyBatch(rng, 4, model.config));
  expect(tf.memory().numTensors).toBe(before);
  trainer.dispose();
  model.dispose();
});

it.each(['neighbor', 'raster'] as const)('a short %s training run drives the loss down on a toy distribution', async (ordering) => {
  const model = NarModel.random(buildNarConfig({ ...base, ordering }), 2);
  const trainer = createNarTrainer(model, { lr: warmupCosine({ maxLr: 3e-3, warmupSteps: 5, totalSteps: 60, minLr: 3e-4 }), weightDecay: 0, maxGradNorm: 1, seed: 4 });
  const rng = new Rng(1);
  const losses: number[] = [];
  for (let i = 0; i < 60; i++) losses.push((await trainer.step(toyBatch(rng, 8, model.config))).loss);
  const first = losses.slice(0, 5).reduce((a, b) => a + b) / 5;
  const last = losses.slice(-5).reduce((a, b) => a + b) / 5;
  expect(last).toBeLessThan(first * 0.6);
  trainer.dispose();
  model.dispose();
});

it('resuming from saved weights and optimizer state continues exactly', async () => {
  const config = buildNarConfig(base);
  const a = NarModel.random(config, 3);
  const ta = createNarTrainer(a, { lr: warmupCosine({ maxLr: 1e-3, warmupSteps: 2, totalSteps: 10 }), seed: 9 });
  const rng = new Rng(5);
  const batches = Array.from({ length: 3 }, () => toyBatch(rng, 4, config));
  await ta.step(batches[0]);
  await ta.step(batches[1]);
  const weights = a.toStateDict();
  const optState = ta.stateDict();
  const cont = await ta.step(batches[2]);

  const b = NarModel.fromStateDict(weights, config);
  const tb = createNarTrainer(b, { lr: warmupCosine({ maxLr: 1e-3, warmupSteps: 2, totalSteps: 10 }), seed: 9 });
  tb.loadStateDict(optState);
  const resumed = await tb.step(batches[2]);
  expect(resumed.loss).toBe(cont.loss);
  expect(resumed.lr).toBe(cont.lr);
  expect(resumed.step).toBe(3);
  const wa = a.toStateDict().get('layers.0.attention.wqkv.weight')!.data;
  const wb = b.toStateDict().get('layers.0.attention.wqkv.weight')!.data;
  expect(Array.from(wb)).toEqual(Array.from(wa));
  [ta, tb].forEach((t) => t.dispose());
  [a, b].forEach((m) => m.dispose());
});

describe('warm-up + cosine schedule', () => {
  const o = { maxLr: 1, minLr: 0.1, warmupSteps: 4, totalSteps: 14 };
  it('rises linearly to the peak, then follows the cosine to the floor', () => {
    expect(warmupCosineLr(0, o)).toBeCloseTo(0.25);
    expect(warmupCosineLr(3, o)).toBeCloseTo(1);
    expect(warmupCosineLr(9, o)).toBeCloseTo(0.1 + 0.5 * 0.9);
    expect(warmupCosineLr(14, o)).toBeCloseTo(0.1);
    expect(warmupCosineLr(100, o)).toBeCloseTo(0.1);
  });
  it('never increases after warm-up', () => {
    for (let s = 4; s < 20; s++) expect(warmupCosineLr(s + 1, o)).toBeLessThanOrEqual(warmupCosineLr(s, o));
  });
});

describe('AdamW', () => {
  it('applies the decoupled-weight-decay update and clips by global norm', () => {
    const p = tf.variable(tf.tensor2d([[1, -2]]));
    const opt = new AdamW(new Map([['w', p]]), { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1, maxGradNorm: 1 });
    const g = tf.tensor2d([[3, 4]]); // norm 5 → clipped to norm 1: [0.6, 0.8]
    const { gradNorm } = opt.apply(new Map([['w', g]]), 0.01);
    expect(gradNorm).toBeCloseTo(5, 5);
    const got = p.dataSync();
    [1, -2].forEach((w, i) => {
      const gc = [3, 4][i] / 5;
      const m = 0.1 * gc;
      const v = 0.01 * gc * gc;
      const want = w * (1 - 0.01 * 0.1) - (0.01 / 0.1) * (m / (Math.sqrt(v) / Math.sqrt(0.01) + 1e-8));
      expect(got[i]).toBeCloseTo(want, 5);
    });
    const state = opt.stateDict();
    expect(state.get('step')!.data[0]).toBe(1);
    expect(() => opt.loadStateDict(new Map())).toThrow(/missing w.exp_avg/);
    opt.dispose();
    tf.dispose([p, g]);
  });
});

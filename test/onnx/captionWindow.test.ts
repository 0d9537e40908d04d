// A text model that reads only the last clsTokenNum of its 120 caption positions (as the bundled
// Shapes t2i model does): the ORT engine takes the same [B, 120, D] features as the tfjs engine,
// reads the same window of them and of the null caption, and agrees with it on logits and tokens.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../models/backend';
import { NarModel } from '../../models/nar';
import { buildNarConfig, type NarConfig } from '../../models/nar/config';
import type { EngineCondition, NarStepEngine } from '../../models/nar/engine';
import { orderingFor } from '../../models/nar/ordering';
import { generate } from '../../models/nar/sampler/generate';
import { OrtNarEngine } from '../../models/onnx/narEngine';
import { Rng } from '../../models/rng';
import { maxAbsDiff } from './fixtures';

const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-caption-window-'));
beforeAll(() => initBackend('wasm'));
afterAll(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

const T = 120;
const CAP = 8;
const C = 12;
const B = 2;
const config = buildNarConfig({ dim: 32, nLayer: 2, nHead: 2, vocabSize: 64, grid: [4, 4], condition: { kind: 'text', captionDim: CAP, tokens: T }, clsTokenNum: C });

function randomFeatures(rows: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: rows * T * CAP }, () => rng.normal());
}

/** Left-padded masks [B, T]: row 0 has 5 words (so 7 of the window's 12 positions are padding), row 1 has 20. */
function leftPaddedMask(): Float32Array {
  const m = new Float32Array(B * T);
  [5, 20].forEach((words, b) => m.fill(1, b * T + T - words, (b + 1) * T));
  return m;
}

/** The window of a [rows, T] mask the model reads: [rows, C]. */
function windowMask(mask: Float32Array, rows: number): Float32Array {
  const out = new Float32Array(rows * C);
  for (let r = 0; r < rows; r++) out.set(mask.subarray((r % B) * T + T - C, (r % B + 1) * T), r * C);
  return out;
}

/** Prefill (conditional rows then null-caption rows) and two decode steps; every head output. */
async function trace(engine: NarStepEngine, c: NarConfig, features: Float32Array, mask: Float32Array): Promise<Float32Array[]> {
  const rows = 2 * B;
  await engine.setup({ batch: rows, condMask: windowMask(mask, rows) });
  const cond: EngineCondition = { kind: 'text', features: Float32Array.from([...features, ...features]), nullRows: Uint8Array.from([0, 0, 1, 1]) };
  const out = [...(await engine.prefill(cond))];
  const rng = new Rng(3);
  for (const positions of [Int32Array.of(0), Int32Array.of(1, 4)]) {
    const tokens = Int32Array.from({ length: rows * positions.length }, () => rng.int(c.vocabSize));
    out.push(...(await engine.decodeStep(positions, tokens)));
  }
  engine.dispose();
  return out;
}

describe('ORT engine on a text model reading the last clsTokenNum caption positions', () => {
  let model: NarModel;
  let ort: OrtNarEngine;
  beforeAll(async () => {
    model = NarModel.random(config, 7);
    ort = await OrtNarEngine.create(model.toStateDict(), config, { cacheDir });
  });
  afterAll(async () => {
    model.dispose();
    await ort.release();
  });

  it('per-head logits of prefill and decode steps agree with tfjs within 1e-4 (left-padded masks, null captions)', async () => {
    const features = randomFeatures(B, 1);
    const mask = leftPaddedMask();
    const before = tf.memory().numTensors;
    const a = await trace(model.createEngine(), config, features, mask);
    expect(tf.memory().numTensors).toBe(before);
    const b = await trace(ort, config, features, mask);
    expect(b).toHaveLength(a.length);
    a.forEach((x, i) => expect(maxAbsDiff(x, b[i])).toBeLessThan(1e-4));
  });

  it('greedy tokens with guidance are equal on both engines', async () => {
    const cond = { kind: 'text' as const, features: randomFeatures(B, 2), mask: leftPaddedMask() };
    const request = (engine: NarStepEngine) => generate(engine, { cond, ordering: orderingFor(config, 'corner'), cfgScale: 4, greedy: true });
    const tokens = await request(ort);
    expect(tokens).toEqual(await request(model.createEngine()));
  });

  it('reads the last clsTokenNum positions: changing earlier positions changes nothing, changing the window does', async () => {
    const prefill = async (features: Float32Array) => {
      await ort.setup({ batch: B });
      const out = await ort.prefill({ kind: 'text', features });
      ort.dispose();
      return out;
    };
    const base = randomFeatures(B, 4);
    const early = Float32Array.from(base);
    const late = Float32Array.from(base);
    for (let b = 0; b < B; b++) {
      early[b * T * CAP] += 5; // position 0: outside the window
      late[((b + 1) * T - 1) * CAP] += 5; // position T − 1: inside it
    }
    const ref = await prefill(base);
    (await prefill(early)).forEach((x, h) => expect(maxAbsDiff(x, ref[h])).toBe(0));
    expect(Math.max(...(await prefill(late)).map((x, h) => maxAbsDiff(x, ref[h])))).toBeGreaterThan(1e-5);
  });

  it('rejects features of clsTokenNum positions, naming the expected [B, 120, D] shape', async () => {
    await ort.setup({ batch: 1 });
    await expect(ort.prefill({ kind: 'text', features: new Float32Array(C * CAP) })).rejects.toThrow(`expected [1, ${T}, ${CAP}]`);
    ort.dispose();
  });
});

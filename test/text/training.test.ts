// Training the small encoder: a few steps lower the attribute loss, the same seed gives the same
// weights, no tensors leak, and the safetensors file round-trips (config and vocab in metadata).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../models/backend';
import { writeSafetensors } from '../../models/checkpoint/safetensors';
import { loadTextEncoder } from '../../models/text/loadTextEncoder';
import { readSmallEncoderBundle, saveSmallEncoder, SmallTextEncoder, withPooledOutput } from '../../models/text/shapes/smallTextEncoder';
import { sampleCaptions } from '../../models/text/shapes/captionTargets';
import { pooledFeatures } from '../../models/text/textEncoder';
import { Rng } from '../../models/rng';
import { trainSmallEncoder } from '../../models/text/shapes/trainSmallEncoder';

const small = { dim: 32, layers: 1, heads: 4, ffnDim: 64 };
let dir: string;

beforeAll(async () => {
  await initBackend('wasm');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-text-train-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('trainSmallEncoder', () => {
  it('lowers the loss within a few dozen steps and leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    const { losses } = await trainSmallEncoder({ seed: 3, steps: 40, batchSize: 32, maxLr: 3e-3, warmupSteps: 5, config: small });
    expect(tf.memory().numTensors).toBe(before);
    console.log(`loss: first 5 steps ${mean(losses.slice(0, 5)).toFixed(3)}, last 5 ${mean(losses.slice(-5)).toFixed(3)}`);
    expect(mean(losses.slice(-5))).toBeLessThan(0.85 * mean(losses.slice(0, 5)));
  });

  it('is deterministic: the same seed gives the same weights, bit for bit', async () => {
    const a = await trainSmallEncoder({ seed: 9, steps: 3, batchSize: 16, config: small });
    const b = await trainSmallEncoder({ seed: 9, steps: 3, batchSize: 16, config: small });
    expect(a.losses).toEqual(b.losses);
    for (const [name, t] of a.bundle.weights) expect(Buffer.from(b.bundle.weights.get(name)!.data.buffer).equals(Buffer.from(t.data.buffer))).toBe(true);
  });

  it('saves and loads: the loaded encoder gives the same features as the trained weights', async () => {
    const { bundle } = await trainSmallEncoder({ seed: 4, steps: 2, batchSize: 8, config: small });
    const file = path.join(dir, 'enc.safetensors');
    saveSmallEncoder(file, bundle);
    const read = readSmallEncoderBundle(file);
    expect(read.config).toEqual(bundle.config);
    expect(read.vocab).toEqual(bundle.vocab);
    expect(read.training).toEqual(bundle.training);
    const direct = new SmallTextEncoder(bundle.config, bundle.vocab, bundle.weights);
    const loaded = await loadTextEncoder(file);
    const prompts = ['a yellow triangle below a cyan circle', 'red'];
    const [x, y] = [await direct.encode(prompts), await loaded.encode(prompts)];
    direct.dispose();
    loaded.dispose();
    expect(Buffer.from(y.features.buffer).equals(Buffer.from(x.features.buffer))).toBe(true);
    expect(Array.from(y.mask)).toEqual(Array.from(x.mask));
  });

  it('withPooledOutput: every real position carries the whitened pooled features (zero mean, unit variance per channel over the captions it was fitted on), and it saves and loads', async () => {
    const { bundle } = await trainSmallEncoder({ seed: 4, steps: 2, batchSize: 8, config: small });
    const captions = sampleCaptions(new Rng(8), 600).map((c) => c.caption);
    const pooledBundle = await withPooledOutput(bundle, captions);
    expect(pooledBundle.config).toEqual({ ...bundle.config, pooledOutput: true });
    expect(pooledBundle.training).toMatchObject({ output: 'whitened pooled features at every position', whitening: { captions: 600 } });
    const file = path.join(dir, 'pooled.safetensors');
    saveSmallEncoder(file, pooledBundle);
    const enc = await loadTextEncoder(file);
    const out = await enc.encode(captions);
    enc.dispose();
    const D = small.dim;
    const rows = captions.map((_, i) => pooledFeatures(out, i, D));
    const m = Array.from({ length: D }, (_, k) => mean(rows.map((r) => r[k])));
    const v = Array.from({ length: D }, (_, k) => mean(rows.map((r) => (r[k] - m[k]) ** 2)));
    for (const x of m) expect(Math.abs(x)).toBeLessThan(1e-3);
    expect(mean(v)).toBeCloseTo(1, 1);
    // the same vector at each real position of a prompt
    const T = out.features.length / (captions.length * D);
    const last = Array.from(out.features.subarray((T - 1) * D, T * D));
    const first = Array.from(out.features.subarray((T - out.mask.subarray(0, T).reduce((a, b) => a + b, 0)) * D, (T - out.mask.subarray(0, T).reduce((a, b) => a + b, 0) + 1) * D));
    expect(first).toEqual(last);
    await expect(withPooledOutput(pooledBundle, captions)).rejects.toThrow(/already pooled/);
  });

  it('refuses a safetensors file that is not a small text encoder, saying what it found', async () => {
    const file = path.join(dir, 'other.safetensors');
    writeSafetensors(file, new Map([['w', { shape: [1], data: new Float32Array(1) }]]), { format: 'something-else' });
    await expect(loadTextEncoder(file)).rejects.toThrow(/__metadata__.format is "something-else", expected "narflow.shapes-text-encoder.v1"/);
  });
});

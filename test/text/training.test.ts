// Training the small encoder: a few steps lower the attribute loss, the same seed gives the same
// weights, no tensors leak, and the safetensors file round-trips (config and vocab in metadata).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../models/backend';
import { writeSafetensors } from '../../models/checkpoint/safetensors';
import { loadTextEncoder } from '../../models/text/loadTextEncoder';
import { readSmallEncoderBundle, saveSmallEncoder, SmallTextEncoder } from '../../models/text/shapes/smallTextEncoder';
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

  it('refuses a safetensors file that is not a small text encoder, saying what it found', async () => {
    const file = path.join(dir, 'other.safetensors');
    writeSafetensors(file, new Map([['w', { shape: [1], data: new Float32Array(1) }]]), { format: 'something-else' });
    await expect(loadTextEncoder(file)).rejects.toThrow(/__metadata__.format is "something-else", expected "narflow.shapes-text-encoder.v1"/);
  });
});

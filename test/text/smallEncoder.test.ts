// The small encoder's TextEncoder contract on seeded (untrained) weights: left padding and mask
// exactly, padded positions zero, rows independent of the batch they are in, determinism, and no
// leaked tensors.
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../models/backend';
import { leftPadRows, TEXT_MAX_TOKENS } from '../../models/text/textEncoder';
import { initialWeights } from '../../models/text/shapes/smallEncoderModel';
import { SmallTextEncoder } from '../../models/text/shapes/smallTextEncoder';
import { shapesVocabulary } from '../../models/text/shapes/wordTokenizer';

const vocab = shapesVocabulary();
const config = { vocabSize: vocab.length, dim: 32, layers: 2, heads: 4, ffnDim: 64 };
let enc: SmallTextEncoder;

beforeAll(async () => {
  await initBackend('wasm');
  enc = new SmallTextEncoder(config, vocab, initialWeights(config, 11));
});
afterAll(() => enc.dispose());

const prompts = ['a red circle at the top left', 'a blue square left of a green triangle', 'cyan'];

describe('leftPadRows', () => {
  it('puts each row’s n real positions at the end and marks exactly those in the mask', () => {
    // source [2, 3, 2] right-padded; lengths 2 and 3
    const source = Float32Array.from([1, 2, 3, 4, 0, 0, 5, 6, 7, 8, 9, 10]);
    const out = leftPadRows(source, [2, 3], 3, 2, 5);
    expect(Array.from(out.mask)).toEqual([0, 0, 0, 1, 1, 0, 0, 1, 1, 1]);
    expect(Array.from(out.features)).toEqual([0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0, 5, 6, 7, 8, 9, 10]);
  });
});

describe('SmallTextEncoder.encode', () => {
  it('returns [B, 120, D] features and a mask of 0s then exactly n 1s (n = tokens)', async () => {
    const out = await enc.encode(prompts);
    expect(out.batch).toBe(3);
    expect(out.features.length).toBe(3 * TEXT_MAX_TOKENS * config.dim);
    const ids = enc.tokenize(prompts);
    prompts.forEach((_, b) => {
      const n = ids[b].length;
      const row = Array.from(out.mask.subarray(b * TEXT_MAX_TOKENS, (b + 1) * TEXT_MAX_TOKENS));
      expect(row).toEqual([...new Array(TEXT_MAX_TOKENS - n).fill(0), ...new Array(n).fill(1)]);
      for (let t = 0; t < TEXT_MAX_TOKENS; t++) {
        const f = out.features.subarray((b * TEXT_MAX_TOKENS + t) * config.dim, (b * TEXT_MAX_TOKENS + t + 1) * config.dim);
        const norm = Math.hypot(...f);
        if (t < TEXT_MAX_TOKENS - n) expect(norm).toBe(0);
        else expect(norm).toBeGreaterThan(0.1);
      }
    });
  });

  it('gives a prompt the same features alone as inside a batch of longer and shorter prompts', async () => {
    const alone = await enc.encode([prompts[0]]);
    const inBatch = await enc.encode(prompts);
    const row = inBatch.features.subarray(0, TEXT_MAX_TOKENS * config.dim);
    let maxDiff = 0;
    row.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - alone.features[i]))));
    expect(maxDiff).toBeLessThan(1e-5);
  });

  it('is deterministic: same weights and prompts → identical bytes', async () => {
    const a = await enc.encode(prompts);
    const other = new SmallTextEncoder(config, vocab, initialWeights(config, 11));
    const b = await other.encode(prompts);
    other.dispose();
    expect(Buffer.from(b.features.buffer).equals(Buffer.from(a.features.buffer))).toBe(true);
  });

  it('leaves tf.memory().numTensors unchanged', async () => {
    await enc.encode(prompts);
    const before = tf.memory().numTensors;
    await enc.encode(prompts);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses bad input and use after dispose with clear errors', async () => {
    await expect(enc.encode([])).rejects.toThrow(/non-empty array of prompt strings/);
    await expect(enc.encode([3 as unknown as string])).rejects.toThrow(/prompt 0 must be a string, got number/);
    const gone = new SmallTextEncoder(config, vocab, initialWeights(config, 1));
    gone.dispose();
    await expect(gone.encode(['red'])).rejects.toThrow(/after dispose/);
  });

  it('refuses weights that do not fit the config, naming the tensor and shapes', () => {
    const sd = initialWeights(config, 1);
    sd.set('norm.weight', { shape: [7], data: new Float32Array(7) });
    expect(() => new SmallTextEncoder(config, vocab, sd)).toThrow(/norm.weight: expected \[32\], got \[7\]/);
  });
});

describe('pooled output', () => {
  const T = TEXT_MAX_TOKENS;
  const D = config.dim;
  const row = (f: Float32Array, b: number, t: number) => Array.from(f.subarray((b * T + t) * D, (b * T + t + 1) * D));

  it('puts the masked mean of the token features, through out.weight and out.bias, at every real position; pads stay zero', async () => {
    const sd = initialWeights({ ...config, pooledOutput: true }, 11); // the token weights of `enc`, out = identity
    const pooled = new SmallTextEncoder({ ...config, pooledOutput: true }, vocab, sd);
    try {
      const tokens = await enc.encode(prompts);
      const out = await pooled.encode(prompts);
      expect(Array.from(out.mask)).toEqual(Array.from(tokens.mask));
      prompts.forEach((_, b) => {
        const n = tokens.mask.subarray(b * T, (b + 1) * T).reduce((s, x) => s + x, 0);
        const mean = new Array(D).fill(0);
        for (let t = T - n; t < T; t++) row(tokens.features, b, t).forEach((x, k) => (mean[k] += x / n));
        for (let t = 0; t < T; t++) {
          const r = row(out.features, b, t);
          if (t < T - n) expect(Math.hypot(...r)).toBe(0);
          else r.forEach((x, k) => expect(x).toBeCloseTo(mean[k], 5));
        }
      });
      // a whitening moves every real position the same way: x·W + b
      const w = sd.get('out.weight')!;
      w.data.forEach((_, i) => (w.data[i] = i % (D + 1) === 0 ? 2 : 0));
      sd.get('out.bias')!.data.fill(0.5);
      const scaled = new SmallTextEncoder({ ...config, pooledOutput: true }, vocab, sd);
      const again = await scaled.encode(prompts);
      scaled.dispose();
      const last = T - 1;
      row(again.features, 0, last).forEach((x, k) => expect(x).toBeCloseTo(2 * row(out.features, 0, last)[k] + 0.5, 4));
    } finally {
      pooled.dispose();
    }
  });

  it('a pooled-output config without out.weight is refused, naming it', () => {
    expect(() => new SmallTextEncoder({ ...config, pooledOutput: true }, vocab, initialWeights(config, 1))).toThrow(/missing out.weight/);
    expect(() => new SmallTextEncoder({ ...config, pooledOutput: 'yes' as unknown as boolean }, vocab, initialWeights(config, 1))).toThrow(/pooledOutput must be true or false/);
  });
});

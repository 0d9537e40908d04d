// Large batches go through the tokenizers in chunks: same codes and pixels as one call, no tensors
// left behind, and a batch whose one-call distance matrix overran the tfjs-wasm heap (and broke the
// backend until restart: "memory access out of bounds" on every later call) now encodes and decodes.
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../models/backend';
import { readSafetensors } from '../../models/checkpoint/safetensors';
import { generateShapesImages } from '../../models/data/shapes';
import type { ImageBatch } from '../../models/image/types';
import { Rng } from '../../models/rng';
import { loadTokenizer } from '../../models/vq/io';
import { LlamaGenVq } from '../../models/vq/llamagenVq';
import { PatchVq, SHAPES_PATCH_VQ } from '../../models/vq/patchVq';
import { nearestCodes } from '../../models/vq/quantizer';
import type { Tokenizer } from '../../models/vq/tokenizer';
import { VQ_FIXTURE_DIR } from './fixtures';

const BUNDLED_VQ = path.resolve(__dirname, '../../weights/tokenizer/shapes-vq.safetensors');

function noisyImages(n: number, size: number, seed: number): ImageBatch {
  const rng = new Rng(seed);
  const data = new Float32Array(n * size * size * 3).map(() => rng.next());
  return { batch: n, height: size, width: size, channels: 3, data };
}

/** Encodes and decodes with `maxTokensPerChunk` set to `budget`, then puts it back. */
function roundTrip(tok: PatchVq | LlamaGenVq, images: ImageBatch, budget: number) {
  const saved = tok.maxTokensPerChunk;
  tok.maxTokensPerChunk = budget;
  try {
    const codes = tok.encode(images);
    return { codes, pixels: tok.decode(codes) };
  } finally {
    tok.maxTokensPerChunk = saved;
  }
}

/** Same codes; pixels equal (the patch VQ's matmuls), or within `tolerance` (LlamaGen's batched convolutions round differently per batch size). */
function expectSameAsOneCall(tok: PatchVq | LlamaGenVq, images: ImageBatch, budget: number, tolerance = 0): void {
  const before = tf.memory().numTensors;
  const chunked = roundTrip(tok, images, budget);
  expect(tf.memory().numTensors).toBe(before);
  const whole = roundTrip(tok, images, Infinity);
  expect(chunked.codes).toEqual(whole.codes);
  expect([chunked.pixels.batch, chunked.pixels.height, chunked.pixels.width]).toEqual([whole.pixels.batch, whole.pixels.height, whole.pixels.width]);
  if (!tolerance) expect(chunked.pixels.data).toEqual(whole.pixels.data);
  else expect(Math.max(...chunked.pixels.data.map((v, i) => Math.abs(v - whole.pixels.data[i])))).toBeLessThan(tolerance);
}

describe('tokenizers on large batches', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('nearestCodes in row chunks picks the codes of one search over all rows', () => {
    const rng = new Rng(11);
    const z = tf.tensor2d(Array.from({ length: 103 * 8 }, () => rng.normal()), [103, 8]);
    const e = tf.tensor2d(Array.from({ length: 32 * 8 }, () => rng.normal()), [32, 8]);
    const before = tf.memory().numTensors;
    const whole = tf.tidy(() => Array.from(nearestCodes(z, e, Infinity).dataSync()));
    for (const budget of [32 * 10, 32 * 7 + 5, 1]) {
      const chunked = tf.tidy(() => Array.from(nearestCodes(z, e, budget).dataSync()));
      expect(chunked).toEqual(whole);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([z, e]);
  });

  it('patch VQ: chunks of whole images give the codes and pixels of one call', () => {
    const tok = PatchVq.init({ ...SHAPES_PATCH_VQ, codebookSize: 32, encoderHidden: 16, decoderHidden: 16 }, new Rng(4));
    const images = generateShapesImages(11, 2).images; // 64 tokens each
    expectSameAsOneCall(tok, images, 3 * 64); // 4 chunks, the last one of 2 images
    expectSameAsOneCall(tok, images, 10); // fewer tokens than one image: one image per chunk
    tok.dispose();
  });

  it('LlamaGen VQ: goes fewer pictures at a time as they grow, and matches one call', () => {
    const vq = LlamaGenVq.fromStateDict(readSafetensors(path.join(VQ_FIXTURE_DIR, 'model.safetensors')).tensors);
    const images = generateShapesImages(5, 2, { size: 16 }).images; // 8×8 = 64 tokens each (VQ-2)
    // a budget of two pictures' tokens chunks as maxBatch 2 does: the same calls, the same codes
    vq.maxTokensPerChunk = 2 * 64;
    const byTokens = vq.encode(images);
    vq.maxTokensPerChunk = Infinity;
    vq.maxBatch = 2;
    expect(byTokens).toEqual(vq.encode(images));
    vq.maxBatch = 8;
    // against one call: the same codes, and pixels within float rounding
    expectSameAsOneCall(vq, images, 2 * 64, 1e-5);
    vq.dispose();
  });

  it('the bundled tokenizer encodes and decodes 8192 pictures (524,288 tokens, which broke the backend in one call)', () => {
    const tok = loadTokenizer(BUNDLED_VQ) as Tokenizer;
    const images = generateShapesImages(8192, 5, { objects: 1 }).images;
    const before = tf.memory().numTensors;
    const codes = tok.encode(images);
    const pixels = tok.decode(codes);
    expect(tf.memory().numTensors).toBe(before);
    expect([codes.length, pixels.batch, pixels.height, pixels.width]).toEqual([8192, 8192, 32, 32]);
    // the first and last pictures as they come out on their own
    const size = 32 * 32 * 3;
    for (const i of [0, 8191]) {
      const one: ImageBatch = { batch: 1, height: 32, width: 32, channels: 3, data: images.data.slice(i * size, (i + 1) * size) };
      expect(codes[i]).toEqual(tok.encode(one)[0]);
      expect(pixels.data.subarray(i * size, (i + 1) * size)).toEqual(tok.decode([codes[i]]).data);
    }
    // and the backend still works afterwards
    expect(tok.encode(generateShapesImages(2, 1).images)).toHaveLength(2);
    tok.dispose();
  });
});

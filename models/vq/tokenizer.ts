// The one interface every image tokenizer implements (the published LlamaGen VQ and the small
// patch VQ bundled for Shapes), and the conversions between ImageBatch and model tensors.
import * as tf from '@tensorflow/tfjs';
import type { StateDict } from '../checkpoint/safetensors';
import { type ImageBatch, imageBatch } from '../image/types';

/** Code indices, [B][h][w]. */
export type CodeGrid = number[][][];

export type TokenizerKind = 'llamagen-vq' | 'patch-vq';

export interface Tokenizer {
  readonly kind: TokenizerKind;
  /** number of codes (the vocabulary of a NAR model on top) */
  readonly codebookSize: number;
  /** dimension of a code vector */
  readonly codeDim: number;
  /** pixels per token side (16 for VQ-16, 4 for the bundled patch VQ) */
  readonly downsample: number;
  /** token grid for an image size; throws when the size does not divide */
  grid(height: number, width: number): { h: number; w: number };
  /** images in [0, 1] → code indices [B][h][w] */
  encode(images: ImageBatch): CodeGrid;
  /** code indices [B][h][w] → images in [0, 1] */
  decode(codes: CodeGrid): ImageBatch;
  /** tensor form: x [B, H, W, 3] in [−1, 1] → indices [B, h, w] int32 (x is not disposed) */
  encodeTensor(x: tf.Tensor4D): tf.Tensor3D;
  /** tensor form: indices [B, h, w] int32 → images [B, H, W, 3] in ≈ [−1, 1] */
  decodeIndices(indices: tf.Tensor3D): tf.Tensor4D;
  /** weights with the PyTorch key names and layouts */
  stateDict(): StateDict;
  /** what `__metadata__` of a saved file carries (kind, config) */
  metadata(): Record<string, string>;
  dispose(): void;
}

/** Token grid of an image for a tokenizer with downsampling factor f. */
export function gridFor(f: number, height: number, width: number, what: string): { h: number; w: number } {
  if (height % f || width % f || height <= 0 || width <= 0) {
    throw new Error(`${what} needs image sides that are positive multiples of ${f}, got ${width}×${height}`);
  }
  return { h: height / f, w: width / f };
}

/** ImageBatch in [0, 1] → tensor [B, H, W, 3] in [−1, 1]. */
export function imagesToTensor(images: ImageBatch): tf.Tensor4D {
  return tf.tidy(() => tf.sub(tf.mul(tf.tensor4d(images.data, [images.batch, images.height, images.width, 3]), 2), 1));
}

/** Tensor [B, H, W, 3] in [−1, 1] → ImageBatch in [0, 1] (clamped). Does not dispose x. */
export function tensorToImages(x: tf.Tensor4D): ImageBatch {
  const [b, h, w] = x.shape;
  const t = tf.tidy(() => tf.clipByValue(tf.div(tf.add(x, 1), 2), 0, 1));
  const out = imageBatch(b, h, w, t.dataSync() as Float32Array);
  t.dispose();
  return out;
}

/** Images per tfjs call so that one call handles at most `tokenBudget` tokens (at least one image, at most `maxImages`). */
export function imagesPerChunk(tokensPerImage: number, tokenBudget: number, maxImages = Infinity): number {
  return Math.max(1, Math.min(maxImages, Math.floor(tokenBudget / tokensPerImage)));
}

/**
 * Encodes `images` `perChunk` at a time (one tfjs call each, tensors freed before the next), so
 * that a large batch never holds all its activations at once. Same codes as one call.
 */
export function encodeInChunks(images: ImageBatch, perChunk: number, encodeTensor: (x: tf.Tensor4D) => tf.Tensor3D): CodeGrid {
  const out: CodeGrid = [];
  const size = images.height * images.width * 3;
  for (let s = 0; s < images.batch; s += perChunk) {
    const n = Math.min(perChunk, images.batch - s);
    const x = imagesToTensor({ ...images, batch: n, data: images.data.subarray(s * size, (s + n) * size) });
    try {
      const idx = encodeTensor(x); // [n, h, w]
      const [, h, w] = idx.shape;
      const codes = nestCodes(idx.dataSync(), n, h, w);
      idx.dispose();
      for (const c of codes) out.push(c);
    } finally {
      x.dispose();
    }
  }
  return out;
}

/** Decodes code grids `perChunk` at a time into one ImageBatch of `downsample`-times larger pictures. */
export function decodeInChunks(codes: CodeGrid, codebookSize: number, downsample: number, perChunk: number, decodeIndices: (idx: tf.Tensor3D) => tf.Tensor4D): ImageBatch {
  const { data, batch, h, w } = flattenCodes(codes, codebookSize);
  const H = h * downsample, W = w * downsample;
  const all = new Float32Array(batch * H * W * 3);
  for (let s = 0; s < batch; s += perChunk) {
    const n = Math.min(perChunk, batch - s);
    const idx = tf.tensor3d(data.subarray(s * h * w, (s + n) * h * w), [n, h, w], 'int32');
    try {
      const img = decodeIndices(idx); // [n, H, W, 3]
      if (img.shape[1] !== H || img.shape[2] !== W) {
        img.dispose();
        throw new Error(`decoder made [${img.shape}] pictures from [${n}, ${h}, ${w}] codes, expected [${n}, ${H}, ${W}, 3]`);
      }
      all.set(tensorToImages(img).data, s * H * W * 3);
      img.dispose();
    } finally {
      idx.dispose();
    }
  }
  return { batch, height: H, width: W, channels: 3, data: all };
}

/** Checks a code grid's shape and range; returns it flat (raster order) with its sizes. */
export function flattenCodes(codes: CodeGrid, codebookSize: number): { data: Int32Array; batch: number; h: number; w: number } {
  const batch = codes.length;
  const h = batch ? codes[0].length : 0;
  const w = h ? codes[0][0].length : 0;
  if (!batch || !h || !w) throw new Error(`codes must be a non-empty array [B][h][w], got sizes [${batch}][${h}][${w}]`);
  const data = new Int32Array(batch * h * w);
  let i = 0;
  for (let b = 0; b < batch; b++) {
    if (codes[b].length !== h) throw new Error(`codes[${b}] has ${codes[b].length} rows, expected ${h}`);
    for (let y = 0; y < h; y++) {
      const row = codes[b][y];
      if (row.length !== w) throw new Error(`codes[${b}][${y}] has ${row.length} entries, expected ${w}`);
      for (let x = 0; x < w; x++) {
        const c = row[x];
        if (!Number.isInteger(c) || c < 0 || c >= codebookSize) throw new Error(`codes[${b}][${y}][${x}] = ${c} is not a code index in [0, ${codebookSize})`);
        data[i++] = c;
      }
    }
  }
  return { data, batch, h, w };
}

/** Flat indices (raster order) → [B][h][w]. */
export function nestCodes(data: ArrayLike<number>, batch: number, h: number, w: number): CodeGrid {
  const out: CodeGrid = [];
  for (let b = 0; b < batch; b++) {
    const img: number[][] = [];
    for (let y = 0; y < h; y++) img.push(Array.from({ length: w }, (_, x) => data[(b * h + y) * w + x]));
    out.push(img);
  }
  return out;
}

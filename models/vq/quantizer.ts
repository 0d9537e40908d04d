// Vector quantisation shared by the tokenizers: nearest code by squared distance
// (‖z‖² + ‖e‖² − 2 z·e, as LlamaGen computes it), straight-through estimator, and the
// codebook / commitment losses.
import * as tf from '@tensorflow/tfjs';
import { l2Normalize } from './llamagenNet';
import { matMul2d, stopGradient } from './ops';

export interface Quantized {
  /** z + sg(e − z): the code vectors forward, the identity backward. [N, D] */
  zq: tf.Tensor2D;
  /** chosen code per row. [N] int32 */
  indices: tf.Tensor1D;
  /** mean ‖e − sg(z)‖² (moves the codebook) */
  codebookLoss: tf.Scalar;
  /** mean ‖z − sg(e)‖² (unweighted; the caller applies β) */
  commitLoss: tf.Scalar;
}

/**
 * Most entries of the [rows, K] distance matrix that one search step holds (2^24 floats, 64 MiB):
 * one matrix for a whole large batch overruns the tfjs-wasm heap and breaks the backend for good.
 */
export const NEAREST_CODES_BUDGET = 2 ** 24;

/**
 * Index of the nearest codebook row for each row of z. z: [N, D], codebook: [K, D] → [N] int32.
 * Rows are searched in chunks whose distance matrix holds at most `budget` entries; each row's
 * answer does not depend on the chunking.
 */
export function nearestCodes(z: tf.Tensor2D, codebook: tf.Tensor2D, budget = NEAREST_CODES_BUDGET): tf.Tensor1D {
  const [n] = z.shape;
  const k = codebook.shape[0];
  const rows = Math.max(1, Math.floor(budget / k));
  return tf.tidy(() => {
    const ee = tf.sum(tf.square(codebook), 1); // [K]
    const et = tf.transpose(codebook); // [D, K]
    const nearest = (start: number, count: number) =>
      tf.tidy(() => {
        const zc = count === n ? z : tf.slice(z, [start, 0], [count, -1]); // [n, D]
        const zz = tf.sum(tf.square(zc), 1, true); // [n, 1]
        const ze = tf.matMul(zc, et); // [n, K]
        return tf.argMin(tf.sub(tf.add(zz, ee), tf.mul(ze, 2)), 1) as tf.Tensor1D;
      });
    if (n <= rows) return nearest(0, n);
    const parts: tf.Tensor1D[] = [];
    for (let s = 0; s < n; s += rows) parts.push(nearest(s, Math.min(rows, n - s)));
    return tf.concat(parts) as tf.Tensor1D;
  });
}

/**
 * Quantises z [N, D] against `embedding` [K, D] (L2-normalising both when `l2`), differentiably:
 * the lookup is a one-hot matmul so that gradients reach the codebook on every backend.
 * With `quantize` false, zq is the normalised z itself (the losses are still reported).
 */
export function quantizeStraightThrough(z: tf.Tensor2D, embedding: tf.Tensor2D, l2: boolean, quantize = true): Quantized {
  const zn = l2 ? l2Normalize(z) : z;
  const codebook = l2 ? l2Normalize(embedding) : embedding;
  // indices come from detached host copies, so that the search never enters the gradient tape
  const indices = tf.tidy(() => nearestCodes(detachedCopy(zn), detachedCopy(codebook)));
  // int32 one-hot then cast: tfjs-wasm 4.22 returns all zeros for oneHot(..., 'float32')
  const e = matMul2d(tf.cast(tf.oneHot(indices, embedding.shape[0]), 'float32') as tf.Tensor2D, codebook); // [N, D]
  const codebookLoss = tf.mean(tf.square(tf.sub(e, stopGradient(zn)))) as tf.Scalar;
  const commitLoss = tf.mean(tf.square(tf.sub(zn, stopGradient(e)))) as tf.Scalar;
  const zq = quantize ? (tf.add(zn, stopGradient(tf.sub(e, zn))) as tf.Tensor2D) : zn;
  return { zq, indices, codebookLoss, commitLoss };
}

/** Code vectors for indices: rows of the (normalised) codebook. indices [N] → [N, D]. */
export function lookupCodes(embedding: tf.Tensor2D, indices: tf.Tensor1D, l2: boolean): tf.Tensor2D {
  return tf.tidy(() => tf.gather(l2 ? l2Normalize(embedding) : embedding, indices));
}

/** A copy with no link to the gradient tape (values go through the host). */
function detachedCopy(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tensor2d(x.dataSync() as Float32Array, x.shape);
}

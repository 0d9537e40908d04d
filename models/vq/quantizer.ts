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

/** Index of the nearest codebook row for each row of z. z: [N, D], codebook: [K, D] → [N] int32. */
export function nearestCodes(z: tf.Tensor2D, codebook: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const zz = tf.sum(tf.square(z), 1, true); // [N, 1]
    const ee = tf.sum(tf.square(codebook), 1); // [K]
    const ze = tf.matMul(z, tf.transpose(codebook)); // [N, K]
    return tf.argMin(tf.sub(tf.add(zz, ee), tf.mul(ze, 2)), 1) as tf.Tensor1D;
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

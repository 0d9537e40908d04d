// Tensor building blocks with gradients that stay on tfjs-wasm's fast paths: every matmul is a
// plain 2-D (or batched) product without transpose flags, transposes are explicit.
import * as tf from '@tensorflow/tfjs';

import { batchMatMul, matMul2d } from '../../tensor/fastMatMul';

export { batchMatMul, matMul2d };

/** x [N, in] · w [in, out] → [N, out] (weights held transposed). */
export function linear(x: tf.Tensor2D, w: tf.Tensor): tf.Tensor2D {
  return matMul2d(x, w as tf.Tensor2D);
}

/** Rows of `table` [V, D] at `indices`; gradient accumulated with scatterND (wasm has no segment sum). */
const gatherWithGrad = tf.customGrad((t: tf.Tensor | tf.GradSaveFunc, idx: tf.Tensor | tf.GradSaveFunc, save: tf.Tensor | tf.GradSaveFunc) => {
  const T = t as tf.Tensor2D;
  const I = idx as tf.Tensor1D;
  (save as tf.GradSaveFunc)([I]);
  return {
    value: tf.gather(T, I),
    // the indices get a zero gradient (they are data, not parameters)
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.scatterND(tf.expandDims(saved[0], 1), dy, T.shape), tf.zeros(saved[0].shape)],
  };
}) as (t: tf.Tensor2D, idx: tf.Tensor1D) => tf.Tensor2D;

export function gatherRows(table: tf.Tensor2D, indices: tf.Tensor1D): tf.Tensor2D {
  return gatherWithGrad(table, indices);
}

/** RMSNorm over the last axis: x · rsqrt(mean(x²) + eps) · weight. */
export function rmsNorm(x: tf.Tensor, weight: tf.Tensor, eps: number): tf.Tensor {
  const ms = tf.mean(tf.square(x), -1, true);
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(ms, eps))), weight);
}

export function silu(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.sigmoid(x));
}

/** GELU, tanh form: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
export function geluTanh(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}

/** SwiGLU feed-forward: w2(silu(w1 x) ⊙ w3 x), x [N, dim]. */
export function swiglu(x: tf.Tensor2D, w1: tf.Tensor, w3: tf.Tensor, w2: tf.Tensor): tf.Tensor2D {
  const gate = silu(linear(x, w1)) as tf.Tensor2D;
  return linear(tf.mul(gate, linear(x, w3)) as tf.Tensor2D, w2);
}

/**
 * Softmax cross-entropy, mean over rows. logits [N, V], targets [N] int32.
 * Returns a scalar.
 */
export function crossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D, vocab: number): tf.Scalar {
  const logp = tf.logSoftmax(logits);
  const onehot = tf.oneHot(targets, vocab);
  return tf.neg(tf.mean(tf.sum(tf.mul(logp, onehot), -1))) as tf.Scalar;
}

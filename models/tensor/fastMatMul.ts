// Matrix products whose gradients stay on tfjs-wasm's fast path: that backend has a fast kernel
// only for plain (or batched) products without transpose flags, and the built-in matMul gradient
// uses the flags. Every trainable model in models/ multiplies through these.
import * as tf from '@tensorflow/tfjs';

/** a [M, K] × b [K, N] with a custom gradient: dA = dY·bᵀ, dB = aᵀ·dY (explicit transposes). */
export const matMul2d = tf.customGrad((a: tf.Tensor | tf.GradSaveFunc, b: tf.Tensor | tf.GradSaveFunc, save: tf.Tensor | tf.GradSaveFunc) => {
  const A = a as tf.Tensor2D;
  const B = b as tf.Tensor2D;
  (save as tf.GradSaveFunc)([A, B]);
  return {
    value: tf.matMul(A, B),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
      tf.matMul(dy as tf.Tensor2D, tf.transpose(saved[1] as tf.Tensor2D)),
      tf.matMul(tf.transpose(saved[0] as tf.Tensor2D), dy as tf.Tensor2D),
    ],
  };
}) as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;

/**
 * Batched a [n, M, K] × b [n, K, N] with the same explicit-transpose gradient. One batched kernel
 * instead of n sliced 2-D products: slicing on tfjs-wasm copies the whole input per slice.
 */
export const batchMatMul = tf.customGrad((a: tf.Tensor | tf.GradSaveFunc, b: tf.Tensor | tf.GradSaveFunc, save: tf.Tensor | tf.GradSaveFunc) => {
  const A = a as tf.Tensor3D;
  const B = b as tf.Tensor3D;
  (save as tf.GradSaveFunc)([A, B]);
  return {
    value: tf.matMul(A, B),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
      tf.matMul(dy as tf.Tensor3D, tf.transpose(saved[1], [0, 2, 1]) as tf.Tensor3D),
      tf.matMul(tf.transpose(saved[0], [0, 2, 1]) as tf.Tensor3D, dy as tf.Tensor3D),
    ],
  };
}) as (a: tf.Tensor3D, b: tf.Tensor3D) => tf.Tensor3D;

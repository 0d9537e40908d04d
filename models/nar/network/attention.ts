// Scaled dot-product attention in the two forms the model needs.
//  - sequenceAttention: a whole sequence with an additive mask (training); batched 3-D matmuls over
//    (batch row, head) with explicit-transpose gradients (no per-head slicing: slices copy on wasm).
//  - cachedAttention: new queries against cached keys/values (sampling); batched 3-D matmuls.
import * as tf from '@tensorflow/tfjs';
import { batchMatMul } from './ops';

/** Value added to hidden scores (exp underflows to exactly 0). */
export const MASKED = -1e9;

/** Host mask (1 = attend) → additive bias values (0 / MASKED). */
export function maskToBias(mask: Uint8Array): Float32Array {
  const out = new Float32Array(mask.length);
  for (let i = 0; i < mask.length; i++) out[i] = mask[i] ? 0 : MASKED;
  return out;
}

/** GQA: repeat each of nKv heads `rep` times along axis 1 of [B, nKv, ...]. */
function repeatKv(t: tf.Tensor, rep: number): tf.Tensor {
  if (rep === 1) return t;
  const [B, nKv, ...rest] = t.shape;
  const tiled = tf.tile(tf.reshape(t, [B, nKv, 1, ...rest]), [1, 1, rep, ...rest.map(() => 1)]);
  return tf.reshape(tiled, [B, nKv * rep, ...rest]);
}

/**
 * q [B, S, nH, hd], k/v [B, S, nKv, hd], bias [B, S, S] additive → [B·S, nH·hd].
 * Batched 3-D products over (batch row, head) with explicit-transpose gradients (batchMatMul).
 */
export function sequenceAttention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, bias: tf.Tensor3D): tf.Tensor2D {
  const [B, S, nH, hd] = q.shape;
  const rep = nH / k.shape[2];
  const scale = 1 / Math.sqrt(hd);
  const q3 = tf.reshape(tf.transpose(q, [0, 2, 1, 3]), [B * nH, S, hd]) as tf.Tensor3D;
  const kT3 = tf.reshape(repeatKv(tf.transpose(k, [0, 2, 3, 1]), rep), [B * nH, hd, S]) as tf.Tensor3D;
  const v3 = tf.reshape(repeatKv(tf.transpose(v, [0, 2, 1, 3]), rep), [B * nH, S, hd]) as tf.Tensor3D;
  const scores = tf.add(tf.reshape(tf.mul(batchMatMul(q3, kT3), scale), [B, nH, S, S]), tf.expandDims(bias, 1)); // [B, nH, S, S]
  const probs = tf.reshape(tf.softmax(scores), [B * nH, S, S]) as tf.Tensor3D;
  const o = tf.reshape(batchMatMul(probs, v3), [B, nH, S, hd]);
  return tf.reshape(tf.transpose(o, [0, 2, 1, 3]), [B * S, nH * hd]);
}

/**
 * q [B, S, nH, hd] against cached kT [B·nKv, hd, L] and v [B·nKv, L, hd];
 * bias broadcastable to [B, 1|nH, S, L] or null → [B·S, nH·hd].
 */
export function cachedAttention(q: tf.Tensor4D, kT: tf.Tensor3D, v: tf.Tensor3D, nKv: number, bias: tf.Tensor | null): tf.Tensor2D {
  const [B, S, nH, hd] = q.shape;
  const L = kT.shape[2];
  const rep = nH / nKv;
  const q3 = tf.reshape(tf.transpose(q, [0, 2, 1, 3]), [B * nH, S, hd]);
  const k3 = rep === 1 ? kT : tf.reshape(repeatKv(tf.reshape(kT, [B, nKv, hd, L]), rep), [B * nH, hd, L]);
  const v3 = rep === 1 ? v : tf.reshape(repeatKv(tf.reshape(v, [B, nKv, L, hd]), rep), [B * nH, L, hd]);
  let scores: tf.Tensor = tf.mul(tf.matMul(q3, k3 as tf.Tensor3D), 1 / Math.sqrt(hd)); // [B·nH, S, L]
  if (bias) scores = tf.reshape(tf.add(tf.reshape(scores, [B, nH, S, L]), bias), [B * nH, S, L]);
  const o = tf.matMul(tf.softmax(scores) as tf.Tensor3D, v3 as tf.Tensor3D); // [B·nH, S, hd]
  return tf.reshape(tf.transpose(tf.reshape(o, [B, nH, S, hd]), [0, 2, 1, 3]), [B * S, nH * hd]);
}

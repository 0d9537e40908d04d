// Scaled dot-product attention in the two forms the model needs.
//  - sequenceAttention: a whole sequence with an additive mask (training); one plain 2-D matmul per
//    (batch row, head), which is what tfjs-wasm runs fastest and differentiates cheaply.
//  - cachedAttention: new queries against cached keys/values (sampling); batched 3-D matmuls.
import * as tf from '@tensorflow/tfjs';
import { matMul2d } from './ops';

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
 */
export function sequenceAttention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, bias: tf.Tensor3D): tf.Tensor2D {
  const [B, S, nH, hd] = q.shape;
  const rep = nH / k.shape[2];
  const scale = 1 / Math.sqrt(hd);
  const qs = tf.unstack(tf.reshape(tf.transpose(q, [0, 2, 1, 3]), [B * nH, S, hd])); // [S, hd] each
  const kTs = tf.unstack(tf.reshape(repeatKv(tf.transpose(k, [0, 2, 3, 1]), rep), [B * nH, hd, S])); // [hd, S]
  const vs = tf.unstack(tf.reshape(repeatKv(tf.transpose(v, [0, 2, 1, 3]), rep), [B * nH, S, hd])); // [S, hd]
  const biases = tf.unstack(bias); // [S, S] per batch row
  const outs: tf.Tensor2D[] = [];
  for (let i = 0; i < B * nH; i++) {
    const b = Math.floor(i / nH);
    const scores = tf.add(tf.mul(matMul2d(qs[i] as tf.Tensor2D, kTs[i] as tf.Tensor2D), scale), biases[b]);
    outs.push(matMul2d(tf.softmax(scores) as tf.Tensor2D, vs[i] as tf.Tensor2D));
  }
  const o = tf.reshape(tf.stack(outs), [B, nH, S, hd]);
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

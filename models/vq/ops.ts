// Tensor building blocks of the LlamaGen VQ model, NHWC. Convolutions come in two forms:
// 'native' (tf.conv2d, fastest for inference) and 'im2col' (shifted slices + one 2-D matmul),
// which differentiates on every backend — tfjs-wasm has no Conv2DBackpropFilter kernel.
import * as tf from '@tensorflow/tfjs';
import { matMul2d } from '../tensor/fastMatMul';

export type ConvMode = 'native' | 'im2col';

/** 3×3 (or k×k) shifted views of a padded input, concatenated on channels: [B, Ho, Wo, k·k·C]. */
function patches(xp: tf.Tensor4D, k: number, ho: number, wo: number, stride: 1 | 2): tf.Tensor4D {
  const [b, , , c] = xp.shape;
  const views: tf.Tensor4D[] = [];
  for (let dy = 0; dy < k; dy++) {
    for (let dx = 0; dx < k; dx++) {
      if (stride === 1) views.push(tf.slice(xp, [0, dy, dx, 0], [b, ho, wo, c]));
      else {
        // stride 2 without stridedSlice (no gradient on wasm): take a 2ho×2wo window, keep the even rows/cols
        const win = tf.slice(xp, [0, dy, dx, 0], [b, 2 * ho, 2 * wo, c]);
        views.push(tf.slice(tf.reshape(win, [b, ho, 2, wo, 2, c]), [0, 0, 0, 0, 0, 0], [b, ho, 1, wo, 1, c]).reshape([b, ho, wo, c]));
      }
    }
  }
  return views.length === 1 ? views[0] : tf.concat(views, 3);
}

/** Convolution as patches × matrix. w: [k, k, Cin, Cout] (tfjs layout). xp is already padded. */
function im2colConv(xp: tf.Tensor4D, w: tf.Tensor4D, ho: number, wo: number, stride: 1 | 2): tf.Tensor4D {
  const [k, , cin, cout] = w.shape;
  const b = xp.shape[0];
  const cols = patches(xp, k, ho, wo, stride).reshape([b * ho * wo, k * k * cin]) as tf.Tensor2D;
  return matMul2d(cols, tf.reshape(w, [k * k * cin, cout])).reshape([b, ho, wo, cout]);
}

/** Stride-1 convolution with 'same' zero padding (k odd). x: [B, H, W, Cin] → [B, H, W, Cout]. */
export function conv2d(x: tf.Tensor4D, w: tf.Tensor4D, bias: tf.Tensor1D, mode: ConvMode): tf.Tensor4D {
  const k = w.shape[0];
  if (x.shape[3] !== w.shape[2]) throw new Error(`conv2d: input has ${x.shape[3]} channels, weight expects ${w.shape[2]} (weight [${w.shape}])`);
  if (k === 1) {
    const [b, h, wd, c] = x.shape;
    return tf.add(matMul2d(tf.reshape(x, [b * h * wd, c]), tf.reshape(w, [c, w.shape[3]])).reshape([b, h, wd, w.shape[3]]), bias);
  }
  if (mode === 'native') return tf.add(tf.conv2d(x, w, 1, 'same'), bias);
  const p = (k - 1) / 2;
  const xp = tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]]);
  return tf.add(im2colConv(xp, w, x.shape[1], x.shape[2], 1), bias);
}

/** LlamaGen Downsample: zero-pad one row/column at the bottom/right, 3×3 conv, stride 2. */
export function downsample(x: tf.Tensor4D, w: tf.Tensor4D, bias: tf.Tensor1D, mode: ConvMode): tf.Tensor4D {
  const [, h, wd] = x.shape;
  const ho = Math.floor((h + 1 - 3) / 2) + 1;
  const wo = Math.floor((wd + 1 - 3) / 2) + 1;
  if (mode === 'native') return tf.add(tf.conv2d(tf.pad(x, [[0, 0], [0, 1], [0, 1], [0, 0]]), w, 2, 'valid'), bias);
  // pad enough that every 2ho×2wo window fits; the extra zeros fall on discarded odd positions
  const xp = tf.pad(x, [[0, 0], [0, 2 * ho + 1 - h], [0, 2 * wo + 1 - wd], [0, 0]]);
  return tf.add(im2colConv(xp, w, ho, wo, 2), bias);
}

/** Nearest-neighbour ×2 upsampling, by broadcasting (differentiable everywhere). */
export function upsampleNearest2x(x: tf.Tensor4D): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  return tf.mul(tf.reshape(x, [b, h, 1, w, 1, c]), tf.ones([1, 1, 2, 1, 2, 1])).reshape([b, 2 * h, 2 * w, c]);
}

/** GroupNorm over (H, W, C/groups) per group, then per-channel affine. */
export function groupNorm(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, groups: number, eps: number): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  if (c % groups !== 0) throw new Error(`GroupNorm(${groups}) needs channels divisible by ${groups}, got ${c}`);
  const g = tf.reshape(x, [b, h, w, groups, c / groups]);
  const { mean, variance } = tf.moments(g, [1, 2, 4], true);
  const normed = tf.mul(tf.sub(g, mean), tf.rsqrt(tf.add(variance, eps))).reshape([b, h, w, c]);
  return tf.add(tf.mul(normed, gamma), beta);
}

/** swish / SiLU: x·sigmoid(x) */
export function swish<T extends tf.Tensor>(x: T): T {
  return tf.mul(x, tf.sigmoid(x));
}

/** Single-head spatial self-attention over H·W positions with 1×1 q/k/v/proj convolutions. */
export function spatialAttention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D): tf.Tensor4D {
  const [b, hh, ww, c] = q.shape;
  const n = hh * ww;
  const qf = tf.reshape(q, [b, n, c]);
  const kf = tf.reshape(k, [b, n, c]);
  const vf = tf.reshape(v, [b, n, c]);
  const att = tf.softmax(tf.mul(tf.matMul(qf, kf, false, true), 1 / Math.sqrt(c))); // [B, N, N]
  return tf.matMul(att, vf).reshape([b, hh, ww, c]);
}

/** PyTorch conv weight [Cout, Cin, kh, kw] → tfjs [kh, kw, Cin, Cout]. */
export function torchConvToTf(data: Float32Array, shape: number[]): tf.Tensor4D {
  return tf.tidy(() => tf.transpose(tf.tensor4d(data, shape as [number, number, number, number]), [2, 3, 1, 0]));
}

/** tfjs [kh, kw, Cin, Cout] → PyTorch [Cout, Cin, kh, kw] as host data. */
export function tfConvToTorch(w: tf.Tensor): { shape: number[]; data: Float32Array } {
  const t = tf.tidy(() => tf.transpose(w, [3, 2, 0, 1]));
  const out = { shape: [...t.shape], data: t.dataSync() as Float32Array };
  t.dispose();
  return out;
}

/** Identity forward, zero gradient backward (torch's .detach()). */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  const f = tf.customGrad((...inputs) => ({ value: tf.clone(inputs[0] as tf.Tensor), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) }));
  return f(x) as T;
}

export { matMul2d };

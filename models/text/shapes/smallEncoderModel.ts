// The small Shapes text encoder: a pre-norm transformer encoder.
//   x = embed[ids] + sinusoid(position)                       [B, S, D]
//   per layer: x += Attn(LN(x)) (pads masked as keys);  x += W2·gelu(W1·LN(x))
//   features = LN_final(x)                                    [B, S, D]  (captionDim = D)
// With `pooledOutput`, every real position gets the same vector instead: the masked mean of those
// features, times out.weight plus out.bias (a whitening, see whitening.ts). NAR reads a caption as
// an average over its positions (their RoPE q and k are zero), so that is all it can use anyway;
// the whitening gives colour, shape and position about equal variance where the object's cell had
// five times colour's (an experiment, not the bundled encoder: docs/comparison.md).
// Rows are right-padded here (position t = t-th real token); the TextEncoder moves them to NAR's
// left-padded layout. Linear weights are stored [in, out] so every projection is a plain 2-D
// matmul (tfjs-wasm's fast path). Biases only in the LayerNorms.
import * as tf from '@tensorflow/tfjs';
import { matMul2d } from '../../tensor/fastMatMul';
import { Rng } from '../../rng';
import type { StateDict } from '../../checkpoint/safetensors';

export interface SmallEncoderConfig {
  vocabSize: number;
  dim: number;
  layers: number;
  heads: number;
  ffnDim: number;
  /** every position carries the caption's whitened pooled features (out.weight, out.bias) */
  pooledOutput?: boolean;
}

export type EncoderParams = Map<string, tf.Tensor>;

const LN_EPS = 1e-5;

export function checkConfig(c: SmallEncoderConfig): void {
  for (const k of ['vocabSize', 'dim', 'layers', 'heads', 'ffnDim'] as const) {
    if (!Number.isInteger(c[k]) || c[k] <= 0) throw new Error(`small text encoder config: ${k} must be a positive integer, got ${c[k]}`);
  }
  if (c.dim % c.heads !== 0) throw new Error(`small text encoder config: dim ${c.dim} is not divisible by heads ${c.heads}`);
  if (c.pooledOutput !== undefined && typeof c.pooledOutput !== 'boolean') throw new Error(`small text encoder config: pooledOutput must be true or false, got ${JSON.stringify(c.pooledOutput)}`);
}

/** Parameter names and shapes of a config, in a fixed order. */
export function parameterShapes(c: SmallEncoderConfig): [string, number[]][] {
  const out: [string, number[]][] = [['embed.weight', [c.vocabSize, c.dim]]];
  for (let l = 0; l < c.layers; l++) {
    const p = `layers.${l}`;
    out.push(
      [`${p}.attn_norm.weight`, [c.dim]], [`${p}.attn_norm.bias`, [c.dim]],
      [`${p}.attn.wqkv`, [c.dim, 3 * c.dim]], [`${p}.attn.wo`, [c.dim, c.dim]],
      [`${p}.ffn_norm.weight`, [c.dim]], [`${p}.ffn_norm.bias`, [c.dim]],
      [`${p}.ffn.w1`, [c.dim, c.ffnDim]], [`${p}.ffn.w2`, [c.ffnDim, c.dim]],
    );
  }
  out.push(['norm.weight', [c.dim]], ['norm.bias', [c.dim]]);
  if (c.pooledOutput) out.push(['out.weight', [c.dim, c.dim]], ['out.bias', [c.dim]]);
  return out;
}

/** Seeded initial weights as host tensors: N(0, 1/fan_in) for matrices, unit LayerNorms. */
export function initialWeights(c: SmallEncoderConfig, seed: number): StateDict {
  checkConfig(c);
  const rng = new Rng(seed);
  const sd: StateDict = new Map();
  for (const [name, shape] of parameterShapes(c)) {
    const n = shape.reduce((a, b) => a * b, 1);
    let data: Float32Array;
    if (name.endsWith('norm.weight')) data = new Float32Array(n).fill(1);
    else if (name === 'out.weight') data = Float32Array.from({ length: n }, (_, i) => (i % (c.dim + 1) === 0 ? 1 : 0)); // identity until whitened
    else if (name.endsWith('.bias')) data = new Float32Array(n);
    else {
      const std = name === 'embed.weight' ? 1 : 1 / Math.sqrt(shape[0]);
      data = Float32Array.from({ length: n }, () => rng.normal() * std);
    }
    sd.set(name, { shape, data });
  }
  return sd;
}

/** Checks that a state dict holds exactly the config's parameters with the right shapes. */
export function checkWeights(c: SmallEncoderConfig, sd: StateDict, source: string): void {
  const problems: string[] = [];
  for (const [name, shape] of parameterShapes(c)) {
    const t = sd.get(name);
    if (!t) problems.push(`missing ${name}`);
    else if (t.shape.join(',') !== shape.join(',')) problems.push(`${name}: expected [${shape}], got [${t.shape}]`);
  }
  if (problems.length) throw new Error(`${source}: weights do not fit the small text encoder config: ${problems.join('; ')}`);
}

/** Sinusoidal position table [S, D] (sin on even, cos on odd channels). */
export function sinusoidTable(seqLen: number, dim: number): Float32Array {
  const out = new Float32Array(seqLen * dim);
  for (let t = 0; t < seqLen; t++) {
    for (let i = 0; i < dim; i += 2) {
      const angle = t / Math.pow(10000, i / dim);
      out[t * dim + i] = Math.sin(angle);
      if (i + 1 < dim) out[t * dim + i + 1] = Math.cos(angle);
    }
  }
  return out;
}

function layerNorm(x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, LN_EPS))), w), b) as tf.Tensor2D;
}


function gelu(x: tf.Tensor): tf.Tensor {
  // tanh form: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
  const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI));
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}

/**
 * Forward pass. `ids` [B, S] right-padded, `lengths[b]` real tokens in row b.
 * Returns features [B, S, D] (pad rows are whatever the net gives; callers mask them).
 * Call inside tf.tidy (or a gradient function).
 */
export function encoderForward(c: SmallEncoderConfig, p: EncoderParams, ids: Int32Array, lengths: number[]): tf.Tensor3D {
  const B = lengths.length;
  const S = ids.length / B;
  if (!Number.isInteger(S) || S < 1) throw new Error(`encoderForward: ${ids.length} ids do not split into ${B} rows`);
  const D = c.dim;
  const H = c.heads;
  const hd = D / H;
  const get = (name: string): tf.Tensor => {
    const t = p.get(name);
    if (!t) throw new Error(`encoderForward: parameter ${name} missing`);
    return t;
  };
  const keyBias = new Float32Array(B * S);
  lengths.forEach((n, b) => keyBias.fill(-1e9, b * S + n, (b + 1) * S));
  const bias = tf.tensor4d(keyBias, [B, 1, 1, S]);
  const pos = tf.tensor2d(sinusoidTable(S, D), [S, D]);
  // Embedding lookup as one-hot · table: a plain 2-D matmul, and differentiable on tfjs-wasm
  // (gather's gradient needs UnsortedSegmentSum, which wasm lacks). The vocabulary is tiny.
  const oneHot = new Float32Array(B * S * c.vocabSize);
  ids.forEach((id, i) => {
    if (id < 0 || id >= c.vocabSize) throw new Error(`encoderForward: token id ${id} outside the vocabulary of ${c.vocabSize}`);
    oneHot[i * c.vocabSize + id] = 1;
  });
  const emb = matMul2d(tf.tensor2d(oneHot, [B * S, c.vocabSize]), get('embed.weight') as tf.Tensor2D); // [B·S, D]
  let x = tf.reshape(tf.add(tf.reshape(emb, [B, S, D]), pos), [B * S, D]) as tf.Tensor2D;
  for (let l = 0; l < c.layers; l++) {
    const pre = `layers.${l}`;
    const h = layerNorm(x, get(`${pre}.attn_norm.weight`), get(`${pre}.attn_norm.bias`));
    const qkv = matMul2d(h, get(`${pre}.attn.wqkv`) as tf.Tensor2D); // [B·S, 3D]
    // Attention by broadcasting (S is a caption's length, small): batched matmuls are slow on wasm.
    const part = (i: number): tf.Tensor => tf.reshape(tf.slice(qkv, [0, i * D], [B * S, D]), [B, S, H, hd]);
    const q = tf.reshape(part(0), [B, S, H, 1, hd]);
    const k = tf.reshape(tf.transpose(part(1), [0, 2, 1, 3]), [B, 1, H, S, hd]);
    const scores = tf.add(tf.mul(tf.sum(tf.mul(q, k), -1), 1 / Math.sqrt(hd)), bias); // [B, Sq, H, Sk]
    const probs = tf.reshape(tf.softmax(scores), [B, S, H, S, 1]);
    const v = tf.reshape(tf.transpose(part(2), [0, 2, 1, 3]), [B, 1, H, S, hd]);
    const merged = tf.reshape(tf.sum(tf.mul(probs, v), 3), [B * S, D]) as tf.Tensor2D; // [B, Sq, H, hd]
    x = tf.add(x, matMul2d(merged, get(`${pre}.attn.wo`) as tf.Tensor2D));
    const f = layerNorm(x, get(`${pre}.ffn_norm.weight`), get(`${pre}.ffn_norm.bias`));
    const ff = matMul2d(gelu(matMul2d(f, get(`${pre}.ffn.w1`) as tf.Tensor2D)) as tf.Tensor2D, get(`${pre}.ffn.w2`) as tf.Tensor2D);
    x = tf.add(x, ff);
  }
  const feats = tf.reshape(layerNorm(x, get('norm.weight'), get('norm.bias')), [B, S, D]) as tf.Tensor3D;
  if (!c.pooledOutput) return feats;
  // the masked mean of each row, whitened, at every position
  const m = new Float32Array(B * S);
  lengths.forEach((n, b) => m.fill(1 / n, b * S, b * S + n));
  const mean = tf.sum(tf.mul(feats, tf.tensor3d(m, [B, S, 1])), 1) as tf.Tensor2D; // [B, D]
  const out = tf.add(matMul2d(mean, get('out.weight') as tf.Tensor2D), get('out.bias')) as tf.Tensor2D;
  return tf.tile(tf.reshape(out, [B, 1, D]), [1, S, 1]) as tf.Tensor3D;
}

/** Right-padded id matrix [B, S] (S = longest row) and the row lengths. */
export function padIds(rows: number[][], padId: number): { ids: Int32Array; lengths: number[]; seqLen: number } {
  const seqLen = Math.max(1, ...rows.map((r) => r.length));
  const ids = new Int32Array(rows.length * seqLen).fill(padId);
  rows.forEach((r, b) => ids.set(r, b * seqLen));
  return { ids, lengths: rows.map((r) => r.length), seqLen };
}

// The LlamaGen-style transformer of NAR: embeddings, blocks, and dimension-oriented heads.
// Pure tensor functions over (params, config); callers own tidy/dispose.
//   block: h = x + Attn(RMSNorm(x)); out = h + SwiGLU(RMSNorm(h))
//   heads: head i reads the hidden state after config.heads[i].depth blocks → its norm → its output.
import * as tf from '@tensorflow/tfjs';
import type { NarConfig } from '../config';
import { cachedAttention, sequenceAttention } from './attention';
import type { KVCache } from './kvCache';
import { gatherRows, geluTanh, linear, rmsNorm, swiglu } from './ops';
import { rotateHalfMatrix, type RopeTable } from './rope';
import type { NarParams } from './weights';

/** Host-side condition for B rows (already including any null rows for guidance). */
export type ConditionInput =
  | { kind: 'class'; classIds: Int32Array; nullRows?: Uint8Array }
  | { kind: 'text'; features: Float32Array; nullRows?: Uint8Array };

/** How attention is run for one forward: whole-sequence with a mask, or against a KV cache. */
export type AttentionMode =
  | { kind: 'sequence'; bias: tf.Tensor3D /* [B, S, S] */ }
  | { kind: 'cached'; cache: KVCache; bias: tf.Tensor | null /* broadcastable to [B, nH, S, L] */ };

/** Positions for one forward: RoPE tables ([S, hd] host) or rows of abs_pe. */
export interface PositionInput {
  rope: RopeTable | null;
  /** sequence positions (condition first) indexing abs_pe; used when config.positions = 'abs' */
  absRows: Int32Array | null;
}

function p(params: NarParams, key: string): tf.Variable {
  const v = params.get(key);
  if (!v) throw new Error(`NAR parameter '${key}' is missing`);
  return v;
}

/** Condition embeddings [B, clsTokenNum, dim]. Null rows use the null class / null caption. */
export function embedCondition(params: NarParams, c: NarConfig, cond: ConditionInput, B: number): tf.Tensor3D {
  if (cond.kind !== c.condition.kind) throw new Error(`condition kind '${cond.kind}' given to a '${c.condition.kind}'-conditioned model`);
  if (cond.kind === 'class' && c.condition.kind === 'class') {
    if (cond.classIds.length !== B) throw new Error(`expected ${B} class ids, got ${cond.classIds.length}`);
    const n = c.condition.numClasses;
    const ids = Int32Array.from(cond.classIds, (id, b) => {
      if (cond.nullRows?.[b]) return n;
      if (!Number.isInteger(id) || id < 0 || id >= n) throw new Error(`class id ${id} (row ${b}) outside 0..${n - 1}`);
      return id;
    });
    const e = gatherRows(p(params, 'cls_embedding.embedding_table.weight') as tf.Tensor2D, tf.tensor1d(ids, 'int32'));
    return tf.reshape(e, [B, 1, c.dim]);
  }
  if (cond.kind === 'text' && c.condition.kind === 'text') {
    const { tokens, captionDim } = c.condition;
    if (cond.features.length !== B * tokens * captionDim) {
      throw new Error(`expected caption features [${B}, ${tokens}, ${captionDim}] (${B * tokens * captionDim} values), got ${cond.features.length} values`);
    }
    let feats: tf.Tensor = tf.tensor3d(cond.features, [B, tokens, captionDim]);
    if (cond.nullRows?.some((x) => x)) {
      const m = tf.tensor3d(Float32Array.from(cond.nullRows, (x) => (x ? 1 : 0)), [B, 1, 1]);
      feats = tf.add(tf.mul(feats, tf.sub(1, m)), tf.mul(p(params, 'cls_embedding.uncond_embedding'), m));
    }
    const x = tf.reshape(feats, [B * tokens, captionDim]) as tf.Tensor2D;
    const h = geluTanh(linear(x, p(params, 'cls_embedding.cap_proj.fc1.weight'))) as tf.Tensor2D;
    const e = tf.reshape(linear(h, p(params, 'cls_embedding.cap_proj.fc2.weight')), [B, tokens, c.dim]);
    // the last clsTokenNum caption positions: captions are left-padded, so these hold the words
    // (published text models use all of them: clsTokenNum = tokens = 120)
    return tf.slice(e, [0, tokens - c.clsTokenNum, 0], [B, c.clsTokenNum, c.dim]) as tf.Tensor3D;
  }
  throw new Error('unreachable condition kind');
}

/** Token embeddings [B, S, dim] for tokens [B·S]. */
export function embedTokens(params: NarParams, c: NarConfig, tokens: Int32Array, B: number, S: number): tf.Tensor3D {
  for (const t of tokens) if (!(t >= 0 && t < c.vocabSize)) throw new Error(`token ${t} outside vocabulary 0..${c.vocabSize - 1}`);
  return tf.reshape(gatherRows(p(params, 'tok_embeddings.weight') as tf.Tensor2D, tf.tensor1d(tokens, 'int32')), [B, S, c.dim]);
}

/** Adds abs_pe rows (positions 'abs') to x [B, S, dim]. */
export function addAbsolutePositions(params: NarParams, c: NarConfig, x: tf.Tensor3D, pos: PositionInput): tf.Tensor3D {
  if (c.positions !== 'abs') return x;
  if (!pos.absRows) throw new Error('abs positions need absRows');
  const table = tf.reshape(p(params, 'abs_pe'), [c.maxSeqLen + c.clsTokenNum, c.dim]) as tf.Tensor2D;
  return tf.add(x, tf.expandDims(gatherRows(table, tf.tensor1d(pos.absRows, 'int32')), 0));
}

function applyRope(x: tf.Tensor2D, nHeads: number, B: number, S: number, hd: number, cos: tf.Tensor, sin: tf.Tensor, rot: tf.Tensor2D): tf.Tensor4D {
  const flat = tf.reshape(x, [B * S * nHeads, hd]) as tf.Tensor2D;
  const rotated = tf.reshape(linear(flat, rot), [B, S, nHeads, hd]);
  return tf.add(tf.mul(tf.reshape(x, [B, S, nHeads, hd]), cos), tf.mul(rotated, sin)) as tf.Tensor4D;
}

interface BlockContext {
  B: number;
  S: number;
  attention: AttentionMode;
  rope: { cos: tf.Tensor; sin: tf.Tensor; rot: tf.Tensor2D } | null;
}

function block(params: NarParams, c: NarConfig, i: number, x: tf.Tensor2D, ctx: BlockContext): tf.Tensor2D {
  const pre = `layers.${i}.`;
  const { B, S } = ctx;
  const hd = c.headDim;
  const qkv = linear(rmsNorm(x, p(params, pre + 'attention_norm.weight'), c.normEps) as tf.Tensor2D, p(params, pre + 'attention.wqkv.weight'));
  const kvSize = c.nKvHead * hd;
  const [xq, xk, xv] = tf.split(qkv, [c.dim, kvSize, kvSize], 1) as tf.Tensor2D[];
  let q: tf.Tensor4D;
  let k: tf.Tensor4D;
  if (ctx.rope) {
    q = applyRope(xq, c.nHead, B, S, hd, ctx.rope.cos, ctx.rope.sin, ctx.rope.rot);
    k = applyRope(xk, c.nKvHead, B, S, hd, ctx.rope.cos, ctx.rope.sin, ctx.rope.rot);
  } else {
    q = tf.reshape(xq, [B, S, c.nHead, hd]);
    k = tf.reshape(xk, [B, S, c.nKvHead, hd]);
  }
  const v = tf.reshape(xv, [B, S, c.nKvHead, hd]) as tf.Tensor4D;
  let attn: tf.Tensor2D;
  if (ctx.attention.kind === 'sequence') attn = sequenceAttention(q, k, v, ctx.attention.bias);
  else {
    const cached = ctx.attention.cache.append(i, k, v);
    attn = cachedAttention(q, cached.kT, cached.v, c.nKvHead, ctx.attention.bias);
  }
  const h = tf.add(x, linear(attn, p(params, pre + 'attention.wo.weight'))) as tf.Tensor2D;
  const ffnIn = rmsNorm(h, p(params, pre + 'ffn_norm.weight'), c.normEps) as tf.Tensor2D;
  return tf.add(h, swiglu(ffnIn, p(params, pre + 'feed_forward.w1.weight'), p(params, pre + 'feed_forward.w3.weight'), p(params, pre + 'feed_forward.w2.weight'))) as tf.Tensor2D;
}

/**
 * Runs every block over x [B, S, dim] (embeddings with positions added); returns the hidden state
 * [B·S, dim] after each depth some head reads, keyed by depth.
 */
export function runBlocks(params: NarParams, c: NarConfig, x: tf.Tensor3D, pos: PositionInput, attention: AttentionMode): Map<number, tf.Tensor2D> {
  const [B, S] = x.shape;
  let rope: BlockContext['rope'] = null;
  if (c.positions === 'rope') {
    if (!pos.rope || pos.rope.rows !== S) throw new Error(`RoPE table has ${pos.rope?.rows} rows, sequence has ${S}`);
    const hd = c.headDim;
    rope = {
      cos: tf.tensor4d(pos.rope.cos, [1, S, 1, hd]),
      sin: tf.tensor4d(pos.rope.sin, [1, S, 1, hd]),
      rot: tf.tensor2d(rotateHalfMatrix(hd), [hd, hd]),
    };
  }
  const depths = new Set(c.heads.map((h) => h.depth));
  const out = new Map<number, tf.Tensor2D>();
  let h = tf.reshape(x, [B * S, c.dim]) as tf.Tensor2D;
  for (let i = 0; i < c.totalBlocks; i++) {
    h = block(params, c, i, h, { B, S, attention, rope });
    if (depths.has(i + 1)) out.set(i + 1, h);
  }
  return out;
}

/** Logits of head `index` for hidden rows [R, dim] → [R, V]. */
export function headLogits(params: NarParams, c: NarConfig, index: number, hidden: tf.Tensor2D): tf.Tensor2D {
  const head = c.heads[index];
  return linear(rmsNorm(hidden, p(params, head.normKey), c.normEps) as tf.Tensor2D, p(params, head.outputKey));
}

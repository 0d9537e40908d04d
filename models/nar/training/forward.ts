// Training forward: condition + every grid token under the ordering's proximity mask, head outputs
// at the last condition position and every grid position, merged per target (mean over parents),
// one cross-entropy over all grid tokens.
import * as tf from '@tensorflow/tfjs';
import type { NarConfig } from '../config';
import { maskToBias } from '../network/attention';
import { ropeTable } from '../network/rope';
import { addAbsolutePositions, embedCondition, embedTokens, headLogits, runBlocks, type ConditionInput } from '../network/transformer';
import type { NarParams } from '../network/weights';
import { CONDITION, proximityMask, unflatten, withConditionPadding, type TokenOrdering } from '../ordering';
import { crossEntropy, gatherRows } from '../network/ops';

export interface TrainingBatch {
  /** condition for B rows; nullRows marks rows that use the null condition (dropout) */
  cond: ConditionInput;
  /** [B, N] grid tokens in raster order */
  tokens: Int32Array;
  batch: number;
  /** [B, clsTokenNum] 1 = valid condition position (left-padded captions); omitted = all valid */
  condMask?: Float32Array;
}

/** Gather plan merging head outputs into per-target logits (pure, host-side). */
export interface MergePlan {
  /** per head: source row (0 = last condition position, 1 + q = grid token q) for each target */
  rows: Int32Array[];
  /** per head: weight (1/#parents, or 0 when that head is not a parent of the target) */
  weights: Float32Array[];
}

export function mergePlan(ordering: TokenOrdering, nHeads: number): MergePlan {
  const n = ordering.rank.length;
  const rows = Array.from({ length: nHeads }, () => new Int32Array(n));
  const weights = Array.from({ length: nHeads }, () => new Float32Array(n));
  for (let q = 0; q < n; q++) {
    const links = ordering.parents(q);
    for (const l of links) {
      if (weights[l.head][q] !== 0) throw new Error(`token ${q} has two parents for head ${l.head}`);
      rows[l.head][q] = l.source === CONDITION ? 0 : l.source + 1;
      weights[l.head][q] = 1 / links.length;
    }
  }
  return { rows, weights };
}

/** Additive attention bias [B, S, S] for the ordering, with per-row condition padding. */
export function trainingBias(ordering: TokenOrdering, c: NarConfig, B: number, condMask?: Float32Array): tf.Tensor3D {
  const C = c.clsTokenNum;
  const S = C + ordering.rank.length;
  const base = proximityMask(ordering, C);
  const out = new Float32Array(B * S * S);
  for (let b = 0; b < B; b++) {
    const m = condMask ? withConditionPadding(base, S, condMask.subarray(b * C, (b + 1) * C)) : base;
    out.set(maskToBias(m), b * S * S);
  }
  return tf.tensor3d(out, [B, S, S]);
}

/** Merged logits [B·N, V] (raster order). Call inside tf.tidy / variableGrads. */
export function trainingLogits(params: NarParams, c: NarConfig, ordering: TokenOrdering, batch: TrainingBatch): tf.Tensor2D {
  const B = batch.batch;
  const N = c.numTokens;
  const C = c.clsTokenNum;
  const S = C + N;
  if (batch.tokens.length !== B * N) throw new Error(`training tokens: expected [${B}, ${N}] (${B * N} values), got ${batch.tokens.length}`);
  if (batch.condMask && batch.condMask.length !== B * C) throw new Error(`condMask: expected [${B}, ${C}], got ${batch.condMask.length} values`);
  const condEmb = embedCondition(params, c, batch.cond, B);
  const tokEmb = embedTokens(params, c, batch.tokens, B, N);
  const absRows = Int32Array.from({ length: S }, (_, i) => i);
  let x = tf.concat([condEmb, tokEmb], 1) as tf.Tensor3D;
  x = addAbsolutePositions(params, c, x, { rope: null, absRows });
  const coords = Array.from({ length: S }, (_, i) => (i < C ? null : unflatten(i - C, c.grid)));
  const rope = c.positions === 'rope' ? ropeTable(coords, c.headDim, c.ropeBase, c.grid.length) : null;
  const hidden = runBlocks(params, c, x, { rope, absRows }, { kind: 'sequence', bias: trainingBias(ordering, c, B, batch.condMask) });
  const plan = mergePlan(ordering, c.heads.length);
  let merged: tf.Tensor2D | null = null;
  for (let i = 0; i < c.heads.length; i++) {
    const h = c.heads[i];
    const hs = tf.slice(tf.reshape(hidden.get(h.depth)!, [B, S, c.dim]), [0, C - 1, 0], [B, N + 1, c.dim]);
    const logits = headLogits(params, c, i, tf.reshape(hs, [B * (N + 1), c.dim]) as tf.Tensor2D); // [B·(N+1), V]
    const rows = new Int32Array(B * N);
    const w = new Float32Array(B * N);
    for (let b = 0; b < B; b++) {
      for (let q = 0; q < N; q++) {
        rows[b * N + q] = b * (N + 1) + plan.rows[i][q];
        w[b * N + q] = plan.weights[i][q];
      }
    }
    const part = tf.mul(gatherRows(logits, tf.tensor1d(rows, 'int32')), tf.tensor2d(w, [B * N, 1])) as tf.Tensor2D;
    merged = merged ? (tf.add(merged, part) as tf.Tensor2D) : part;
  }
  return merged!;
}

/** Mean cross-entropy of the merged logits against the batch tokens. */
export function trainingLoss(params: NarParams, c: NarConfig, ordering: TokenOrdering, batch: TrainingBatch): tf.Scalar {
  const logits = trainingLogits(params, c, ordering, batch);
  return crossEntropy(logits, tf.tensor1d(batch.tokens, 'int32'), c.vocabSize);
}

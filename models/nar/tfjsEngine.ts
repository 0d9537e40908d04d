// The tfjs implementation of NarStepEngine: weights as tf.Variables, a KVCache per generation.
import * as tf from '@tensorflow/tfjs';
import type { NarConfig } from './config';
import type { EngineCondition, EngineSetup, HeadLogits, NarStepEngine } from './engine';
import { MASKED } from './network/attention';
import { KVCache } from './network/kvCache';
import { ropeTable } from './network/rope';
import { addAbsolutePositions, embedCondition, embedTokens, headLogits, runBlocks, type PositionInput } from './network/transformer';
import type { NarParams } from './network/weights';
import { unflatten } from './ordering';

export class TfjsNarEngine implements NarStepEngine {
  private cache: KVCache | null = null;
  private batch = 0;
  /** [B, C] condition validity, null = all valid */
  private condMask: Float32Array | null = null;

  constructor(
    readonly config: NarConfig,
    private readonly params: NarParams,
  ) {}

  async setup(o: EngineSetup): Promise<void> {
    const c = this.config;
    if (!Number.isInteger(o.batch) || o.batch < 1) throw new Error(`engine setup: batch must be a positive integer, got ${o.batch}`);
    if (o.condMask && o.condMask.length !== o.batch * c.clsTokenNum) {
      throw new Error(`engine setup: condMask must be [${o.batch}, ${c.clsTokenNum}], got ${o.condMask.length} values`);
    }
    this.dispose();
    this.batch = o.batch;
    this.condMask = o.condMask && o.condMask.some((v) => !v) ? o.condMask : null;
    this.cache = new KVCache(c.totalBlocks, o.batch, c.nKvHead, c.headDim);
  }

  private requireCache(expectEmpty: boolean): KVCache {
    if (!this.cache) throw new Error('engine: call setup() before prefill/decodeStep');
    if (expectEmpty && this.cache.length !== 0) throw new Error('engine: prefill called twice; call setup() for a new generation');
    if (!expectEmpty && this.cache.length === 0) throw new Error('engine: decodeStep before prefill');
    return this.cache;
  }

  /** Prefill bias [B, 1, C, C]: causal, padded keys hidden, self always visible. */
  private prefillBias(): tf.Tensor {
    const C = this.config.clsTokenNum;
    const B = this.batch;
    const out = new Float32Array(B * C * C);
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < C; i++) {
        for (let j = 0; j < C; j++) {
          const valid = j === i || (j < i && (!this.condMask || this.condMask[b * C + j] !== 0));
          out[(b * C + i) * C + j] = valid ? 0 : MASKED;
        }
      }
    }
    return tf.tensor4d(out, [B, 1, C, C]);
  }

  /** Decode bias [B, 1, 1, L]: only padded condition keys are hidden; null when nothing is padded. */
  private decodeBias(L: number): tf.Tensor | null {
    if (!this.condMask) return null;
    const C = this.config.clsTokenNum;
    const out = new Float32Array(this.batch * L);
    for (let b = 0; b < this.batch; b++) for (let j = 0; j < C; j++) if (this.condMask[b * C + j] === 0) out[b * L + j] = MASKED;
    return tf.tensor4d(out, [this.batch, 1, 1, L]);
  }

  /** Head logits for hidden rows: each head reads its depth, [R, dim] → [R, V]; copied to host. */
  private async readHeads(logits: tf.Tensor2D[]): Promise<HeadLogits> {
    try {
      return (await Promise.all(logits.map((t) => t.data()))) as Float32Array[];
    } finally {
      tf.dispose(logits);
    }
  }

  private heads(hidden: Map<number, tf.Tensor2D>, rows: (t: tf.Tensor2D) => tf.Tensor2D): tf.Tensor2D[] {
    return this.config.heads.map((h, i) => headLogits(this.params, this.config, i, rows(hidden.get(h.depth)!)));
  }

  async prefill(cond: EngineCondition): Promise<HeadLogits> {
    const cache = this.requireCache(true);
    const c = this.config;
    const B = this.batch;
    const C = c.clsTokenNum;
    const logits = tf.tidy(() => {
      const absRows = Int32Array.from({ length: C }, (_, i) => i);
      const pos: PositionInput = {
        rope: c.positions === 'rope' ? ropeTable(new Array(C).fill(null), c.headDim, c.ropeBase, c.grid.length) : null,
        absRows,
      };
      const x = addAbsolutePositions(this.params, c, embedCondition(this.params, c, cond, B), pos);
      const h = runBlocks(this.params, c, x, pos, { kind: 'cached', cache, bias: this.prefillBias() });
      // hidden at the last condition position: [B, dim]
      return this.heads(h, (t) => tf.reshape(tf.slice(tf.reshape(t, [B, C, c.dim]), [0, C - 1, 0], [B, 1, c.dim]), [B, c.dim]));
    });
    return this.readHeads(logits);
  }

  async decodeStep(positions: Int32Array, tokens: Int32Array): Promise<HeadLogits> {
    const cache = this.requireCache(false);
    const c = this.config;
    const B = this.batch;
    const S = positions.length;
    if (tokens.length !== B * S) throw new Error(`decodeStep: tokens must be [${B}, ${S}], got ${tokens.length} values`);
    for (const q of positions) if (!(q >= 0 && q < c.numTokens)) throw new Error(`decodeStep: position ${q} outside the grid of ${c.numTokens} tokens`);
    const logits = tf.tidy(() => {
      const pos: PositionInput = {
        rope: c.positions === 'rope' ? ropeTable(Array.from(positions, (q) => unflatten(q, c.grid)), c.headDim, c.ropeBase, c.grid.length) : null,
        absRows: Int32Array.from(positions, (q) => c.clsTokenNum + q),
      };
      const x = addAbsolutePositions(this.params, c, embedTokens(this.params, c, tokens, B, S), pos);
      const h = runBlocks(this.params, c, x, pos, { kind: 'cached', cache, bias: this.decodeBias(cache.length + S) });
      return this.heads(h, (t) => t);
    });
    return this.readHeads(logits);
  }

  dispose(): void {
    this.cache?.dispose();
    this.cache = null;
  }
}

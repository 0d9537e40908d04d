// The step interface between the shared sampler loop and a compute engine.
//
// The sampler (ordering, parent merging, guidance, temperature/top-k/top-p, RNG, callbacks) lives
// in models/nar/sampler/ and is written once. An engine only runs the transformer: it holds the
// weights and a KV cache, and returns raw per-head logits — or, when it answers TargetRequests
// (the ORT engine), the merged and guided logits or probabilities of the next tokens, which the
// sampler would otherwise build from the head logits. Everything crossing this boundary is a
// host array (Float32Array / Int32Array), so engines may be tfjs (models/nar/tfjsEngine.ts),
// onnxruntime-node, or anything else.
//
// Call sequence for one generation (one batch):
//   engine.setup({ batch, condMask })      // allocate/clear caches for `batch` rows
//   engine.prefill(cond)                   // run the condition positions, cache their K/V
//   engine.decodeStep(positions, tokens)   // repeated: feed tokens, cache them, get logits
//   ...
//   engine.dispose()                       // or setup() again for the next generation
//
// Guidance: the sampler doubles the batch itself, rows [0, B) conditional and rows [B, 2B)
// unconditional; it marks the unconditional rows in `EngineCondition.nullRows`, and the engine
// substitutes the model's null condition (null class row / null caption) for those rows.
import type { NarConfig } from './config';
import type { TokenOrdering } from './ordering';

/** Condition for `batch` rows. */
export type EngineCondition =
  | {
      kind: 'class';
      /** [batch] class ids in [0, numClasses) */
      classIds: Int32Array;
      /** [batch] 1 = use the null class for this row (guidance / condition dropout) */
      nullRows?: Uint8Array;
    }
  | {
      kind: 'text';
      /** [batch, captionTokens, captionDim] caption features (T5), row-major */
      features: Float32Array;
      /** [batch] 1 = use the null caption (`cls_embedding.uncond_embedding`) for this row */
      nullRows?: Uint8Array;
    };

export interface EngineSetup {
  /** rows in every following call (already doubled when guidance is on) */
  batch: number;
  /**
   * [batch, clsTokenNum] 1 = valid condition position, 0 = padding (captions are left-padded).
   * Padded positions are hidden as keys from every query, except that a position always sees itself.
   * Omitted: every condition position is valid.
   */
  condMask?: Float32Array;
  /**
   * The decoding order this generation follows. Optional: an engine may use it to compute each
   * head only where a later token reads it (the logits it returns elsewhere are then unspecified).
   */
  ordering?: TokenOrdering;
}

/**
 * Logits per head, in the order of `config.heads`. Each entry is [batch, S, vocabSize] row-major,
 * S = number of positions the call was asked about (1 for prefill: the last condition position).
 * An engine that computed head h only at some positions (see EngineSetup.ordering) may instead
 * return it compact, [batch, count[h], vocabSize], with `compact.rowOf[h][s]` the row of position
 * s (−1 where it was not computed); read rows through headRowOffset().
 */
export type HeadLogits = Float32Array[] & {
  compact?: { rowOf: Int32Array[]; count: number[] };
  /** [images, targets, V]: the logits (or probabilities) a TargetRequest asked for, when the engine computed them */
  targets?: Float32Array;
};

/**
 * Asks an engine for the sampler's logits of the next targets instead of raw head logits (see
 * NarStepEngine.decodeStep). For target t of image b the engine returns
 *   (u + (c − u) · guide) / divisor,
 * c (u) = the mean over the target's parents of the parent head's logits in image b's
 * conditional row b (unconditional row images + b; u = c when guide is 0). This is the row the
 * sampler would build from the head logits itself, up to float32 rounding.
 */
export interface TargetRequest {
  /** images; the call's batch is `images` rows, or 2·images with guidance rows */
  images: number;
  /** per target: its parents as (head, index into the call's positions; 0 for prefill) — at most one per head */
  parents: { head: number; index: number }[][];
  /** guidance scale, 0 = none */
  guide: number;
  /** temperature (1 when greedy) */
  divisor: number;
  /**
   * Return each row's softmax instead of the row (HeadLogits.targets then holds probabilities):
   * what plain sampling reads (no top-k, top-p or greedy choice).
   */
  probabilities?: boolean;
}

/**
 * Offset into `logits[head]` of batch row r, position s of S (vocabulary V); −1 when the engine
 * did not compute that head there.
 */
export function headRowOffset(logits: HeadLogits, head: number, r: number, s: number, S: number, V: number): number {
  const compact = logits.compact;
  if (!compact) return (r * S + s) * V;
  const row = compact.rowOf[head][s];
  return row < 0 ? -1 : (r * compact.count[head] + row) * V;
}

export interface NarStepEngine {
  readonly config: NarConfig;
  /** True when the engine answers TargetRequests (the sampler only builds them then). */
  readonly answersTargets?: boolean;
  /** Allocates (or clears) the KV cache for a new generation. Must be called before prefill. */
  setup(options: EngineSetup): Promise<void>;
  /**
   * Runs the `clsTokenNum` condition positions (causal among themselves, padding masked) and
   * caches their keys/values. Returns per-head logits at the last condition position: [batch, 1, V].
   */
  prefill(cond: EngineCondition, targets?: TargetRequest): Promise<HeadLogits>;
  /**
   * Feeds S grid tokens at once and caches them. `positions` [S]: flat raster indices into the grid
   * (the same for every row); `tokens` [batch, S]. The fed tokens attend to everything cached so far
   * and to each other (no mask beyond condition padding). Returns per-head logits at the fed
   * positions: [batch, S, V] per head.
   *
   * `targets` (also on prefill), optional: the engine may answer it with `HeadLogits.targets`,
   * and then need not return head logits (the arrays may be empty); or ignore it.
   */
  decodeStep(positions: Int32Array, tokens: Int32Array, targets?: TargetRequest): Promise<HeadLogits>;
  /**
   * Optional: the caller will not read these logits (returned by this engine) again, so the engine
   * may write later logits into the same memory instead of allocating.
   */
  recycle?(logits: HeadLogits): void;
  /** Frees caches and anything else the engine holds for generation (not necessarily the weights). */
  dispose(): void;
}

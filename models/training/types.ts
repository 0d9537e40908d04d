// The training pipeline's contracts: a data source yields NAR batches by index (so a resumed run
// sees exactly the batches an uninterrupted one would), and progress is one event type shared by
// NAR and tokenizer training (the workflow node and the CLI print/plot it).
import type { ConditionSpec, NarConfig, NarTrainBatch } from '../nar';

/** What a model trained on a source must look like. */
export interface SourceSpec {
  /** token grid, [h, w] or [T, h, w] */
  grid: number[];
  /** code vocabulary (the tokenizer's codebook size) */
  vocabSize: number;
  condition: ConditionSpec;
}

export interface NarDataSource {
  readonly description: string;
  readonly spec: SourceSpec;
  /** Batch number `index` of `size` examples: a pure function of (index, size) and the source's seed. */
  batch(index: number, size: number): Promise<NarTrainBatch>;
  dispose(): void;
}

/** One progress event (every optimizer step). */
export interface TrainProgress {
  /** optimizer steps taken so far (this one included) */
  step: number;
  /** target step count of the run */
  steps: number;
  loss: number;
  lr: number;
  /** training examples per second over this session (resumed runs count from the resume) */
  samplesPerSec: number;
  /** seconds since this session started */
  elapsed: number;
  gradNorm?: number;
  /** for multi-phase training (tokenizer: 'autoencoder' | 'vq') */
  phase?: string;
}

export type ProgressHandler = (p: TrainProgress) => void | Promise<void>;

export class TrainingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingError';
  }
}

/** Throws a TrainingError naming every way the source does not fit the model. */
export function checkSourceFits(config: NarConfig, source: NarDataSource): void {
  const s = source.spec;
  const problems: string[] = [];
  if (s.grid.join('x') !== config.grid.join('x')) problems.push(`token grid: model [${config.grid}], data [${s.grid}]`);
  if (s.vocabSize > config.vocabSize) problems.push(`vocabulary: model ${config.vocabSize} codes, data up to ${s.vocabSize}`);
  const mc = config.condition;
  const dc = s.condition;
  if (mc.kind !== dc.kind) problems.push(`condition: model '${mc.kind}', data '${dc.kind}'`);
  else if (mc.kind === 'class' && dc.kind === 'class' && dc.numClasses > mc.numClasses) problems.push(`classes: model ${mc.numClasses}, data ${dc.numClasses}`);
  else if (mc.kind === 'text' && dc.kind === 'text' && (mc.captionDim !== dc.captionDim || mc.tokens !== dc.tokens)) {
    problems.push(`caption features: model [${mc.tokens}, ${mc.captionDim}], data [${dc.tokens}, ${dc.captionDim}]`);
  }
  if (problems.length) throw new TrainingError(`data source '${source.description}' does not fit the model: ${problems.join('; ')}`);
}

/** Seed of batch `index` for a source seeded with `seed` (distinct for every pair in practice). */
export function batchSeed(seed: number, index: number): number {
  if (!Number.isInteger(index) || index < 0) throw new TrainingError(`batch index must be a non-negative integer, got ${index}`);
  return seed * 1_000_003 + index;
}

export function checkBatchSize(size: number): void {
  if (!Number.isInteger(size) || size < 1) throw new TrainingError(`batch size must be a positive integer, got ${size}`);
}

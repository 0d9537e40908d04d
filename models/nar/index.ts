// NAR public API: load a model, generate token grids, train. Node packs and the CLI call these.
import * as tf from '@tensorflow/tfjs';
import type { StateDict } from '../checkpoint/safetensors';
import { Rng } from '../rng';
import { NarConfigError, type NarConfig } from './config';
import { readNarCheckpoint, saveNarCheckpoint, type SaveNarOptions } from './checkpoint';
import type { NarStepEngine } from './engine';
import { disposeParams, paramsFromStateDict, paramsToStateDict, randomStateDict, type NarParams } from './network/weights';
import { orderingFor, par4xOrdering, type SeedSpec } from './ordering';
import { generate, type FixedTokens, type SampleCondition, type StepInfo } from './sampler/generate';
import { TfjsNarEngine } from './tfjsEngine';
import { createTrainer, type NarTrainer, type NarTrainerOptions } from './training/trainer';
import { trainingLogits, type TrainingBatch } from './training/forward';

export * from './config';
export type { NarStepEngine, EngineCondition, EngineSetup, HeadLogits } from './engine';
export type { FixedTokens, SampleCondition, StepInfo } from './sampler/generate';
export type { NarTrainer, NarTrainerOptions, NarTrainBatch, NarTrainStepResult } from './training/trainer';
export type { SeedSpec } from './ordering';

export interface NarGenerateOptions {
  cond: SampleCondition;
  /** where decoding starts: 'corner' (published), 'center', or grid coordinates (default: the config's trainedSeed, else the corner) */
  seedPosition?: SeedSpec;
  cfgScale?: number;
  cfgInterval?: number;
  temperature?: number;
  topK?: number;
  topP?: number;
  greedy?: boolean;
  /** RNG seed for sampling (same seed → same tokens) */
  seed?: number;
  onStep?: (info: StepInfo) => void | Promise<void>;
  /** run on another engine (e.g. onnxruntime); default: this model's tfjs engine */
  engine?: NarStepEngine;
  /** tokens to keep where `keep` is 1 (inpainting / outpainting); see GenerateRequest.fixed */
  fixed?: FixedTokens;
}

export class NarModel {
  private constructor(
    readonly config: NarConfig,
    readonly params: NarParams,
  ) {}

  /** From a state dict with published keys; throws listing missing/unexpected/wrong-shaped keys. */
  static fromStateDict(sd: StateDict, config: NarConfig, source?: string): NarModel {
    return new NarModel(config, paramsFromStateDict(sd, config, true, source));
  }

  /** Random weights (normal 0.02) from our Rng: benchmarks and training from scratch. */
  static random(config: NarConfig, seed = 0): NarModel {
    return NarModel.fromStateDict(randomStateDict(config, new Rng(seed)), config);
  }

  /** Number of forward passes for a seed (1 prefill + decode steps). */
  passes(seedPosition?: SeedSpec): number {
    return orderingFor(this.config, seedPosition).steps.length;
  }

  /** Token grids [B][N] in raster order. */
  async generate(o: NarGenerateOptions): Promise<number[][]> {
    const ordering = orderingFor(this.config, o.seedPosition);
    const engine = o.engine ?? new TfjsNarEngine(this.config, this.params);
    return generate(engine, {
      cond: o.cond,
      ordering,
      cfgScale: o.cfgScale ?? 1,
      cfgInterval: o.cfgInterval ?? -1,
      greedy: o.greedy,
      temperature: o.temperature,
      topK: o.topK,
      topP: o.topP,
      rng: new Rng(o.seed ?? 0),
      onStep: o.onStep,
      fixed: o.fixed,
    });
  }

  /** The tfjs step engine over this model's weights (for callers driving the sampler loop). */
  createEngine(): NarStepEngine {
    return new TfjsNarEngine(this.config, this.params);
  }

  /** Merged training logits [B, N, V] (host) without dropout; for checks against references. */
  async trainingLogits(batch: Omit<TrainingBatch, 'cond'> & { cond: TrainingBatch['cond'] }): Promise<Float32Array> {
    const t = tf.tidy(() => trainingLogits(this.params, this.config, orderingFor(this.config), batch));
    try {
      return (await t.data()) as Float32Array;
    } finally {
      t.dispose();
    }
  }

  toStateDict(): StateDict {
    return paramsToStateDict(this.params, this.config);
  }

  /** Saves weights + config (and optimizer state if given). */
  save(file: string, o: SaveNarOptions = {}): string[] {
    return saveNarCheckpoint(file, this.toStateDict(), this.config, o);
  }

  dispose(): void {
    disposeParams(this.params);
  }
}

/**
 * Loads a model from a file (safetensors with our config metadata, or published weights plus a
 * config) or from a state dict plus config.
 */
export function loadNar(source: string | StateDict, config?: NarConfig): NarModel {
  if (typeof source === 'string') {
    const ck = readNarCheckpoint(source);
    const cfg = config ?? ck.config;
    if (!cfg) throw new NarConfigError(`${source} holds no NAR config in its metadata; pass the config (e.g. from narConfigFromModelArgs)`);
    return NarModel.fromStateDict(ck.stateDict, cfg, source);
  }
  if (!config) throw new NarConfigError('loadNar(stateDict) needs a config');
  return NarModel.fromStateDict(source, config);
}

/** A trainer over the model's weights (AdamW, clipping, LR schedule, condition dropout). */
export function createNarTrainer(model: NarModel, o: NarTrainerOptions = {}): NarTrainer {
  return createTrainer(model.config, model.params, o);
}

export { par4xOrdering };

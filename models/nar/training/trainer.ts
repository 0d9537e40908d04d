// One optimizer step of NAR (or raster-AR) training: condition dropout, merged-head loss,
// gradients, global-norm clipping, AdamW with a warm-up + cosine schedule. Resumable.
import * as tf from '@tensorflow/tfjs';
import type { StateDict } from '../../checkpoint/safetensors';
import { Rng } from '../../rng';
import { AdamW, type AdamWOptions } from '../../train/adamw';
import { constantLr, type LrSchedule } from '../../train/schedule';
import type { NarConfig } from '../config';
import type { ConditionInput } from '../network/transformer';
import type { NarParams } from '../network/weights';
import { orderingFor, type TokenOrdering } from '../ordering';
import { trainingLoss } from './forward';

/** One training batch as the caller gives it. */
export interface NarTrainBatch {
  /** class ids [B], or caption features [B, tokens, captionDim] row-major */
  cond: { kind: 'class'; classIds: ArrayLike<number> } | { kind: 'text'; features: Float32Array; mask?: Float32Array };
  /** [B, N] grid tokens, raster order */
  tokens: ArrayLike<number>;
}

export interface NarTrainerOptions extends AdamWOptions {
  /** learning rate per step (default constant 1e-4) */
  lr?: LrSchedule;
  /** seed for condition dropout */
  seed?: number;
  /** override config.classDropoutProb */
  conditionDropout?: number;
}

export interface NarTrainStepResult {
  loss: number;
  lr: number;
  gradNorm: number;
  step: number;
}

export interface NarTrainer {
  step(batch: NarTrainBatch): Promise<NarTrainStepResult>;
  /** optimizer moments, step count and dropout RNG position, for resuming */
  stateDict(): StateDict;
  loadStateDict(sd: StateDict): void;
  dispose(): void;
}

/** Parameters that are buffers in the published models (not optimized). */
const FROZEN = new Set(['cls_embedding.uncond_embedding']);

export function createTrainer(config: NarConfig, params: NarParams, o: NarTrainerOptions = {}): NarTrainer {
  const trainable = new Map([...params].filter(([k]) => !FROZEN.has(k)));
  const opt = new AdamW(trainable, o);
  const schedule = o.lr ?? constantLr(1e-4);
  // training grows from the seed the config names (the corner unless trainedSeed says otherwise)
  const ordering: TokenOrdering = orderingFor(config);
  const dropout = o.conditionDropout ?? config.classDropoutProb;
  let seed = o.seed ?? 0;

  const toInput = (batch: NarTrainBatch, B: number): { cond: ConditionInput; condMask?: Float32Array } => {
    // one generator per step, so a resumed run drops the same rows as an uninterrupted one
    const rng = new Rng(seed * 1000003 + opt.step);
    const nullRows = Uint8Array.from({ length: B }, () => (rng.next() < dropout ? 1 : 0));
    if (batch.cond.kind === 'class') return { cond: { kind: 'class', classIds: Int32Array.from(batch.cond.classIds), nullRows } };
    const mask = batch.cond.mask;
    const C = config.clsTokenNum;
    const T = config.condition.kind === 'text' ? config.condition.tokens : C;
    // the model reads the last C of the T caption positions (see embedCondition)
    const condMask = mask ? Float32Array.from({ length: B * C }, (_, i) => mask[Math.floor(i / C) * T + (T - C) + (i % C)]) : undefined;
    return { cond: { kind: 'text', features: batch.cond.features, nullRows }, condMask };
  };

  return {
    async step(batch) {
      const N = config.numTokens;
      if (batch.tokens.length % N !== 0 || batch.tokens.length === 0) throw new Error(`training tokens must be [B, ${N}], got ${batch.tokens.length} values`);
      const B = batch.tokens.length / N;
      const input = toInput(batch, B);
      const tokens = Int32Array.from(batch.tokens);
      const lr = schedule(opt.step);
      const { value, grads } = tf.variableGrads(() => trainingLoss(params, config, ordering, { ...input, tokens, batch: B }), [...trainable.values()]);
      try {
        const named = new Map<string, tf.Tensor>();
        for (const [k, v] of trainable) if (grads[v.name]) named.set(k, grads[v.name]);
        const { gradNorm } = await opt.applyAsync(named, lr);
        return { loss: (await value.data())[0], lr, gradNorm, step: opt.step };
      } finally {
        value.dispose();
        tf.dispose(Object.values(grads));
      }
    },
    stateDict() {
      const sd = opt.stateDict();
      sd.set('dropout_seed', { shape: [1], data: new Float32Array([seed]) });
      return sd;
    },
    loadStateDict(sd) {
      opt.loadStateDict(sd);
      const s = sd.get('dropout_seed');
      if (s) seed = s.data[0];
    },
    dispose() {
      opt.dispose();
    },
  };
}

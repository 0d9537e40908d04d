// One optimizer step of a tokenizer: recon + codebook + β·commit, AdamW with an LR schedule.
// Works for every tokenizer that exposes its parameters and differentiable losses.
import * as tf from '@tensorflow/tfjs';
import type { StateDict } from '../checkpoint/safetensors';
import type { ImageBatch } from '../image/types';
import { AdamW, type AdamWOptions } from '../train/adamw';
import type { LrSchedule } from '../train/schedule';
import { type LossOptions, type VqLosses, totalLoss } from './losses';
import { type Tokenizer, imagesToTensor } from './tokenizer';

export interface TrainableTokenizer extends Tokenizer {
  readonly params: Map<string, tf.Variable>;
  /** differentiable losses on x [B, H, W, 3] in [−1, 1] */
  losses(x: tf.Tensor4D, options?: LossOptions): VqLosses;
  /** encoder latents as the quantiser sees them (L2-normalised when it normalises), [N, D] */
  latentsFor(x: tf.Tensor4D): tf.Tensor2D;
}

export interface TokenizerStep {
  /** optimizer steps taken, this one included */
  step: number;
  lr: number;
  loss: number;
  recon: number;
  codebook: number;
  commit: number;
  gradNorm: number;
  /** code of every latent of the batch, raster order */
  codes: Int32Array;
}

export interface TokenizerTrainerOptions extends AdamWOptions {
  schedule: LrSchedule;
}

export class TokenizerTrainer {
  readonly optimizer: AdamW;
  private readonly schedule: LrSchedule;

  constructor(
    readonly tokenizer: TrainableTokenizer,
    options: TokenizerTrainerOptions,
  ) {
    const { schedule, ...adam } = options;
    this.schedule = schedule;
    this.optimizer = new AdamW(tokenizer.params, { weightDecay: 0, beta1: 0.9, beta2: 0.95, ...adam });
  }

  get step(): number {
    return this.optimizer.step;
  }

  /** One step on images in [0, 1]. */
  trainStep(images: ImageBatch, options: LossOptions = {}): TokenizerStep {
    const x = imagesToTensor(images);
    try {
      return this.trainStepTensor(x, options);
    } finally {
      x.dispose();
    }
  }

  /** One step on x [B, H, W, 3] in [−1, 1]. Does not dispose x. */
  trainStepTensor(x: tf.Tensor4D, options: LossOptions = {}): TokenizerStep {
    const names = [...this.tokenizer.params.keys()];
    const vars = names.map((n) => this.tokenizer.params.get(n)!);
    let parts: tf.Tensor[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const l = this.tokenizer.losses(x, options);
      parts = [tf.keep(l.recon), tf.keep(l.codebook), tf.keep(l.commit), tf.keep(l.indices)];
      return totalLoss(l);
    }, vars);
    const byName = new Map<string, tf.Tensor>();
    names.forEach((n, i) => byName.set(n, grads[vars[i].name]));
    const lr = this.schedule(this.optimizer.step);
    const { gradNorm } = this.optimizer.apply(byName, lr);
    const [recon, codebook, commit] = parts.slice(0, 3).map((t) => t.dataSync()[0]);
    const out: TokenizerStep = {
      step: this.optimizer.step,
      lr,
      loss: value.dataSync()[0],
      recon,
      codebook,
      commit,
      gradNorm,
      codes: Int32Array.from(parts[3].dataSync()),
    };
    tf.dispose([value, ...Object.values(grads), ...parts]);
    return out;
  }

  optimizerState(): StateDict {
    return this.optimizer.stateDict();
  }

  loadOptimizerState(sd: StateDict): void {
    this.optimizer.loadStateDict(sd);
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}

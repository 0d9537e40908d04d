// The tokenizer training recipe: auto-encoder warm-up (no quantiser), k-means initialisation of
// the codebook from the warmed-up latents, then VQ training (recon + codebook + β·commit,
// straight-through) with dead codes re-seeded from recent latents. Deterministic given the
// data stream and the rng. One async loop serves the trainer node (progress, Stop, checkpoints)
// and scripts/train-tokenizer.ts.
import * as tf from '@tensorflow/tfjs';
import type { ImageBatch } from '../image/types';
import type { Rng } from '../rng';
import { warmupCosine } from '../train/schedule';
import { reseedDeadCodes, setCodebook, sphericalKMeans } from './codebookInit';
import { type TokenizerStep, TokenizerTrainer, type TrainableTokenizer } from './trainer';
import { imagesToTensor } from './tokenizer';

export interface TokenizerRecipe {
  /** auto-encoder steps before the codebook exists */
  warmupSteps: number;
  /** VQ steps after k-means */
  steps: number;
  maxLr: number;
  minLr: number;
  /** latents sampled for k-means */
  kmeansSamples: number;
  kmeansIterations: number;
  /** re-seed codes unused over this many steps (0 = never) */
  reseedEvery: number;
  /** stop re-seeding after this fraction of the VQ steps, so that the end is undisturbed */
  reseedUntil: number;
}

export const DEFAULT_RECIPE: TokenizerRecipe = {
  warmupSteps: 300,
  steps: 3000,
  maxLr: 2e-3,
  minLr: 1e-4,
  kmeansSamples: 16384,
  kmeansIterations: 15,
  reseedEvery: 100,
  reseedUntil: 0.7,
};

export interface RecipeProgress extends TokenizerStep {
  phase: 'autoencoder' | 'vq';
  /** warm-up + VQ steps of the whole recipe */
  total: number;
  /** distinct codes used over the last reseed window (VQ phase) */
  codesUsed?: number;
  reseeded?: number;
}

export interface TrainTokenizerOptions {
  /** trained in place */
  tokenizer: TrainableTokenizer;
  /** the i-th training batch (the caller owns the data stream and its seed) */
  batchAt: (i: number) => ImageBatch;
  recipe: TokenizerRecipe;
  rng: Rng;
  /** stops after the current step; the result says 'aborted' */
  signal?: AbortSignal;
  /** sees every step; awaited before the next one */
  onProgress?: (p: RecipeProgress) => void | Promise<void>;
  /** called every `checkpointEvery` VQ steps (0 = never) and once when the loop ends, done or stopped */
  onCheckpoint?: (step: number) => void;
  checkpointEvery?: number;
}

export interface TrainTokenizerResult {
  /** optimizer steps taken (both phases) */
  step: number;
  status: 'done' | 'aborted';
  losses: number[];
}

/** Normalised encoder latents of some images, host [N, dim]. */
function latentsOf(tok: TrainableTokenizer, images: ImageBatch): Float32Array {
  const x = imagesToTensor(images);
  const z = tf.tidy(() => tok.latentsFor(x));
  const out = Float32Array.from(z.dataSync() as Float32Array);
  tf.dispose([x, z]);
  return out;
}

/** Spherical k-means over the warmed-up encoder's latents (batches from `from` on) → the initial codebook. */
function initCodebook(tok: TrainableTokenizer, batchAt: (i: number) => ImageBatch, from: number, recipe: TokenizerRecipe, rng: Rng): void {
  const codebook = tok.params.get('quantize.embedding.weight')!;
  const [k, dim] = codebook.shape;
  const samples: Float32Array[] = [];
  let have = 0;
  for (let j = 0; have < Math.max(recipe.kmeansSamples, k); j++) {
    const z = latentsOf(tok, batchAt(from + j));
    samples.push(z);
    have += z.length / dim;
  }
  const pool = new Float32Array(have * dim);
  samples.reduce((off, z) => (pool.set(z, off), off + z.length), 0);
  setCodebook(codebook, sphericalKMeans(pool, dim, k, recipe.kmeansIterations, rng));
}

const nextTick = () => new Promise((resolve) => setImmediate(resolve));

/**
 * Trains `o.tokenizer` in place through the whole recipe. Yields to the event loop after every
 * step (so progress reaches listeners and an abort is seen), throws when the loss stops being
 * finite. Deterministic given the data stream and the rng.
 */
export async function trainTokenizer(o: TrainTokenizerOptions): Promise<TrainTokenizerResult> {
  const { tokenizer: tok, recipe, rng } = o;
  const total = recipe.warmupSteps + recipe.steps;
  const trainer = new TokenizerTrainer(tok, {
    schedule: warmupCosine({ maxLr: recipe.maxLr, minLr: recipe.minLr, warmupSteps: Math.min(100, Math.floor(total / 10)), totalSteps: total }),
    maxGradNorm: 1,
  });
  const losses: number[] = [];
  const every = o.checkpointEvery ?? 0;
  let step = 0;
  const report = async (p: RecipeProgress) => {
    step = p.step;
    losses.push(p.loss);
    await o.onProgress?.(p);
    if (!Number.isFinite(p.loss)) throw new Error(`tokenizer loss became ${p.loss} at step ${step}; lower the learning rate`);
    if (every && step % every === 0 && step > recipe.warmupSteps) o.onCheckpoint?.(step);
    await nextTick();
  };
  try {
    for (let i = 0; i < recipe.warmupSteps && !o.signal?.aborted; i++) {
      await report({ phase: 'autoencoder', total, ...trainer.trainStep(o.batchAt(i), { quantize: false }) });
    }
    if (o.signal?.aborted) return { step, status: 'aborted', losses };
    initCodebook(tok, o.batchAt, total, recipe, rng);
    const codebook = tok.params.get('quantize.embedding.weight')!;
    let counts = new Int32Array(codebook.shape[0]);
    for (let s = 0; s < recipe.steps && !o.signal?.aborted; s++) {
      const batch = o.batchAt(recipe.warmupSteps + s);
      const p: RecipeProgress = { phase: 'vq', total, ...trainer.trainStep(batch) };
      for (const c of p.codes) counts[c]++;
      if (recipe.reseedEvery > 0 && (s + 1) % recipe.reseedEvery === 0) {
        p.codesUsed = counts.reduce((a, c) => a + (c > 0 ? 1 : 0), 0);
        if (s < recipe.steps * recipe.reseedUntil) p.reseeded = reseedDeadCodes(codebook, counts, latentsOf(tok, batch), rng);
        counts = new Int32Array(codebook.shape[0]);
      }
      await report(p);
    }
    o.onCheckpoint?.(step);
    return { step, status: step < total ? 'aborted' : 'done', losses };
  } finally {
    trainer.dispose();
  }
}

// The tokenizer training recipe: auto-encoder warm-up (no quantiser), k-means initialisation of
// the codebook from the warmed-up latents, then VQ training (recon + codebook + β·commit,
// straight-through) with dead codes re-seeded from recent latents. Deterministic given the
// data stream and the rng.
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
  /** distinct codes used over the last reseed window (VQ phase) */
  codesUsed?: number;
  reseeded?: number;
}

/** Normalised encoder latents of some images, host [N, dim]. */
function latentsOf(tok: TrainableTokenizer, images: ImageBatch): Float32Array {
  const x = imagesToTensor(images);
  const z = tf.tidy(() => tok.latentsFor(x));
  const out = z.dataSync() as Float32Array;
  tf.dispose([x, z]);
  return Float32Array.from(out);
}

/**
 * Trains `tok` in place. `batchAt(i)` returns the i-th training batch (the caller owns the data
 * stream and its seed). `onProgress` sees every step. Returns the trainer (for its optimizer
 * state); the caller disposes it.
 */
export function trainTokenizer(
  tok: TrainableTokenizer,
  batchAt: (i: number) => ImageBatch,
  recipe: TokenizerRecipe,
  rng: Rng,
  onProgress: (p: RecipeProgress) => void = () => {},
): TokenizerTrainer {
  const total = recipe.warmupSteps + recipe.steps;
  const trainer = new TokenizerTrainer(tok, {
    schedule: warmupCosine({ maxLr: recipe.maxLr, minLr: recipe.minLr, warmupSteps: Math.min(100, Math.floor(total / 10)), totalSteps: total }),
    maxGradNorm: 1,
  });
  let i = 0;
  for (; i < recipe.warmupSteps; i++) onProgress({ phase: 'autoencoder', ...trainer.trainStep(batchAt(i), { quantize: false }) });

  const codebook = tok.params.get('quantize.embedding.weight')!;
  const [k, dim] = codebook.shape;
  const samples: Float32Array[] = [];
  let have = 0;
  for (let j = 0; have < Math.max(recipe.kmeansSamples, k); j++) {
    const z = latentsOf(tok, batchAt(total + j));
    samples.push(z);
    have += z.length / dim;
  }
  const pool = new Float32Array(have * dim);
  samples.reduce((off, z) => (pool.set(z, off), off + z.length), 0);
  setCodebook(codebook, sphericalKMeans(pool, dim, k, recipe.kmeansIterations, rng));

  let counts = new Int32Array(k);
  for (let s = 0; s < recipe.steps; s++, i++) {
    const batch = batchAt(i);
    const r = trainer.trainStep(batch);
    for (const c of r.codes) counts[c]++;
    const p: RecipeProgress = { phase: 'vq', ...r };
    if (recipe.reseedEvery > 0 && (s + 1) % recipe.reseedEvery === 0) {
      p.codesUsed = counts.reduce((a, c) => a + (c > 0 ? 1 : 0), 0);
      if (s < recipe.steps * recipe.reseedUntil) {
        p.reseeded = reseedDeadCodes(codebook, counts, latentsOf(tok, batch), rng);
      }
      counts = new Int32Array(k);
    }
    onProgress(p);
  }
  return trainer;
}

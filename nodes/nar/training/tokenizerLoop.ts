// The tokenizer training recipe of models/vq/trainRecipe.ts (auto-encoder warm-up, spherical
// k-means codebook, VQ steps with dead-code re-seeding), as an async loop for the node: it yields
// to the event loop every step (so progress reaches the editor and Stop reaches it), stops cleanly
// on abort and hands a checkpoint callback the step it reached.
import * as tf from '@tensorflow/tfjs';
import type { ImageBatch } from '../../../models/image/types';
import type { Rng } from '../../../models/rng';
import { warmupCosine } from '../../../models/train/schedule';
import { reseedDeadCodes, setCodebook, sphericalKMeans } from '../../../models/vq/codebookInit';
import { imagesToTensor } from '../../../models/vq/tokenizer';
import { TokenizerTrainer, type TokenizerStep, type TrainableTokenizer } from '../../../models/vq/trainer';
import type { TokenizerRecipe } from '../../../models/vq/trainRecipe';

export interface TokenizerLoopProgress extends TokenizerStep {
  phase: 'autoencoder' | 'vq';
  total: number;
}

export interface TokenizerLoopOptions {
  tokenizer: TrainableTokenizer;
  batchAt: (i: number) => ImageBatch;
  recipe: TokenizerRecipe;
  rng: Rng;
  signal?: AbortSignal;
  onProgress?: (p: TokenizerLoopProgress) => void | Promise<void>;
  /** called every `checkpointEvery` steps and when the loop ends (done or stopped) */
  onCheckpoint?: (step: number) => void;
  checkpointEvery?: number;
}

export interface TokenizerLoopResult {
  step: number;
  status: 'done' | 'aborted';
  losses: number[];
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

function latentsOf(tok: TrainableTokenizer, images: ImageBatch): Float32Array {
  const x = imagesToTensor(images);
  const z = tf.tidy(() => tok.latentsFor(x));
  const out = Float32Array.from(z.dataSync() as Float32Array);
  tf.dispose([x, z]);
  return out;
}

/** k-means over the warmed-up encoder's latents → the initial codebook. */
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

export async function trainTokenizerLoop(o: TokenizerLoopOptions): Promise<TokenizerLoopResult> {
  const { tokenizer: tok, recipe, rng } = o;
  const total = recipe.warmupSteps + recipe.steps;
  const trainer = new TokenizerTrainer(tok, {
    schedule: warmupCosine({ maxLr: recipe.maxLr, minLr: recipe.minLr, warmupSteps: Math.min(100, Math.floor(total / 10)), totalSteps: total }),
    maxGradNorm: 1,
  });
  const losses: number[] = [];
  const every = o.checkpointEvery ?? 0;
  let step = 0;
  const after = async (phase: 'autoencoder' | 'vq', r: TokenizerStep) => {
    step = r.step;
    losses.push(r.loss);
    await o.onProgress?.({ ...r, phase, total });
    if (!Number.isFinite(r.loss)) throw new Error(`tokenizer loss became ${r.loss} at step ${step}; lower the learning rate`);
    if (every && step % every === 0 && step > recipe.warmupSteps) o.onCheckpoint?.(step);
    await tick();
  };
  try {
    for (let i = 0; i < recipe.warmupSteps && !o.signal?.aborted; i++) await after('autoencoder', trainer.trainStep(o.batchAt(i), { quantize: false }));
    if (o.signal?.aborted) return { step, status: 'aborted', losses };
    initCodebook(tok, o.batchAt, total, recipe, rng);
    const codebook = tok.params.get('quantize.embedding.weight')!;
    let counts = new Int32Array(codebook.shape[0]);
    for (let s = 0; s < recipe.steps && !o.signal?.aborted; s++) {
      const batch = o.batchAt(recipe.warmupSteps + s);
      const r = trainer.trainStep(batch);
      for (const c of r.codes) counts[c]++;
      if (recipe.reseedEvery > 0 && (s + 1) % recipe.reseedEvery === 0) {
        if (s < recipe.steps * recipe.reseedUntil) reseedDeadCodes(codebook, counts, latentsOf(tok, batch), rng);
        counts = new Int32Array(codebook.shape[0]);
      }
      await after('vq', r);
    }
    o.onCheckpoint?.(step);
    return { step, status: step < total ? 'aborted' : 'done', losses };
  } finally {
    trainer.dispose();
  }
}

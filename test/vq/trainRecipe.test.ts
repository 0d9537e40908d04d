// The tokenizer recipe (warm-up, k-means, VQ steps with re-seeding) as one async loop: same seed →
// identical weights, progress for every step of both phases, Stop after the current step with a
// final checkpoint, and no tensors left behind.
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../models/backend';
import { generateShapesImages } from '../../models/data/shapes';
import { Rng } from '../../models/rng';
import { PatchVq } from '../../models/vq/patchVq';
import { DEFAULT_RECIPE, trainTokenizer, type RecipeProgress, type TrainTokenizerOptions } from '../../models/vq/trainRecipe';

beforeAll(() => initBackend('wasm'));

const CONFIG = { patchSize: 8, codebookSize: 16, codeDim: 8, encoderHidden: 16, decoderHidden: 16, commitBeta: 0.25 };
const RECIPE = { ...DEFAULT_RECIPE, warmupSteps: 3, steps: 6, kmeansSamples: 64, kmeansIterations: 3, reseedEvery: 2, reseedUntil: 1 };

/** Trains a fresh tiny tokenizer from `seed`; returns its weights (host) and what the loop reported. */
async function train(seed: number, extra: Partial<TrainTokenizerOptions> = {}) {
  const rng = new Rng(seed);
  const tok = PatchVq.init(CONFIG, rng.fork());
  const progress: RecipeProgress[] = [];
  const result = await trainTokenizer({
    tokenizer: tok,
    batchAt: (i) => generateShapesImages(4, seed * 1000 + i, { objects: 'mixed' }).images,
    recipe: RECIPE,
    rng: rng.fork(),
    onProgress: (p) => void progress.push(p),
    ...extra,
  });
  const weights = new Map([...tok.params].map(([k, v]) => [k, Array.from(v.dataSync())]));
  tok.dispose();
  return { result, progress, weights };
}

describe('trainTokenizer', () => {
  it('gives identical weights and losses for the same seed, other weights for another, and leaves no tensors', async () => {
    const before = tf.memory().numTensors;
    const a = await train(1);
    expect(tf.memory().numTensors).toBe(before);
    const b = await train(1);
    const c = await train(2);
    expect(b.result.losses).toEqual(a.result.losses);
    expect(b.weights).toEqual(a.weights);
    expect(c.weights.get('quantize.embedding.weight')).not.toEqual(a.weights.get('quantize.embedding.weight'));
  });

  it('reports every step of both phases, code usage per re-seed window, and finishes done', async () => {
    const { result, progress } = await train(3);
    expect(result).toMatchObject({ step: 9, status: 'done' });
    expect(progress.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(progress.map((p) => p.phase)).toEqual(['autoencoder', 'autoencoder', 'autoencoder', 'vq', 'vq', 'vq', 'vq', 'vq', 'vq']);
    expect(progress.every((p) => p.total === 9)).toBe(true);
    // windows end at VQ steps 2, 4, 6 (overall steps 5, 7, 9)
    expect(progress.filter((p) => p.codesUsed !== undefined).map((p) => p.step)).toEqual([5, 7, 9]);
    expect(progress.filter((p) => p.codesUsed !== undefined).every((p) => p.codesUsed! >= 1 && p.codesUsed! <= CONFIG.codebookSize)).toBe(true);
  });

  it('checkpoints every N VQ steps and at the end; Stop ends after the current step with a last checkpoint', async () => {
    const checkpoints: number[] = [];
    await train(4, { checkpointEvery: 2, onCheckpoint: (s) => void checkpoints.push(s) });
    expect(checkpoints).toEqual([4, 6, 8, 9]);

    const stop = new AbortController();
    const stopped: number[] = [];
    const seen: number[] = [];
    const { result } = await train(4, {
      signal: stop.signal,
      onCheckpoint: (s) => void stopped.push(s),
      onProgress: (p) => {
        seen.push(p.step);
        if (p.step === 5) stop.abort();
      },
    });
    expect(result).toMatchObject({ step: 5, status: 'aborted' });
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(stopped).toEqual([5]);
  });

  it('stopped during the warm-up, it returns without k-means or a checkpoint', async () => {
    const stop = new AbortController();
    const checkpoints: number[] = [];
    const { result } = await train(5, { signal: stop.signal, onCheckpoint: (s) => void checkpoints.push(s), onProgress: (p) => (p.step === 2 ? stop.abort() : undefined) });
    expect(result).toMatchObject({ step: 2, status: 'aborted' });
    expect(checkpoints).toEqual([]);
  });
});

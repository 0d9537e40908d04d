// Tokenizer training (models/vq/trainRecipe.ts) reports its own step records; this maps them onto
// the shared TrainProgress event, so the trainer node and the CLI show one kind of progress.
import type { RecipeProgress, TokenizerRecipe } from '../vq/trainRecipe';
import type { TrainProgress } from './types';

/**
 * A progress handler factory for trainTokenizer: `batch` images per step, the clock starts now.
 * Steps count both phases (auto-encoder warm-up, then VQ), as the recipe does.
 */
export function tokenizerProgress(recipe: TokenizerRecipe, batch: number, now: () => number = () => performance.now()): (p: RecipeProgress) => TrainProgress {
  const t0 = now();
  const steps = recipe.warmupSteps + recipe.steps;
  return (p) => {
    const elapsed = (now() - t0) / 1000;
    return { step: p.step, steps, loss: p.loss, lr: p.lr, gradNorm: p.gradNorm, elapsed, samplesPerSec: (p.step * batch) / Math.max(elapsed, 1e-9), phase: p.phase };
  };
}

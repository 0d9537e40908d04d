// The settings of a training run (kind, size, steps, batch, seed, learning rate), as asked for and
// as a resumed checkpoint recorded them. A resumed run continues the run in its checkpoint: what is
// not asked for comes from there, so an interrupted run resumed equals the uninterrupted one. What
// would make a different run is refused (kind, model size, batch, seed, learning rate); a different
// step count is allowed, to train a run on further or stop it sooner, and said out loud, since its
// learning-rate schedule then follows the new count.
import type { NarConfig } from '../nar';
import type { ModelSize, ShapesKind } from './shapesRecipes';
import type { TrainingState } from './checkpointFiles';
import { TrainingError } from './types';

/** A warm-up + cosine schedule over the run's steps, as recorded in a checkpoint. */
export interface LrSettings {
  maxLr: number;
  minLr: number;
  warmupSteps: number;
}

export interface RunSettings {
  steps: number;
  batch: number;
  seed: number;
  lr: LrSettings;
}

/** What was asked for; undefined = not given. */
export interface AskedSettings {
  steps?: number;
  batch?: number;
  seed?: number;
  maxLr?: number;
  minLr?: number;
  warmupSteps?: number;
}

export const DEFAULT_RUN = { steps: 1000, batch: 16, seed: 0, maxLr: 1e-3 } as const;

/** The schedule a new run gets from what was asked: lr 1e-3, floor lr/10, warm-up 5 % of the steps (at most 100). */
export function defaultLr(asked: AskedSettings, steps: number): LrSettings {
  const maxLr = asked.maxLr ?? DEFAULT_RUN.maxLr;
  return { maxLr, minLr: asked.minLr ?? maxLr / 10, warmupSteps: asked.warmupSteps ?? Math.min(100, Math.ceil(steps / 20)) };
}

/** The settings of a new run. */
export function newRunSettings(asked: AskedSettings): RunSettings {
  const steps = asked.steps ?? DEFAULT_RUN.steps;
  return { steps, batch: asked.batch ?? DEFAULT_RUN.batch, seed: asked.seed ?? DEFAULT_RUN.seed, lr: defaultLr(asked, steps) };
}

/**
 * The settings of a resumed run: the checkpoint's, except a step count asked for (with a note
 * saying what it changes). Throws a TrainingError naming every other setting asked for that differs.
 */
export function resumedRunSettings(file: string, state: TrainingState, asked: AskedSettings): { settings: RunSettings; notes: string[] } {
  // checkpoints written before the schedule was recorded: what the run would have used by default
  const lr = state.lr ?? defaultLr(asked, state.steps);
  const differs: string[] = [];
  const check = (name: string, had: number, want: number | undefined) => {
    if (want !== undefined && want !== had) differs.push(`${name} ${had} (asked for ${want})`);
  };
  check('batch', state.batch, asked.batch);
  check('seed', state.seed, asked.seed);
  check('lr', lr.maxLr, asked.maxLr);
  check('min-lr', lr.minLr, asked.minLr);
  check('warmup', lr.warmupSteps, asked.warmupSteps);
  if (differs.length) {
    throw new TrainingError(
      `resume from ${file}: the run in it was trained with ${differs.join(', ')}; a resumed run continues that run ` +
        `exactly, so it keeps them: leave them out, or start a new run (no --resume)`,
    );
  }
  const steps = asked.steps ?? state.steps;
  const notes =
    steps === state.steps
      ? []
      : [
          `the run in ${file} was started for ${state.steps} steps; going on to ${steps} instead, its learning rate from step ${state.step} ` +
            `follows a schedule over ${steps} steps, so this is not the run an uninterrupted one would have been`,
        ];
  return { settings: { steps, batch: state.batch, seed: state.seed, lr }, notes };
}

/** The Shapes kind a model config was made for (shapesModelConfig's inverse). */
export function kindOfConfig(config: NarConfig): ShapesKind {
  if (config.ordering === 'raster') return 'raster-c2i';
  if (config.condition.kind === 'text') return 't2i';
  return config.grid.length === 3 ? 'video' : 'c2i';
}

/** Throws a TrainingError when an asked kind or size differs from the resumed model's. */
export function checkResumedModel(file: string, config: NarConfig, kind: ShapesKind | undefined, size: Partial<ModelSize>): void {
  const had = kindOfConfig(config);
  if (kind !== undefined && kind !== had) throw new TrainingError(`resume from ${file}: it holds a ${had} model, not ${kind}; leave --kind out, or start a new run (no --resume)`);
  // raster-AR gets the blocks NAR spends on its extra heads (shapesModelConfig)
  const layers = config.nLayer - (config.ordering === 'raster' ? config.grid.length - 1 : 0);
  const differs: string[] = [];
  if (size.dim !== undefined && size.dim !== config.dim) differs.push(`dim ${config.dim} (asked for ${size.dim})`);
  if (size.nLayer !== undefined && size.nLayer !== layers) differs.push(`layers ${layers} (asked for ${size.nLayer})`);
  if (size.nHead !== undefined && size.nHead !== config.nHead) differs.push(`heads ${config.nHead} (asked for ${size.nHead})`);
  if (size.positions !== undefined && size.positions !== config.positions) differs.push(`positions ${config.positions} (asked for ${size.positions})`);
  if (differs.length) throw new TrainingError(`resume from ${file}: its model has ${differs.join(', ')}; leave the size out, or start a new run (no --resume)`);
}

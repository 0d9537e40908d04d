// The one NAR training loop (neighbour and raster-AR models alike): batches from a data source,
// optimizer steps, progress events, atomic checkpoints, resume with the saved optimizer state and
// step, and a clean stop on abort (after the current step, with a checkpoint written).
import { createNarTrainer, type NarModel, type NarTrainer } from '../nar';
import { disposeParams, paramsFromStateDict } from '../nar/network/weights';
import type { AdamWOptions } from '../train/adamw';
import { constantLr, type LrSchedule } from '../train/schedule';
import { readTrainingCheckpoint, writeTrainingCheckpoint, type TrainingState } from './checkpointFiles';
import type { LrSettings } from './runSettings';
import { checkBatchSize, checkSourceFits, TrainingError, type NarDataSource, type ProgressHandler } from './types';

export interface TrainNarOptions extends Pick<AdamWOptions, 'beta1' | 'beta2' | 'weightDecay' | 'maxGradNorm'> {
  /** trained in place; the caller owns (and disposes) it */
  model: NarModel;
  source: NarDataSource;
  /** target number of optimizer steps (a resumed run continues up to it) */
  steps: number;
  batch: number;
  /** learning rate per step (default constant 1e-4) */
  lr?: LrSchedule;
  /** seed for condition dropout (default 0) */
  seed?: number;
  /** probability of the null condition per example (default: the config's classDropoutProb) */
  conditionDropout?: number;
  /** write a checkpoint every this many steps (0 = only at the end) */
  checkpointEvery?: number;
  /** checkpoint file (weights; optimizer state goes beside it). No file: nothing is written. */
  outFile?: string;
  /** the settings `lr` was made from, recorded in the checkpoint for a resume to take */
  lrSettings?: LrSettings;
  /** a checkpoint written by this loop: its weights, optimizer state and step are restored first; its run's batch and seed must be these */
  resumeFrom?: string;
  /** stops cleanly after the current step; the last checkpoint is written */
  signal?: AbortSignal;
  onProgress?: ProgressHandler;
}

export interface TrainNarResult {
  /** optimizer steps taken in total (resumed steps included) */
  step: number;
  /** 'done' = reached `steps`; 'aborted' = stopped by the signal */
  status: 'done' | 'aborted';
  /** loss of every step of this session */
  losses: number[];
  /** files of the last checkpoint written (weights, optimizer) */
  checkpoint: string[];
  seconds: number;
}

/** Copies a checkpoint's weights into the model's variables (configs must match). */
function loadWeightsInto(model: NarModel, file: string, ck: ReturnType<typeof readTrainingCheckpoint>): void {
  if (JSON.stringify(ck.config) !== JSON.stringify(model.config)) {
    throw new TrainingError(`resume from ${file}: the checkpoint's model config differs from the model being trained`);
  }
  const loaded = paramsFromStateDict(ck.stateDict, model.config, false, file);
  try {
    for (const [k, v] of model.params) v.assign(loaded.get(k)!);
  } finally {
    disposeParams(loaded);
  }
}

/** A resumed run continues the run in its checkpoint: another batch or seed would draw other data and dropout. */
function checkSameRun(file: string, state: TrainingState, batch: number, seed: number): void {
  if (state.batch === batch && state.seed === seed) return;
  throw new TrainingError(
    `resume from ${file}: the run in it was trained with batch ${state.batch} and seed ${state.seed}, not batch ${batch} and seed ${seed}; ` +
      'a resumed run continues that run exactly, so it keeps them (or start a new run)',
  );
}

function checkOptions(o: TrainNarOptions): void {
  if (!Number.isInteger(o.steps) || o.steps < 0) throw new TrainingError(`steps must be a non-negative integer, got ${o.steps}`);
  checkBatchSize(o.batch);
  const every = o.checkpointEvery ?? 0;
  if (!Number.isInteger(every) || every < 0) throw new TrainingError(`checkpointEvery must be a non-negative integer, got ${every}`);
  checkSourceFits(o.model.config, o.source);
  if (o.outFile && /\.optim\.safetensors$/i.test(o.outFile)) {
    throw new TrainingError(
      `${o.outFile} is how a checkpoint's optimizer state is named (beside its weights): model lists leave such files out, so it could never be loaded; choose a name that does not end in '.optim.safetensors'`,
    );
  }
}

export async function trainNar(o: TrainNarOptions): Promise<TrainNarResult> {
  checkOptions(o);
  const { model, source } = o;
  const seed = o.seed ?? 0;
  const trainer: NarTrainer = createNarTrainer(model, {
    lr: o.lr ?? constantLr(1e-4),
    seed,
    conditionDropout: o.conditionDropout,
    beta1: o.beta1,
    beta2: o.beta2,
    weightDecay: o.weightDecay,
    maxGradNorm: o.maxGradNorm,
  });
  const losses: number[] = [];
  let checkpoint: string[] = [];
  let step = 0;
  let savedStep = -1;
  const save = () => {
    if (!o.outFile || savedStep === step) return;
    const state: TrainingState = { step, steps: o.steps, batch: o.batch, source: source.description, seed, ...(o.lrSettings ? { lr: o.lrSettings } : {}) };
    checkpoint = writeTrainingCheckpoint(o.outFile, model.toStateDict(), trainer.stateDict(), model.config, state);
    savedStep = step;
  };
  const t0 = performance.now();
  try {
    if (o.resumeFrom) {
      const ck = readTrainingCheckpoint(o.resumeFrom);
      checkSameRun(o.resumeFrom, ck.state, o.batch, seed);
      loadWeightsInto(model, o.resumeFrom, ck);
      trainer.loadStateDict(ck.optimizer);
      step = ck.state.step;
      if (o.resumeFrom === o.outFile) savedStep = step;
    }
    while (step < o.steps && !o.signal?.aborted) {
      // a step resolves through microtasks only: give the event loop a turn, or a signal handler
      // (Ctrl-C aborting this loop), timers and sockets never run while training goes on
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (o.signal?.aborted) break;
      const batch = await source.batch(step, o.batch);
      const r = await trainer.step(batch);
      step = r.step;
      losses.push(r.loss);
      const elapsed = (performance.now() - t0) / 1000;
      await o.onProgress?.({ step, steps: o.steps, loss: r.loss, lr: r.lr, gradNorm: r.gradNorm, elapsed, samplesPerSec: (losses.length * o.batch) / Math.max(elapsed, 1e-9) });
      if (!Number.isFinite(r.loss)) throw new TrainingError(`loss became ${r.loss} at step ${step}; lower the learning rate`);
      if (o.checkpointEvery && step % o.checkpointEvery === 0) save();
    }
    save();
    return { step, status: step < o.steps ? 'aborted' : 'done', losses, checkpoint, seconds: (performance.now() - t0) / 1000 };
  } finally {
    trainer.dispose();
  }
}

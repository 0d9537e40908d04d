// One Shapes training run from files: load the tokenizer (and text encoder), build the source and
// a fresh model (or take the config and run settings of the checkpoint being resumed), train, dispose. The CLI
// (`narflow train`) and scripts/train-bundled.ts both call this.
import { NarModel, type NarConfig, type SeedSpec } from '../nar';
import { defaultSeed, parseSeedSpec, resolveSeed } from '../nar/ordering';
import { loadTextEncoder, type TextEncoder } from '../text';
import { warmupCosine, type LrSchedule } from '../train/schedule';
import { loadTokenizer } from '../vq/io';
import type { Tokenizer } from '../vq/tokenizer';
import { readTrainingCheckpoint } from './checkpointFiles';
import { BUNDLED_SIZE, shapesModelConfig, shapesSource, type ModelSize, type ShapesKind } from './shapesRecipes';
import { checkResumedModel, kindOfConfig, newRunSettings, resumedRunSettings, type RunSettings } from './runSettings';
import { trainNar, type TrainNarResult } from './trainNar';
import { TrainingError, type ProgressHandler } from './types';

export interface ShapesRunOptions {
  /** needed for a new run; a resumed one is the checkpoint's kind (another is refused) */
  kind?: ShapesKind;
  /**
   * Run settings: a new run gets the defaults of runSettings.ts for those left out; a resumed run
   * takes them from its checkpoint, refuses another batch or seed, and follows a different step
   * count only with a note (onNote).
   */
  steps?: number;
  batch?: number;
  /** data and initialisation seed */
  seed?: number;
  /** checkpoint file written during and at the end of training */
  out: string;
  resume?: string;
  tokenizerFile?: string;
  textEncoderFile?: string;
  /** a code file instead of the Shapes generator */
  codes?: string;
  /** where training grows from, for a new model (default 'corner'; see shapesModelConfig); a resumed model keeps its own */
  seedPosition?: SeedSpec | string;
  /** model size of a new run (BUNDLED_SIZE where left out); a resumed model keeps its own, and a size given that differs is refused */
  size?: Partial<ModelSize>;
  maxLr?: number;
  minLr?: number;
  warmupSteps?: number;
  /** a whole schedule instead of one warm-up + cosine from maxLr/minLr/warmupSteps */
  lr?: LrSchedule;
  checkpointEvery?: number;
  signal?: AbortSignal;
  onProgress?: ProgressHandler;
  /** told once the model exists (config, parameter count, source, the settings it runs with, the step a resume starts from) */
  onStart?: (info: { config: NarConfig; parameters: number; source: string; settings: RunSettings; fromStep: number }) => void;
  /** told what a resume does differently from the run it continues */
  onNote?: (message: string) => void;
}

export interface ShapesRunResult extends TrainNarResult {
  config: NarConfig;
}

/** A seed position given as text ('corner', 'center', "r,c") or as a SeedSpec, checked against the grid. */
function seedOf(seed: SeedSpec | string | undefined, grid: readonly number[]): SeedSpec {
  if (seed === undefined) return 'corner';
  try {
    return typeof seed === 'string' ? parseSeedSpec(seed, grid) : resolveSeed(grid, seed);
  } catch (e) {
    throw new TrainingError(`seed position ${(e as Error).message}`);
  }
}

/** BUNDLED_SIZE with what was given in place (a field given as undefined is left out). */
function sizeOf(size: Partial<ModelSize> = {}): ModelSize {
  const given = Object.fromEntries(Object.entries(size).filter(([, v]) => v !== undefined));
  return { ...BUNDLED_SIZE, ...given };
}

/** The checkpoint being resumed, checked against the kind and size asked for; the run's settings. */
function resolveRun(o: ShapesRunOptions): { kind: ShapesKind; resumed: { config: NarConfig; step: number } | null; settings: RunSettings; notes: string[] } {
  const asked = { steps: o.steps, batch: o.batch, seed: o.seed, maxLr: o.maxLr, minLr: o.minLr, warmupSteps: o.warmupSteps };
  if (!o.resume) {
    if (!o.kind) throw new TrainingError('a new training run needs a kind (--kind)');
    return { kind: o.kind, resumed: null, settings: newRunSettings(asked), notes: [] };
  }
  const ck = readTrainingCheckpoint(o.resume);
  checkResumedModel(o.resume, ck.config, o.kind, o.size ?? {});
  const { settings, notes } = resumedRunSettings(o.resume, ck.state, asked);
  return { kind: kindOfConfig(ck.config), resumed: { config: ck.config, step: ck.state.step }, settings, notes };
}

export async function trainShapesModel(o: ShapesRunOptions): Promise<ShapesRunResult> {
  const { kind, resumed, settings, notes } = resolveRun(o);
  const needsTokenizer = !o.codes;
  if (needsTokenizer && !o.tokenizerFile) throw new TrainingError('Shapes training needs a tokenizer file (--tokenizer) or a code file (--codes)');
  if (kind === 't2i' && !o.textEncoderFile) throw new TrainingError('text-to-image training needs a text encoder file (--text-encoder)');
  let tokenizer: Tokenizer | undefined;
  let textEncoder: TextEncoder | undefined;
  let model: NarModel | undefined;
  try {
    tokenizer = needsTokenizer ? loadTokenizer(o.tokenizerFile!) : undefined;
    textEncoder = kind === 't2i' ? await loadTextEncoder(o.textEncoderFile!) : undefined;
    const source = shapesSource({ kind, seed: settings.seed, tokenizer, textEncoder, codes: o.codes });
    const seed = seedOf(o.seedPosition, source.spec.grid);
    if (resumed && o.seedPosition !== undefined && kind !== 'raster-c2i') {
      const had = resolveSeed(resumed.config.grid, defaultSeed(resumed.config));
      const asked = resolveSeed(resumed.config.grid, seed);
      if (had.join(',') !== asked.join(',')) throw new TrainingError(`${o.resume} was trained from seed [${had}]; resuming it from [${asked}] is not possible (leave the seed position out, or start a new model)`);
    }
    const config = resumed?.config ?? shapesModelConfig(kind, source.spec, sizeOf(o.size), seed);
    model = NarModel.random(config, settings.seed);
    const parameters = [...model.params.values()].reduce((a, v) => a + v.size, 0);
    for (const n of notes) o.onNote?.(n);
    o.onStart?.({ config, parameters, source: source.description, settings, fromStep: resumed?.step ?? 0 });
    const result = await trainNar({
      model,
      source,
      steps: settings.steps,
      batch: settings.batch,
      lr: o.lr ?? warmupCosine({ ...settings.lr, totalSteps: settings.steps }),
      lrSettings: o.lr ? undefined : settings.lr,
      seed: settings.seed,
      weightDecay: 0.05,
      maxGradNorm: 1,
      checkpointEvery: o.checkpointEvery ?? 100,
      outFile: o.out,
      resumeFrom: o.resume,
      signal: o.signal,
      onProgress: o.onProgress,
    });
    return { ...result, config };
  } finally {
    model?.dispose();
    tokenizer?.dispose();
    textEncoder?.dispose();
  }
}

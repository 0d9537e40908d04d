// One Shapes training run from files: load the tokenizer (and text encoder), build the source and
// a fresh model (or take the config of the checkpoint being resumed), train, dispose. The CLI
// (`narflow train`) and scripts/train-bundled.ts both call this.
import { NarModel, type NarConfig, type SeedSpec } from '../nar';
import { readNarCheckpoint } from '../nar/checkpoint';
import { defaultSeed, parseSeedSpec, resolveSeed } from '../nar/ordering';
import { loadTextEncoder, type TextEncoder } from '../text';
import { warmupCosine, type LrSchedule } from '../train/schedule';
import { loadTokenizer } from '../vq/io';
import type { Tokenizer } from '../vq/tokenizer';
import { BUNDLED_SIZE, shapesModelConfig, shapesSource, type ModelSize, type ShapesKind } from './shapesRecipes';
import { trainNar, type TrainNarResult } from './trainNar';
import { TrainingError, type ProgressHandler } from './types';

export interface ShapesRunOptions {
  kind: ShapesKind;
  steps: number;
  batch: number;
  /** data and initialisation seed */
  seed: number;
  /** checkpoint file written during and at the end of training */
  out: string;
  resume?: string;
  tokenizerFile?: string;
  textEncoderFile?: string;
  /** a code file instead of the Shapes generator */
  codes?: string;
  /** where training grows from, for a new model (default 'corner'; see shapesModelConfig); a resumed model keeps its own */
  seedPosition?: SeedSpec | string;
  size?: ModelSize;
  maxLr?: number;
  minLr?: number;
  warmupSteps?: number;
  /** a whole schedule instead of one warm-up + cosine from maxLr/minLr/warmupSteps */
  lr?: LrSchedule;
  checkpointEvery?: number;
  signal?: AbortSignal;
  onProgress?: ProgressHandler;
  /** told once the model exists (config, parameter count, source) */
  onStart?: (info: { config: NarConfig; parameters: number; source: string; fromStep: number }) => void;
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

export async function trainShapesModel(o: ShapesRunOptions): Promise<ShapesRunResult> {
  const needsTokenizer = !o.codes;
  if (needsTokenizer && !o.tokenizerFile) throw new TrainingError('Shapes training needs a tokenizer file (--tokenizer) or a code file (--codes)');
  if (o.kind === 't2i' && !o.textEncoderFile) throw new TrainingError('text-to-image training needs a text encoder file (--text-encoder)');
  let tokenizer: Tokenizer | undefined;
  let textEncoder: TextEncoder | undefined;
  let model: NarModel | undefined;
  try {
    tokenizer = needsTokenizer ? loadTokenizer(o.tokenizerFile!) : undefined;
    textEncoder = o.kind === 't2i' ? await loadTextEncoder(o.textEncoderFile!) : undefined;
    const source = shapesSource({ kind: o.kind, seed: o.seed, tokenizer, textEncoder, codes: o.codes });
    const resumed = o.resume ? readNarCheckpoint(o.resume).config : null;
    if (o.resume && !resumed) throw new TrainingError(`${o.resume} holds no NAR config; cannot resume from it`);
    const seed = seedOf(o.seedPosition, source.spec.grid);
    if (resumed && o.seedPosition !== undefined && o.kind !== 'raster-c2i') {
      const had = resolveSeed(resumed.grid, defaultSeed(resumed));
      const asked = resolveSeed(resumed.grid, seed);
      if (had.join(',') !== asked.join(',')) throw new TrainingError(`${o.resume} was trained from seed [${had}]; resuming it from [${asked}] is not possible (leave the seed position out, or start a new model)`);
    }
    const config = resumed ?? shapesModelConfig(o.kind, source.spec, o.size ?? BUNDLED_SIZE, seed);
    model = NarModel.random(config, o.seed);
    const parameters = [...model.params.values()].reduce((a, v) => a + v.size, 0);
    o.onStart?.({ config, parameters, source: source.description, fromStep: 0 });
    const maxLr = o.maxLr ?? 1e-3;
    const result = await trainNar({
      model,
      source,
      steps: o.steps,
      batch: o.batch,
      lr: o.lr ?? warmupCosine({ maxLr, minLr: o.minLr ?? maxLr / 10, warmupSteps: o.warmupSteps ?? Math.min(100, Math.ceil(o.steps / 20)), totalSteps: o.steps }),
      seed: o.seed,
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

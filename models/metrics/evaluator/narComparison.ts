// The bundled-model comparison: class-to-image NAR and raster-AR models sampled with the same
// class prompts, seeds and sampling settings on one engine, decoded by one tokenizer and scored by
// compareSamplers (ShapeEval, FID-shapes), plus sampling speed (images/s) at chosen batch sizes
// on each engine asked for. The bench and the tests call this; models are passed in, so it works
// with any weights.
import { generateShapesForLabels } from '../../data/shapes';
import { classOf, classParts } from '../../data/shapesSpec';
import { type ImageBatch, imageBatch } from '../../image/types';
import type { NarModel, NarStepEngine, SeedSpec } from '../../nar';
import { defaultSeed } from '../../nar/ordering';
import { createNarStepEngine, type EngineChoice, type EngineKind } from '../../onnx/engineChoice';
import type { Tokenizer } from '../../vq/tokenizer';
import { nestCodes } from '../../vq/tokenizer';
import type { ImageFeatureExtractor } from '../extractors/types';
import { detectObjects } from '../shapeEval/detect';
import { parseShapesPrompt } from '../shapeEval/prompt';
import { compareSamplers, type ComparisonRow, type SamplerUnderTest } from './comparison';
import type { ImageSource } from './imageSource';

export interface NarContender {
  name: string;
  model: NarModel;
  /** where decoding starts (default: where the model was trained from, config.trainedSeed, else 'corner'; raster-AR models only have 'corner') */
  seedPosition?: SeedSpec;
}

export interface SamplingSettings {
  cfgScale: number;
  temperature: number;
  /** 0 = off */
  topK: number;
  /** 1 = off */
  topP: number;
}

/** The published class-to-image settings: guidance 2.0, plain sampling. */
export const DEFAULT_SAMPLING: SamplingSettings = { cfgScale: 2, temperature: 1, topK: 0, topP: 1 };

export interface SpeedOptions {
  engines: EngineChoice[];
  batches: number[];
  /** images timed per (engine, batch): ceil(minImages / batch) generations after one warm-up */
  minImages: number;
}

export interface NarComparisonOptions {
  contenders: NarContender[];
  tokenizer: Tokenizer;
  extractor: ImageFeatureExtractor;
  extractorFingerprint: string;
  reference: ImageSource;
  /** class ids to prompt (default: every class of the first model) */
  classes?: number[];
  perClass: number;
  sampling: SamplingSettings;
  seed: number;
  /** engine of the quality run */
  engine: EngineChoice;
  /** images per generate call in the quality run */
  sampleBatch: number;
  speed?: SpeedOptions;
  /** also score fresh Shapes generator images of the same classes (what a perfect model gives at this N) */
  dataRow?: boolean;
  /** reference-statistics cache folder */
  cacheDir?: string;
  /** compiled ONNX graph cache folder (default: the engine's own) */
  onnxCacheDir?: string;
  onImages?(sampler: string, images: ImageBatch): void;
  onProgress?(message: string): void;
  now?: () => number;
}

export interface NarComparisonRow extends ComparisonRow {
  /** 'data': the Shapes generator itself, for calibration (no engine, ordering or passes) */
  kind: 'model' | 'data';
  engine?: EngineKind;
  ordering?: string;
  seedPosition?: string;
  passes?: number;
  /** how evenly the detected objects spread over the 3×3 layout (see layoutSpread) */
  layoutSpread: number;
}

export interface SpeedRow {
  sampler: string;
  engine: EngineKind;
  batch: number;
  passes: number;
  images: number;
  seconds: number;
  imagesPerSecond: number;
}

export interface NarComparisonResult {
  rows: NarComparisonRow[];
  speed: SpeedRow[];
  prompts: string[];
  referenceCount: number;
  /** why an 'auto' engine fell back to tfjs, when it did */
  notes: string[];
}

/** A class label as a ShapeEval prompt: "a red circle" (any position, one object). */
export function classPrompt(label: number): string {
  const { shape, color } = classParts(label);
  return `a ${color} ${shape}`;
}

/** perClass prompts per class, class by class. */
export function classPrompts(classes: number[], perClass: number): string[] {
  if (!Number.isInteger(perClass) || perClass < 1) throw new Error(`samples per class must be a positive integer, got ${perClass}`);
  return classes.flatMap((c) => Array<string>(perClass).fill(classPrompt(c)));
}

/** The class a single-object prompt names ("a red circle ..." → its class id). */
export function classOfPrompt(prompt: string): number {
  const p = parseShapesPrompt(prompt);
  if (p.objects.length !== 1 || p.count !== undefined) throw new Error(`a class prompt names one object, e.g. "a red circle"; got '${prompt}'`);
  return classOf(p.objects[0].shape, p.objects[0].color);
}

/**
 * Normalised entropy of the 3×3 layout cells of all detected objects: 1 when they spread evenly
 * (as the training data's objects do), 0 when they always sit in one cell; NaN when none is found.
 * Class prompts say nothing about position, so this is how a class-to-image table shows it.
 */
export function layoutSpread(images: ImageBatch): number {
  const cells = new Array<number>(9).fill(0);
  for (let i = 0; i < images.batch; i++) for (const d of detectObjects(images, i)) cells[d.row * 3 + d.col]++;
  const total = cells.reduce((a, b) => a + b, 0);
  if (!total) return NaN;
  const entropy = cells.reduce((h, c) => (c ? h - (c / total) * Math.log(c / total) : h), 0);
  return entropy / Math.log(9);
}

/** The Shapes generator as a sampler: fresh images of the prompts' classes. */
export function shapesDataSampler(size: number): SamplerUnderTest {
  return { name: 'Shapes data (fresh images)', sample: async (prompts, seed) => generateShapesForLabels(prompts.map(classOfPrompt), seed + 1, { size }).images };
}

interface OpenEngine {
  engine: NarStepEngine;
  kind: EngineKind;
  note?: string;
  release(): Promise<void>;
}

async function openEngine(model: NarModel, choice: EngineChoice, onnxCacheDir?: string): Promise<OpenEngine> {
  const chosen = await createNarStepEngine({ choice, stateDict: model.toStateDict(), config: model.config, tfjs: () => model.createEngine(), ort: onnxCacheDir ? { cacheDir: onnxCacheDir } : {} });
  const rel = (chosen.engine as { release?: () => Promise<void> }).release;
  return { ...chosen, release: async () => (rel ? rel.call(chosen.engine) : chosen.engine.dispose()) };
}

function checkContender(c: NarContender): void {
  const cfg = c.model.config;
  if (cfg.condition.kind !== 'class') throw new Error(`${c.name}: the comparison samples class-to-image models, this one is ${cfg.condition.kind}-conditioned`);
  if (cfg.grid.length !== 2) throw new Error(`${c.name}: the comparison samples images ([h, w] grids), this model's grid is [${cfg.grid.join(', ')}]`);
}

/** A sampler over one model and engine: class prompts → token grids (in chunks, seed + chunk) → tokenizer images. */
export function narClassSampler(c: NarContender, engine: NarStepEngine, tokenizer: Tokenizer, sampling: SamplingSettings, batch: number): SamplerUnderTest {
  checkContender(c);
  const [h, w] = c.model.config.grid;
  const numClasses = (c.model.config.condition as { numClasses: number }).numClasses;
  if (tokenizer.codebookSize < c.model.config.vocabSize) throw new Error(`${c.name} samples ${c.model.config.vocabSize} codes but the tokenizer has ${tokenizer.codebookSize}`);
  return {
    name: c.name,
    async sample(prompts, seed) {
      const ids = prompts.map(classOfPrompt);
      const bad = ids.filter((i) => i >= numClasses);
      if (bad.length) throw new Error(`${c.name} has ${numClasses} classes; prompts ask for classes ${[...new Set(bad)].join(', ')}`);
      let out: ImageBatch | undefined;
      for (let start = 0, chunk = 0; start < ids.length; start += batch, chunk++) {
        const classIds = ids.slice(start, start + batch);
        const grids = await c.model.generate({ cond: { kind: 'class', classIds }, seedPosition: c.seedPosition, ...sampling, seed: seed + chunk, engine });
        const images = tokenizer.decode(nestCodes(grids.flat(), classIds.length, h, w));
        out ??= imageBatch(ids.length, images.height, images.width);
        out.data.set(images.data, start * images.height * images.width * 3);
      }
      return out ?? imageBatch(0, h * tokenizer.downsample, w * tokenizer.downsample);
    },
  };
}

/** Images/s of one model on one engine at one batch size (tokens only, no decoding), after a warm-up. */
export async function samplingSpeed(c: NarContender, open: OpenEngine, sampling: SamplingSettings, batch: number, minImages: number, now: () => number): Promise<SpeedRow> {
  checkContender(c);
  const numClasses = (c.model.config.condition as { numClasses: number }).numClasses;
  const classIds = Array.from({ length: batch }, (_, i) => i % numClasses);
  const once = (seed: number) => c.model.generate({ cond: { kind: 'class', classIds }, seedPosition: c.seedPosition, ...sampling, seed, engine: open.engine });
  await once(0);
  const reps = Math.max(1, Math.ceil(minImages / batch));
  const t0 = now();
  for (let r = 0; r < reps; r++) await once(r + 1);
  const seconds = (now() - t0) / 1000;
  const images = reps * batch;
  return { sampler: c.name, engine: open.kind, batch, passes: c.model.passes(c.seedPosition), images, seconds, imagesPerSecond: seconds > 0 ? images / seconds : Infinity };
}

export async function compareNarModels(o: NarComparisonOptions): Promise<NarComparisonResult> {
  if (!o.contenders.length) throw new Error('compareNarModels: no models to compare');
  o.contenders.forEach(checkContender);
  const now = o.now ?? (() => performance.now());
  const first = o.contenders[0].model.config.condition as { numClasses: number };
  const classes = o.classes ?? Array.from({ length: first.numClasses }, (_, i) => i);
  const prompts = classPrompts(classes, o.perClass);
  const notes: string[] = [];
  const opened: OpenEngine[] = [];
  try {
    for (const c of o.contenders) {
      const e = await openEngine(c.model, o.engine, o.onnxCacheDir);
      opened.push(e);
      if (e.note) notes.push(`${c.name}: engine '${o.engine}' uses tfjs (${e.note})`);
    }
    const samplers = o.contenders.map((c, i) => narClassSampler(c, opened[i].engine, o.tokenizer, o.sampling, o.sampleBatch));
    if (o.dataRow) samplers.push(shapesDataSampler(o.contenders[0].model.config.grid[1] * o.tokenizer.downsample));
    const spreads = new Map<string, number>();
    const rows = await compareSamplers({
      samplers,
      prompts,
      reference: o.reference,
      extractor: o.extractor,
      extractorFingerprint: o.extractorFingerprint,
      seed: o.seed,
      cacheDir: o.cacheDir,
      now,
      onImages: (name, images) => {
        spreads.set(name, layoutSpread(images));
        o.onImages?.(name, images);
      },
      onProgress: (s, phase) => o.onProgress?.(`${s}: ${phase} ${prompts.length} images`),
    });
    const withModel = rows.map((r, i): NarComparisonRow => {
      const c = o.contenders[i];
      const layout = spreads.get(r.sampler) ?? NaN;
      if (!c) return { ...r, kind: 'data', layoutSpread: layout };
      const seedPosition = c.seedPosition ?? defaultSeed(c.model.config);
      const seedText = JSON.stringify(seedPosition).replace(/"/g, '');
      return { ...r, kind: 'model', engine: opened[i].kind, ordering: c.model.config.ordering, seedPosition: seedText, passes: c.model.passes(seedPosition), layoutSpread: layout };
    });
    const speed: SpeedRow[] = [];
    for (const choice of o.speed?.engines ?? []) {
      for (const c of o.contenders) {
        const e = choice === o.engine ? opened[o.contenders.indexOf(c)] : await openEngine(c.model, choice, o.onnxCacheDir);
        try {
          for (const b of o.speed!.batches) {
            o.onProgress?.(`${c.name}: speed on ${e.kind}, batch ${b}`);
            speed.push(await samplingSpeed(c, e, o.sampling, b, o.speed!.minImages, now));
          }
        } finally {
          if (choice !== o.engine) await e.release();
        }
      }
    }
    return { rows: withModel, speed, prompts, referenceCount: o.reference.count, notes };
  } finally {
    for (const e of opened) await e.release();
  }
}

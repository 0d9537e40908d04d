// One evaluation run: features of a reference set (cached on disk) and of a generated set
// through one extractor, then FID, IS, k-NN precision/recall and ShapeEval, with progress.
import * as path from 'path';
import { frechetDistance } from '../frechet/frechetDistance';
import { Extracted, ImageFeatureExtractor, concatExtracted, domainNote } from '../extractors/types';
import { inceptionScore } from '../scores/inceptionScore';
import { precisionRecall } from '../scores/precisionRecall';
import { ShapesPrompt, parseShapesPrompt } from '../shapeEval/prompt';
import { ImageScore, ShapeEvalSummary, scoreImage, summarize } from '../shapeEval/score';
import { ImageSource } from './imageSource';
import { ReferenceEntry, cacheKey, readCached, statsOf, writeCached } from './referenceCache';

export interface EvaluateOptions {
  extractor: ImageFeatureExtractor;
  /** a fingerprint of the extractor's weights (file path + size + mtime), part of the cache key */
  extractorFingerprint: string;
  reference?: ImageSource;
  generated: ImageSource;
  /** folder for cached reference features; no caching when absent */
  cacheDir?: string;
  batchSize?: number;
  isSplits?: number;
  k?: number;
  /** ShapeEval prompts, one per generated image (or one for all); default: the source's own prompts if any */
  prompts?: string[];
  shapeEval?: boolean;
  onProgress?(done: number, total: number, phase: string): void;
  signal?: AbortSignal;
}

export interface EvaluationReport {
  extractor: string;
  domain: string;
  note: string;
  generatedCount: number;
  referenceCount?: number;
  referenceFromCache?: boolean;
  fid?: number;
  fidUsedEpsilon?: boolean;
  inceptionScore?: { mean: number; std: number; splits: number };
  precision?: number;
  recall?: number;
  k?: number;
  shapeEval?: ShapeEvalSummary;
  /** scores left out because the sets are too small for them, each saying why and what to change */
  notes?: string[];
}

/** What a left-out score's note and table row are labelled. */
type LeftOut = { metric: string; note: string };

/** FID compares two Gaussians: each side needs at least two images for a covariance. */
export function checkFidCounts(generated: number, reference: number, what = 'images', label = 'FID'): void {
  if (generated < 2 || reference < 2) {
    throw new Error(
      `${label} needs at least 2 generated and 2 reference ${what} (it compares their means and covariances), got ${generated} generated and ${reference} reference: ` +
        `give at least 2 ${what} on each side`,
    );
  }
}

/** Splits for IS, or why it is left out: a split of one image always scores exactly 1. */
function isPlan(count: number, splits: number): { splits: number } | { note: string } {
  if (Math.floor(count / splits) >= 2) return { splits };
  return {
    note: `left out: ${count} generated image(s) over is_splits = ${splits} leaves fewer than 2 images per split (a split of one image always scores exactly 1): give at least ${2 * splits} images or lower is_splits`,
  };
}

async function extractSource(
  source: ImageSource,
  extractor: ImageFeatureExtractor,
  batchSize: number,
  phase: string,
  o: Pick<EvaluateOptions, 'onProgress' | 'signal'>,
  perBatch?: (images: Awaited<ReturnType<ImageSource['batch']>>, start: number) => void,
): Promise<Extracted> {
  const parts: Extracted[] = [];
  for (let start = 0; start < source.count; start += batchSize) {
    if (o.signal?.aborted) throw new Error(`evaluation cancelled during ${phase}`);
    const images = await source.batch(start, Math.min(batchSize, source.count - start));
    parts.push(await extractor.extractImages(images));
    perBatch?.(images, start);
    o.onProgress?.(Math.min(start + batchSize, source.count), source.count, phase);
  }
  return concatExtracted(parts, extractor.featureDim, extractor.classes);
}

export async function referenceFeatures(o: EvaluateOptions & { reference: ImageSource }): Promise<ReferenceEntry> {
  const meta = { extractor: o.extractor.name, weights: o.extractorFingerprint, source: o.reference.describe() };
  const dir = o.cacheDir ? path.join(o.cacheDir, cacheKey(meta)) : undefined;
  const cached = dir ? readCached(dir, meta) : null;
  if (cached) {
    o.onProgress?.(o.reference.count, o.reference.count, 'reference (cached)');
    return cached;
  }
  const extracted = await extractSource(o.reference, o.extractor, o.batchSize ?? 64, 'reference', o);
  const stats = statsOf(extracted, o.extractor.featureDim);
  if (dir) writeCached(dir, meta, extracted, stats, o.extractor.classes);
  return { extracted, stats, fromCache: false };
}

function promptsFor(o: EvaluateOptions): ShapesPrompt[] | undefined {
  const texts = o.prompts && o.prompts.length ? o.prompts : o.generated.prompts?.();
  if (!texts) return undefined;
  const n = o.generated.count;
  if (texts.length !== 1 && texts.length !== n) throw new Error(`ShapeEval: ${n} generated images but ${texts.length} prompts (give one per image, or one for all)`);
  const parsed = texts.map(parseShapesPrompt);
  return Array.from({ length: n }, (_, i) => parsed[texts.length === 1 ? 0 : i]);
}

export async function evaluate(o: EvaluateOptions): Promise<EvaluationReport> {
  const report: EvaluationReport = {
    extractor: o.extractor.name,
    domain: o.extractor.domain,
    note: domainNote(o.extractor.domain),
    generatedCount: o.generated.count,
  };
  if (o.reference) checkFidCounts(o.generated.count, o.reference.count, 'images', o.extractor.domain === 'shapes' ? 'FID-shapes' : 'FID');
  const prompts = o.shapeEval === false ? undefined : promptsFor(o);
  const scores: ImageScore[] = [];
  const generated = await extractSource(o.generated, o.extractor, o.batchSize ?? 64, 'generated', o, (images, start) => {
    if (prompts) for (let i = 0; i < images.batch; i++) scores.push(scoreImage(images, i, prompts[start + i]));
  });
  if (prompts) report.shapeEval = summarize(scores);
  const leftOut: LeftOut[] = [];
  if (generated.logits && o.extractor.classes > 0) {
    const plan = isPlan(generated.count, o.isSplits ?? 10);
    if ('splits' in plan) report.inceptionScore = inceptionScore(generated.logits, generated.count, o.extractor.classes, plan.splits);
    else leftOut.push({ metric: isLabel(o.extractor.domain), note: plan.note });
  }
  if (o.reference) {
    const ref = await referenceFeatures({ ...o, reference: o.reference });
    report.referenceCount = ref.extracted.count;
    report.referenceFromCache = ref.fromCache;
    const fd = frechetDistance(ref.stats, statsOf(generated, o.extractor.featureDim));
    report.fid = fd.fid;
    report.fidUsedEpsilon = fd.usedEpsilon;
    const k = o.k ?? 3;
    if (ref.extracted.count > k && generated.count > k) {
      const dim = o.extractor.featureDim;
      const pr = precisionRecall({ count: ref.extracted.count, dim, data: ref.extracted.features }, { count: generated.count, dim, data: generated.features }, k);
      report.precision = pr.precision;
      report.recall = pr.recall;
      report.k = k;
    } else {
      const note = `left out: k-NN precision/recall need more than k = ${k} images on each side, got ${ref.extracted.count} reference and ${generated.count} generated: give more images or lower k`;
      leftOut.push({ metric: 'precision / recall', note });
    }
  }
  if (leftOut.length) report.notes = leftOut.map((l) => `${l.metric} ${l.note}`);
  return report;
}

function isLabel(domain: string): string {
  return domain === 'shapes' ? 'IS-shapes' : 'IS';
}

/** The report as table rows (metric, value, note) for the node UI and the CLI. */
export function reportTable(r: EvaluationReport): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  const label = r.domain === 'shapes' ? 'FID-shapes' : r.domain === 'kinetics-i3d' ? 'FVD' : 'FID';
  if (r.fid !== undefined) rows.push({ metric: label, value: r.fid, note: `${r.referenceCount} reference vs ${r.generatedCount} generated; ${r.note}` });
  if (r.inceptionScore) rows.push({ metric: isLabel(r.domain), value: r.inceptionScore.mean, note: `± ${r.inceptionScore.std.toFixed(4)} over ${r.inceptionScore.splits} splits` });
  if (r.precision !== undefined) rows.push({ metric: 'precision', value: r.precision, note: `k-NN, k=${r.k}` });
  if (r.recall !== undefined) rows.push({ metric: 'recall', value: r.recall, note: `k-NN, k=${r.k}` });
  if (r.shapeEval) {
    const s = r.shapeEval;
    for (const key of ['overall', 'color', 'shape', 'position', 'count'] as const) rows.push({ metric: `ShapeEval ${key}`, value: s[key], note: `${s.images} images` });
  }
  for (const n of r.notes ?? []) rows.push({ metric: 'not scored', value: null, note: n });
  return rows;
}

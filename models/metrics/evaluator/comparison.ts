// Side-by-side comparison of image samplers on the Shapes domain (e.g. the bundled NAR model vs
// a raster-order AR model): ShapeEval, FID-shapes and images/s, from one run. The samplers are
// callbacks so that any model can be plugged in.
import { ImageBatch } from '../../image/types';
import { ImageFeatureExtractor } from '../extractors/types';
import { memorySource, ImageSource } from './imageSource';
import { evaluate } from './evaluate';

export interface SamplerUnderTest {
  name: string;
  /** Generates images for the prompts (one per prompt) with the given seed. */
  sample(prompts: string[], seed: number): Promise<ImageBatch>;
}

export interface ComparisonRow {
  sampler: string;
  images: number;
  seconds: number;
  imagesPerSecond: number;
  fidShapes: number;
  shapeEvalOverall: number;
  shapeEvalColor: number;
  shapeEvalShape: number;
  shapeEvalPosition: number;
  shapeEvalCount: number;
}

export interface ComparisonOptions {
  samplers: SamplerUnderTest[];
  prompts: string[];
  reference: ImageSource;
  extractor: ImageFeatureExtractor;
  extractorFingerprint: string;
  seed: number;
  cacheDir?: string;
  /** clock in milliseconds (injected so that tests are deterministic) */
  now?: () => number;
  onProgress?(sampler: string, phase: string): void;
  /** sees each sampler's images (e.g. to save or check them) before they are evaluated */
  onImages?(sampler: string, images: ImageBatch): void;
}

export async function compareSamplers(o: ComparisonOptions): Promise<ComparisonRow[]> {
  const now = o.now ?? (() => performance.now());
  const rows: ComparisonRow[] = [];
  for (const s of o.samplers) {
    o.onProgress?.(s.name, 'sampling');
    const t0 = now();
    const images = await s.sample(o.prompts, o.seed);
    const seconds = (now() - t0) / 1000;
    if (images.batch !== o.prompts.length) throw new Error(`sampler ${s.name} returned ${images.batch} images for ${o.prompts.length} prompts`);
    o.onImages?.(s.name, images);
    o.onProgress?.(s.name, 'evaluating');
    const r = await evaluate({
      extractor: o.extractor,
      extractorFingerprint: o.extractorFingerprint,
      reference: o.reference,
      generated: memorySource(images),
      prompts: o.prompts,
      cacheDir: o.cacheDir,
    });
    const se = r.shapeEval!;
    rows.push({
      sampler: s.name,
      images: images.batch,
      seconds,
      imagesPerSecond: seconds > 0 ? images.batch / seconds : Infinity,
      fidShapes: r.fid ?? NaN,
      shapeEvalOverall: se.overall,
      shapeEvalColor: se.color,
      shapeEvalShape: se.shape,
      shapeEvalPosition: se.position,
      shapeEvalCount: se.count,
    });
  }
  return rows;
}

/** Markdown table of comparison rows, headed by the date of the run. */
export function comparisonMarkdown(rows: ComparisonRow[], date: Date): string {
  const f = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : String(v));
  const lines = [
    `Shapes comparison, ${date.toISOString().slice(0, 10)} (FID-shapes: built-in Shapes features, not comparable with ImageNet FID)`,
    '',
    '| sampler | images | images/s | FID-shapes | ShapeEval overall | colour | shape | position | count |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(`| ${r.sampler} | ${r.images} | ${f(r.imagesPerSecond, 2)} | ${f(r.fidShapes, 2)} | ${f(r.shapeEvalOverall)} | ${f(r.shapeEvalColor)} | ${f(r.shapeEvalShape)} | ${f(r.shapeEvalPosition)} | ${f(r.shapeEvalCount)} |`);
  }
  return lines.join('\n');
}

// The bundled-model comparison as one Markdown table: a row per model with its ordering, forward
// passes, ShapeEval, FID-shapes and images/s per (engine, batch), headed by the date, the machine
// and the settings, so that a pasted table says how it was made.
import type { NarComparisonResult, SamplingSettings } from './narComparison';

export interface ComparisonSetting {
  date: Date;
  /** e.g. "2 × Intel Xeon …, wasm SIMD + onnxruntime-node CPU" */
  machine: string;
  sampling: SamplingSettings;
  seed: number;
  perClass: number;
  classes: number;
  referenceDescription: string;
}

const fmt = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');

function speedColumns(r: NarComparisonResult): { key: string; label: string }[] {
  const seen = new Map<string, string>();
  for (const s of r.speed) seen.set(`${s.engine}:${s.batch}`, `img/s ${s.engine} b${s.batch}`);
  return [...seen].map(([key, label]) => ({ key, label }));
}

export function narComparisonMarkdown(r: NarComparisonResult, s: ComparisonSetting): string {
  const cols = speedColumns(r);
  const header = ['model', 'order', 'passes', 'ShapeEval overall', 'colour', 'shape', 'count', 'position', 'layout spread', 'FID-shapes', ...cols.map((c) => c.label)];
  const lines = [
    `Shapes class-to-image comparison, ${s.date.toISOString().slice(0, 10)}, ${s.machine}`,
    '',
    `${s.classes} classes × ${s.perClass} samples = ${r.prompts.length} images per model (sampling seed ${s.seed}, same prompts and seeds for every model); ` +
      `cfg ${s.sampling.cfgScale}, temperature ${s.sampling.temperature}, top-k ${s.sampling.topK || 'off'}, top-p ${s.sampling.topP < 1 ? s.sampling.topP : 'off'}. ` +
      `FID-shapes: ${r.referenceCount} reference images (${s.referenceDescription}) through the built-in Shapes classifier — NOT comparable with ImageNet FID. ` +
      `ShapeEval on class prompts ("a red circle"): position is n/a, a class says nothing about where; ` +
      `layout spread: entropy of the detected objects' 3×3 cells over log 9 (1 = spread evenly, as in the data). ` +
      `img/s: sampling tokens only (no decoding), after a warm-up.`,
    '',
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
  ];
  for (const row of r.rows) {
    const speed = cols.map((c) => {
      const m = r.speed.find((x) => x.sampler === row.sampler && `${x.engine}:${x.batch}` === c.key);
      return m ? fmt(m.imagesPerSecond, 1) : '—';
    });
    const order = row.kind === 'data' ? 'generator' : row.ordering === 'raster' ? 'raster' : `NAR from ${row.seedPosition}`;
    const passes = row.passes === undefined ? '—' : String(row.passes);
    const scores = [row.shapeEvalOverall, row.shapeEvalColor, row.shapeEvalShape, row.shapeEvalCount, row.shapeEvalPosition, row.layoutSpread].map((v) => fmt(v, 3));
    const cells = [row.sampler, order, passes, ...scores, fmt(row.fidShapes, 2), ...speed];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  if (r.notes.length) lines.push('', ...r.notes.map((n) => `Note: ${n}`));
  return lines.join('\n');
}

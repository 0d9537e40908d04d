// The live loss plot drawn inside trainer nodes: loss against step, with the latest values.
// `plotPath` is pure (tested); `drawLossPlot` paints it on a canvas context.
import type { MetricPoint } from '../execution/runState';

export interface PlotRect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface PlotGeometry {
  /** Polyline in canvas coordinates, one point per drawn sample. */
  points: [number, number][];
  minLoss: number;
  maxLoss: number;
}

/** Keeps at most `maxPoints` samples, taking the extremes of each bucket so spikes stay visible. */
export function downsample(points: MetricPoint[], maxPoints: number): MetricPoint[] {
  if (points.length <= maxPoints) return points;
  const buckets = Math.max(1, Math.floor(maxPoints / 2));
  const size = points.length / buckets;
  const out: MetricPoint[] = [];
  for (let b = 0; b < buckets; b++) {
    const slice = points.slice(Math.floor(b * size), Math.floor((b + 1) * size));
    if (!slice.length) continue;
    let lo = slice[0];
    let hi = slice[0];
    for (const p of slice) {
      if (p.loss < lo.loss) lo = p;
      if (p.loss > hi.loss) hi = p;
    }
    out.push(...(lo.step <= hi.step ? [lo, hi] : [hi, lo]));
  }
  return out;
}

/** Maps metric points into `rect`: x by step (first → left edge, last → right), y by loss (max at the top). */
export function plotPath(points: MetricPoint[], rect: PlotRect, maxPoints = 400): PlotGeometry {
  if (!points.length) return { points: [], minLoss: 0, maxLoss: 0 };
  const shown = downsample(points, maxPoints);
  let minLoss = Infinity;
  let maxLoss = -Infinity;
  for (const p of shown) {
    minLoss = Math.min(minLoss, p.loss);
    maxLoss = Math.max(maxLoss, p.loss);
  }
  const first = shown[0].step;
  const spanStep = Math.max(shown[shown.length - 1].step - first, 1e-9);
  const spanLoss = maxLoss - minLoss || 1;
  const path = shown.map((p): [number, number] => [
    rect.x + ((p.step - first) / spanStep) * rect.w,
    rect.y + rect.h - ((p.loss - minLoss) / spanLoss) * rect.h,
  ]);
  if (shown.length === 1) path[0][1] = rect.y + rect.h / 2;
  return { points: path, minLoss, maxLoss };
}

function formatNumber(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1000 || a < 0.001 ? v.toExponential(2) : v.toPrecision(4);
}

/** Paints the plot and a caption line ("loss 0.123  lr 1e-3  step 40"). */
export function drawLossPlot(ctx: CanvasRenderingContext2D, rect: PlotRect, points: MetricPoint[], extra: Record<string, unknown> | null): void {
  ctx.save();
  ctx.fillStyle = '#15181d';
  ctx.strokeStyle = '#2c323b';
  ctx.lineWidth = 1;
  ctx.fillRect(rect.x, rect.y, rect.w, rect.h);
  ctx.strokeRect(rect.x + 0.5, rect.y + 0.5, rect.w - 1, rect.h - 1);
  const inner: PlotRect = { x: rect.x + 6, y: rect.y + 20, w: rect.w - 12, h: rect.h - 26 };
  const geo = plotPath(points, inner);
  if (geo.points.length) {
    ctx.strokeStyle = '#5fb3f9';
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    geo.points.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
    ctx.stroke();
  }
  const last = points[points.length - 1];
  ctx.font = '10px sans-serif';
  ctx.fillStyle = '#9aa4b2';
  ctx.textAlign = 'left';
  const parts = last ? [`loss ${formatNumber(last.loss)}`] : ['loss —'];
  if (last?.lr !== undefined) parts.push(`lr ${formatNumber(last.lr)}`);
  const rate = extra?.samples_per_s ?? extra?.samplesPerSec;
  if (typeof rate === 'number') parts.push(`${rate.toFixed(1)}/s`);
  if (last) parts.push(`step ${last.step}`);
  ctx.fillText(parts.join('  '), rect.x + 6, rect.y + 11);
  if (geo.points.length > 1) {
    ctx.textAlign = 'right';
    ctx.fillStyle = '#6e7781';
    ctx.fillText(formatNumber(geo.maxLoss), rect.x + rect.w - 4, inner.y + 8);
    ctx.fillText(formatNumber(geo.minLoss), rect.x + rect.w - 4, rect.y + rect.h - 4);
  }
  ctx.restore();
}

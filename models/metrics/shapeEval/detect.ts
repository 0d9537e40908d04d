// Finds Shapes objects in an RGB image: every pixel is explained as a blend of the background and
// one palette colour (coverage α along the background→colour line; the colour with the smallest
// residual wins), pixels of one colour with α ≥ 0.25 are joined into 8-connected components, and
// each component's shape is read from its fill ratio: area / (width × height), where area = Σα,
// width = Σ over columns of the largest α in the column (and height likewise). An axis-aligned
// square fills ≈ 1, a circle π/4 ≈ 0.79, the upright triangle ≈ 0.5.
import { ImageBatch } from '../../image/types';
import { BACKGROUND, COLORS, COLOR_NAMES, ColorName, ShapeName } from '../../data/shapesSpec';

export interface DetectedObject {
  color: ColorName;
  shape: ShapeName;
  /** α-weighted area in pixels */
  area: number;
  fill: number;
  /** skewness of the vertical mass distribution (upright triangle ≈ −0.57, circle and square 0) */
  skew: number;
  /** centroid in pixels */
  cx: number;
  cy: number;
  /** 3×3 layout cell */
  row: number;
  col: number;
}

export interface DetectOptions {
  /** minimum coverage for a pixel to belong to an object (default 0.25) */
  minCoverage?: number;
  /** largest distance (0..255 units) between a pixel and its blend model (default 60) */
  maxResidual?: number;
  /** smallest object, as a fraction of the image area (default 0.004) */
  minAreaFraction?: number;
  /** fill-ratio thresholds: ≥ square → square, ≥ circle → circle, else triangle */
  squareFill?: number;
  circleFill?: number;
  /** vertical skewness below which an object is a triangle whatever its fill (default −0.3) */
  triangleSkew?: number;
}

const BG = BACKGROUND;

/** Per-pixel colour index (−1 = background or unexplained) and coverage. */
function classifyPixels(img: ImageBatch, index: number, minCoverage: number, maxResidual: number): { label: Int8Array; alpha: Float32Array } {
  const n = img.height * img.width;
  const label = new Int8Array(n).fill(-1);
  const alpha = new Float32Array(n);
  const off = index * n * 3;
  const dirs = COLOR_NAMES.map((c) => COLORS[c].map((v, k) => v - BG[k]));
  const norms = dirs.map((d) => d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
  for (let p = 0; p < n; p++) {
    const r = img.data[off + p * 3] * 255 - BG[0];
    const g = img.data[off + p * 3 + 1] * 255 - BG[1];
    const b = img.data[off + p * 3 + 2] * 255 - BG[2];
    let best = -1;
    let bestRes = maxResidual * maxResidual;
    let bestAlpha = 0;
    for (let c = 0; c < dirs.length; c++) {
      const d = dirs[c];
      const a = Math.min(1, Math.max(0, (r * d[0] + g * d[1] + b * d[2]) / norms[c]));
      const er = r - a * d[0], eg = g - a * d[1], eb = b - a * d[2];
      const res = er * er + eg * eg + eb * eb;
      if (a >= minCoverage && res < bestRes) {
        bestRes = res;
        best = c;
        bestAlpha = a;
      }
    }
    label[p] = best;
    alpha[p] = best >= 0 ? bestAlpha : 0;
  }
  return { label, alpha };
}

/** Objects in image `index` of the batch, largest first. */
export function detectObjects(img: ImageBatch, index = 0, options: DetectOptions = {}): DetectedObject[] {
  const { minCoverage = 0.25, maxResidual = 60, minAreaFraction = 0.004, squareFill = 0.9, circleFill = 0.64, triangleSkew = -0.3 } = options;
  if (index < 0 || index >= img.batch) throw new Error(`detectObjects: image index ${index} out of range for a batch of ${img.batch}`);
  const { width: W, height: H } = img;
  const { label, alpha } = classifyPixels(img, index, minCoverage, maxResidual);
  const seen = new Uint8Array(W * H);
  const objects: DetectedObject[] = [];
  const stack: number[] = [];
  for (let start = 0; start < W * H; start++) {
    if (seen[start] || label[start] < 0) continue;
    const c = label[start];
    const colMax = new Map<number, number>();
    const rowMax = new Map<number, number>();
    let area = 0, sx = 0, sy = 0;
    const members: number[] = [];
    stack.push(start);
    seen[start] = 1;
    while (stack.length) {
      const p = stack.pop() as number;
      members.push(p);
      const x = p % W, y = (p - x) / W, a = alpha[p];
      area += a;
      sx += a * (x + 0.5);
      sy += a * (y + 0.5);
      colMax.set(x, Math.max(colMax.get(x) ?? 0, a));
      rowMax.set(y, Math.max(rowMax.get(y) ?? 0, a));
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx, ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= W || ny >= H) continue;
          const q = ny * W + nx;
          if (!seen[q] && label[q] === c) {
            seen[q] = 1;
            stack.push(q);
          }
        }
      }
    }
    if (area < minAreaFraction * W * H || area < 2) continue;
    let width = 0, height = 0;
    for (const v of colMax.values()) width += v;
    for (const v of rowMax.values()) height += v;
    const fill = area / (width * height);
    const cx = sx / area, cy = sy / area;
    let m2 = 0, m3 = 0;
    for (const p of members) {
      const dy = Math.floor(p / W) + 0.5 - cy;
      m2 += alpha[p] * dy * dy;
      m3 += alpha[p] * dy * dy * dy;
    }
    m2 /= area;
    m3 /= area;
    const skew = m2 > 0 ? m3 / Math.pow(m2, 1.5) : 0;
    objects.push({
      color: COLOR_NAMES[c],
      shape: skew < triangleSkew || fill < circleFill ? 'triangle' : fill >= squareFill ? 'square' : 'circle',
      area,
      fill,
      skew,
      cx,
      cy,
      row: Math.min(2, Math.floor((cy / H) * 3)),
      col: Math.min(2, Math.floor((cx / W) * 3)),
    });
  }
  return objects.sort((a, b) => b.area - a.area);
}

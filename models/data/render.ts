// Rasterises Shapes objects into RGB floats. Anti-aliasing is a fixed supersampling grid
// (no randomness), so the same objects always give the same bytes.
import { BACKGROUND, COLORS, type ColorName, type ShapeName } from './shapesSpec';

/** An object placed in continuous image coordinates (pixels, origin top-left). */
export interface PlacedShape {
  shape: ShapeName;
  color: ColorName;
  /** centre, in pixels */
  cx: number;
  cy: number;
  /** half extent, in pixels */
  radius: number;
}

/** Is the point (x, y) inside the shape? Coordinates in pixels. */
export function insideShape(s: PlacedShape, x: number, y: number): boolean {
  const dx = x - s.cx;
  const dy = y - s.cy;
  const r = s.radius;
  switch (s.shape) {
    case 'circle':
      return dx * dx + dy * dy <= r * r;
    case 'square': {
      const h = r * 0.85; // about the area of the circle of radius r
      return Math.abs(dx) <= h && Math.abs(dy) <= h;
    }
    case 'triangle': {
      // upright isosceles triangle: apex at (0, -r), base from (-r, 0.8r) to (r, 0.8r)
      const top = -r;
      const base = 0.8 * r;
      if (dy < top || dy > base) return false;
      const halfWidth = (r * (dy - top)) / (base - top);
      return Math.abs(dx) <= halfWidth;
    }
  }
}

/**
 * Renders objects (later ones drawn over earlier ones) into `out` at `offset`, layout [H, W, 3],
 * values in [0, 1]. `antialias` = samples per pixel side (1 = hard edges).
 */
export function renderShapes(objects: PlacedShape[], size: number, antialias: number, out: Float32Array, offset = 0): void {
  if (!Number.isInteger(antialias) || antialias < 1) throw new Error(`antialias must be an integer >= 1, got ${antialias}`);
  const bg = BACKGROUND.map((v) => v / 255);
  const cols = objects.map((o) => COLORS[o.color].map((v) => v / 255));
  const n = antialias * antialias;
  const rgb = [0, 0, 0];
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      rgb[0] = rgb[1] = rgb[2] = 0;
      for (let sy = 0; sy < antialias; sy++) {
        const y = py + (sy + 0.5) / antialias;
        for (let sx = 0; sx < antialias; sx++) {
          const x = px + (sx + 0.5) / antialias;
          let c = bg;
          for (let k = objects.length - 1; k >= 0; k--) {
            if (insideShape(objects[k], x, y)) {
              c = cols[k];
              break;
            }
          }
          rgb[0] += c[0];
          rgb[1] += c[1];
          rgb[2] += c[2];
        }
      }
      const o = offset + (py * size + px) * 3;
      out[o] = rgb[0] / n;
      out[o + 1] = rgb[1] / n;
      out[o + 2] = rgb[2] / n;
    }
  }
}

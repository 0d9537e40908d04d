// Hand-drawn Shapes test images: hard-edged circles, squares and triangles in palette colours on
// the Shapes background, drawn here (independently of the generator) at given pixel positions.
import { BACKGROUND, COLORS, ColorName, ShapeName } from '../../../models/data/shapesSpec';
import { ImageBatch, imageBatch } from '../../../models/image/types';

export interface Drawn {
  shape: ShapeName;
  color: ColorName;
  /** centre in pixels and half extent */
  x: number;
  y: number;
  r: number;
}

function inside(d: Drawn, px: number, py: number): boolean {
  const dx = px - d.x;
  const dy = py - d.y;
  if (d.shape === 'circle') return dx * dx + dy * dy <= d.r * d.r;
  if (d.shape === 'square') return Math.abs(dx) <= d.r * 0.85 && Math.abs(dy) <= d.r * 0.85;
  // upright triangle, apex up
  if (dy < -d.r || dy > d.r) return false;
  return Math.abs(dx) <= (d.r * (dy + d.r)) / (2 * d.r);
}

/** One image per entry of `scenes`, size × size. */
export function drawScenes(scenes: Drawn[][], size: number): ImageBatch {
  const out = imageBatch(scenes.length, size, size);
  scenes.forEach((objs, b) => {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        let c: readonly number[] = BACKGROUND;
        for (const o of objs) if (inside(o, x + 0.5, y + 0.5)) c = COLORS[o.color];
        const p = ((b * size + y) * size + x) * 3;
        out.data[p] = c[0] / 255;
        out.data[p + 1] = c[1] / 255;
        out.data[p + 2] = c[2] / 255;
      }
    }
  });
  return out;
}

/** Centre of a 3×3 layout cell in a size × size image. */
export function cellCentre(row: number, col: number, size: number): { x: number; y: number } {
  return { x: ((col + 0.5) * size) / 3, y: ((row + 0.5) * size) / 3 };
}

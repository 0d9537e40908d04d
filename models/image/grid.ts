// Tiles images into one: a batch (or several same-sized images) laid out in rows and columns,
// optionally upscaled by an integer factor (nearest), with a gap of background between tiles.
import { imageBatch, type ImageBatch } from './types';

export interface GridOptions {
  /** Tiles per row; 0 or absent: as square as the count allows (ceil of the square root). */
  columns?: number;
  /** Background pixels between tiles. Default 2. */
  gap?: number;
  /** Background pixels around the grid. Default: the gap. */
  border?: number;
  /** Integer upscale of every tile (nearest neighbour). Default 1. */
  scale?: number;
  /** RGB in 0..1. Default white. */
  background?: readonly [number, number, number];
}

/** One image holding every image of `tiles` (each batch element a tile), in order, row by row. */
export function imageGrid(tiles: ImageBatch | ImageBatch[], opts: GridOptions = {}): ImageBatch {
  const list = Array.isArray(tiles) ? tiles : [tiles];
  const count = list.reduce((n, t) => n + t.batch, 0);
  if (!count) throw new Error('imageGrid needs at least one image');
  const { height: th, width: tw } = list[0];
  const odd = list.find((t) => t.height !== th || t.width !== tw);
  if (odd) throw new Error(`imageGrid tiles must share one size: ${tw}×${th} and ${odd.width}×${odd.height}`);
  const scale = opts.scale ?? 1;
  const gap = opts.gap ?? 2;
  const border = opts.border ?? gap;
  if (!Number.isInteger(scale) || scale < 1) throw new Error(`grid scale must be a positive integer, got ${scale}`);
  if (!Number.isInteger(gap) || gap < 0) throw new Error(`grid gap must be a non-negative integer, got ${gap}`);
  if (!Number.isInteger(border) || border < 0) throw new Error(`grid border must be a non-negative integer, got ${border}`);
  const cols = Math.min(count, opts.columns && opts.columns > 0 ? opts.columns : Math.ceil(Math.sqrt(count)));
  const rows = Math.ceil(count / cols);
  const h = th * scale;
  const w = tw * scale;
  const H = rows * h + (rows - 1) * gap + 2 * border;
  const W = cols * w + (cols - 1) * gap + 2 * border;
  const out = imageBatch(1, H, W);
  const bg = opts.background ?? [1, 1, 1];
  for (let i = 0; i < H * W; i++) out.data.set(bg, i * 3);
  let index = 0;
  for (const t of list) {
    for (let n = 0; n < t.batch; n++, index++) {
      const oy = border + Math.floor(index / cols) * (h + gap);
      const ox = border + (index % cols) * (w + gap);
      const base = n * th * tw * 3;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const src = base + (Math.floor(y / scale) * tw + Math.floor(x / scale)) * 3;
          out.data.set(t.data.subarray(src, src + 3), ((oy + y) * W + ox + x) * 3);
        }
      }
    }
  }
  return out;
}

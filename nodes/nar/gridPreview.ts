// The sampler's live preview: a partial token grid (−1 = not sampled yet) drawn as pictures.
// With a tokenizer the sampled tokens are decoded (unsampled ones filled with the code of a grey
// patch, then painted flat grey); without one each token is a coloured block. Small PNGs.
import { imageGrid } from '../../models/image/grid';
import { encodePng } from '../../models/image/png';
import { type ImageBatch, imageBatch } from '../../models/image/types';
import { nestCodes, type Tokenizer } from '../../models/vq/tokenizer';

export const UNSAMPLED_GREY = 0.35;
/** Batch rows shown in a preview. */
export const PREVIEW_ROWS = 4;

/** The code a tokenizer gives a flat grey patch (the filler for unsampled tokens). */
export function greyCode(tok: Tokenizer): number {
  const f = tok.downsample;
  const img = imageBatch(1, f, f);
  img.data.fill(UNSAMPLED_GREY);
  return tok.encode(img)[0][0][0];
}

/** Pictures of `frames` [F][h·w] token grids (each one picture), decoded or as colour blocks. */
function drawFrames(frames: Int32Array[], h: number, w: number, tok: Tokenizer | undefined, filler: number): ImageBatch[] {
  if (tok) {
    const codes = nestCodes(
      frames.flatMap((f) => Array.from(f, (t) => (t < 0 ? filler : t))),
      frames.length,
      h,
      w,
    );
    const decoded = tok.decode(codes);
    const f = decoded.height / h;
    const size = decoded.height * decoded.width * 3;
    return frames.map((tokens, i) => {
      const img = imageBatch(1, decoded.height, decoded.width, decoded.data.slice(i * size, (i + 1) * size));
      tokens.forEach((t, q) => {
        if (t >= 0) return;
        const y0 = Math.floor(q / w) * f;
        const x0 = (q % w) * f;
        for (let y = y0; y < y0 + f; y++) img.data.fill(UNSAMPLED_GREY, (y * img.width + x0) * 3, (y * img.width + x0 + f) * 3);
      });
      return img;
    });
  }
  const block = 4;
  return frames.map((tokens) => {
    const img = imageBatch(1, h * block, w * block);
    tokens.forEach((t, q) => {
      const rgb = t < 0 ? [UNSAMPLED_GREY, UNSAMPLED_GREY, UNSAMPLED_GREY] : tokenColour(t);
      const y0 = Math.floor(q / w) * block;
      const x0 = (q % w) * block;
      for (let y = y0; y < y0 + block; y++) for (let x = x0; x < x0 + block; x++) img.data.set(rgb, (y * img.width + x) * 3);
    });
    return img;
  });
}

/** A stable colour per token id (golden-ratio hue walk). */
export function tokenColour(t: number): number[] {
  const hue = (t * 0.618034) % 1;
  const k = (n: number) => (n + hue * 6) % 6;
  const f = (n: number) => 0.85 - 0.6 * Math.max(0, Math.min(k(n), 4 - k(n), 1));
  return [f(5), f(3), f(1)];
}

export interface PreviewRequest {
  grid: readonly number[];
  batch: number;
  /** [B, N] raster order, −1 = not sampled */
  tokens: Int32Array;
  tokenizer?: Tokenizer;
  /** greyCode(tokenizer), computed once per generation */
  filler?: number;
}

/** The preview picture: up to PREVIEW_ROWS batch items, video frames side by side. */
export function previewImage(r: PreviewRequest): ImageBatch {
  const n = r.grid.reduce((a, b) => a * b, 1);
  const [h, w] = r.grid.slice(-2);
  const frames = r.grid.length === 3 ? r.grid[0] : 1;
  const shown = Math.min(r.batch, PREVIEW_ROWS);
  const all: Int32Array[] = [];
  for (let b = 0; b < shown; b++) for (let t = 0; t < frames; t++) all.push(r.tokens.subarray(b * n + t * h * w, b * n + (t + 1) * h * w));
  const pictures = drawFrames(all, h, w, r.tokenizer, r.filler ?? 0);
  // images side by side in one row; videos a row per batch item, its frames side by side
  const columns = r.grid.length === 3 ? frames : pictures.length;
  const scale = Math.max(1, Math.min(4, Math.floor(128 / pictures[0].height)));
  return imageGrid(pictures, { columns, scale, gap: 2, border: 0, background: [0.08, 0.08, 0.08] });
}

export function previewPng(r: PreviewRequest): string {
  return encodePng(previewImage(r)).toString('base64');
}

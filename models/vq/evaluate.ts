// Round-trip measurements of a tokenizer (encode → decode) and a side-by-side picture.
import { type ImageBatch, imageBatch } from '../image/types';
import type { Tokenizer } from './tokenizer';

export interface RoundTrip {
  /** mean squared error per value, images in [0, 1] */
  mse: number;
  /** 10·log10(1 / mse) */
  psnr: number;
  /** distinct codes used over the images */
  codesUsed: number;
  reconstructions: ImageBatch;
}

export function mse(a: ImageBatch, b: ImageBatch): number {
  if (a.data.length !== b.data.length) throw new Error(`cannot compare images [${a.batch}, ${a.height}, ${a.width}] and [${b.batch}, ${b.height}, ${b.width}]`);
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += (a.data[i] - b.data[i]) ** 2;
  return s / a.data.length;
}

/** Encodes and decodes `images` and measures how far the result is from them. */
export function roundTrip(tok: Tokenizer, images: ImageBatch): RoundTrip {
  const codes = tok.encode(images);
  const reconstructions = tok.decode(codes);
  const err = mse(images, reconstructions);
  return { mse: err, psnr: 10 * Math.log10(1 / err), codesUsed: new Set(codes.flat(2)).size, reconstructions };
}

/** One picture: row r holds the images of batch r side by side, each scaled up `scale`× (nearest). */
export function sideBySide(rows: ImageBatch[], scale = 1, gap = 2): ImageBatch {
  const { height, width } = rows[0];
  const n = Math.max(...rows.map((r) => r.batch));
  const H = rows.length * (height * scale + gap) - gap;
  const W = n * (width * scale + gap) - gap;
  const out = imageBatch(1, H, W);
  out.data.fill(1);
  rows.forEach((row, r) => {
    if (row.height !== height || row.width !== width) throw new Error(`sideBySide: row ${r} holds ${row.width}×${row.height} images, row 0 ${width}×${height}`);
    for (let i = 0; i < row.batch; i++) {
      for (let y = 0; y < height * scale; y++) {
        for (let x = 0; x < width * scale; x++) {
          const src = ((i * height + Math.floor(y / scale)) * width + Math.floor(x / scale)) * 3;
          const dst = ((r * (height * scale + gap) + y) * W + i * (width * scale + gap) + x) * 3;
          out.data.set(row.data.subarray(src, src + 3), dst);
        }
      }
    }
  });
  return out;
}

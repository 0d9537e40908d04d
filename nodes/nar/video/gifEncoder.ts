// A small animated-GIF encoder (GIF89a, looping): one global palette — exact when the video has at
// most 256 colours (Shapes videos do), else a fixed 6×7×6 colour cube — and LZW-coded frames.
import type { VideoBatch } from '../../../models/image/types';

const to8 = (v: number) => Math.max(0, Math.min(255, Math.round(v * 255)));

/** Palette (≤ 256 RGB entries) and each pixel's index, for all frames of one video. */
export function palettize(frames: Float32Array, pixels: number): { palette: number[]; indices: Uint8Array } {
  const exact = new Map<number, number>();
  const palette: number[] = [];
  const indices = new Uint8Array(pixels);
  for (let i = 0; i < pixels; i++) {
    const key = (to8(frames[i * 3]) << 16) | (to8(frames[i * 3 + 1]) << 8) | to8(frames[i * 3 + 2]);
    let idx = exact.get(key);
    if (idx === undefined) {
      if (exact.size === 256) return cubePalette(frames, pixels);
      idx = exact.size;
      exact.set(key, idx);
      palette.push(key >> 16, (key >> 8) & 255, key & 255);
    }
    indices[i] = idx;
  }
  return { palette, indices };
}

function cubePalette(frames: Float32Array, pixels: number): { palette: number[]; indices: Uint8Array } {
  const levels = [6, 7, 6];
  const palette: number[] = [];
  for (let r = 0; r < 6; r++) for (let g = 0; g < 7; g++) for (let b = 0; b < 6; b++) palette.push(Math.round((r * 255) / 5), Math.round((g * 255) / 6), Math.round((b * 255) / 5));
  const indices = new Uint8Array(pixels);
  for (let i = 0; i < pixels; i++) {
    const q = levels.map((n, c) => Math.round(Math.max(0, Math.min(1, frames[i * 3 + c])) * (n - 1)));
    indices[i] = (q[0] * 7 + q[1]) * 6 + q[2];
  }
  return { palette, indices };
}

/** GIF LZW of 8-bit indices (minimum code size 8), as data sub-blocks ending in a terminator. */
export function lzwBlocks(indices: Uint8Array): Buffer {
  const clear = 256;
  const eoi = 257;
  const out: number[] = [];
  let acc = 0;
  let nbits = 0;
  let width = 9;
  const emit = (code: number) => {
    acc |= code << nbits;
    nbits += width;
    while (nbits >= 8) {
      out.push(acc & 255);
      acc >>>= 8;
      nbits -= 8;
    }
  };
  let dict = new Map<number, number>();
  let next = 258;
  emit(clear);
  let prefix = indices.length ? indices[0] : -1;
  for (let i = 1; i < indices.length; i++) {
    const k = indices[i];
    const key = prefix * 256 + k;
    const found = dict.get(key);
    if (found !== undefined) {
      prefix = found;
      continue;
    }
    emit(prefix);
    if (next === 4096) {
      emit(clear);
      dict = new Map();
      next = 258;
      width = 9;
    } else {
      dict.set(key, next++);
      if (next > 1 << width && width < 12) width++;
    }
    prefix = k;
  }
  if (prefix >= 0) emit(prefix);
  emit(eoi);
  if (nbits > 0) out.push(acc & 255);
  const blocks: number[] = [8];
  for (let i = 0; i < out.length; i += 255) {
    const chunk = out.slice(i, i + 255);
    blocks.push(chunk.length, ...chunk);
  }
  blocks.push(0);
  return Buffer.from(blocks);
}

function subBlocks(bytes: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 255) {
    const c = bytes.subarray(i, i + 255);
    parts.push(Buffer.from([c.length]), c);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

/** Video `index` of a batch as a looping GIF; `comment` (e.g. the workflow) goes in a comment extension. */
export function encodeGif(video: VideoBatch, index = 0, comment?: string): Buffer {
  const { width, height, frames } = video;
  if (index < 0 || index >= video.batch) throw new Error(`video index ${index} out of range for a batch of ${video.batch}`);
  if (width > 65535 || height > 65535) throw new Error(`GIF frames are at most 65535 px a side, got ${width}×${height}`);
  const size = width * height;
  const all = video.data.subarray(index * frames * size * 3, (index + 1) * frames * size * 3);
  const { palette, indices } = palettize(all, frames * size);
  const table = Buffer.alloc(256 * 3);
  Buffer.from(palette).copy(table);
  const u16 = (v: number) => [v & 255, (v >> 8) & 255];
  const delay = Math.max(2, Math.round(100 / Math.max(0.5, video.fps)));
  const parts: Buffer[] = [
    Buffer.from('GIF89a', 'latin1'),
    Buffer.from([...u16(width), ...u16(height), 0xf7, 0, 0]),
    table,
    Buffer.from([0x21, 0xff, 11, ...Buffer.from('NETSCAPE2.0', 'latin1'), 3, 1, 0, 0, 0]),
  ];
  if (comment) parts.push(Buffer.from([0x21, 0xfe]), subBlocks(Buffer.from(comment, 'utf8')));
  for (let t = 0; t < frames; t++) {
    parts.push(Buffer.from([0x21, 0xf9, 4, 0x04, ...u16(delay), 0, 0]));
    parts.push(Buffer.from([0x2c, 0, 0, 0, 0, ...u16(width), ...u16(height), 0]));
    parts.push(lzwBlocks(indices.subarray(t * size, (t + 1) * size)));
  }
  parts.push(Buffer.from([0x3b]));
  return Buffer.concat(parts);
}

// A GIF87a / GIF89a decoder: global and local colour tables, LZW (gifLzw.ts), interlaced images,
// frames smaller than the screen composited on a canvas, and the graphic control extension's delay,
// transparent index and disposal (0/1 keep, 2 restore to background, 3 restore to previous).
// Application, comment and plain-text extensions are skipped.
//
// "Background" is transparent, as browsers draw it (not the screen's background colour index), and
// transparent pixels come out black — the same as alpha in a PNG given to LoadImage.
import { collectAll, type Animation } from './animation';
import { lzwDecode } from './gifLzw';
import type { VideoBatch } from '../../../models/image/types';

/** One image of the file, parsed but not yet decoded. */
interface GifImage {
  left: number;
  top: number;
  width: number;
  height: number;
  interlaced: boolean;
  /** RGB triples: the local colour table, else the global one */
  palette: Uint8Array;
  minCodeSize: number;
  /** the LZW data, sub-blocks joined */
  lzw: Uint8Array;
  delayMs: number;
  /** colour index drawn as "leave the canvas as it is", or -1 */
  transparent: number;
  disposal: number;
}

/** The graphic control extension's fields, which apply to the next image only. */
type Control = Pick<GifImage, 'delayMs' | 'transparent' | 'disposal'>;
const NO_CONTROL: Control = { delayMs: 0, transparent: -1, disposal: 0 };

/** A cursor over the file that knows which part it is reading, so a truncation says where. */
class GifReader {
  pos = 0;
  where = 'the header';
  constructor(
    readonly bytes: Uint8Array,
    readonly source: string,
  ) {}

  need(n: number): void {
    if (this.pos + n > this.bytes.length) {
      throw new Error(`${this.source}: GIF truncated in ${this.where}: needs ${n} byte(s) at byte ${this.pos}, the file has ${this.bytes.length}`);
    }
  }
  u8(): number {
    this.need(1);
    return this.bytes[this.pos++];
  }
  u16(): number {
    this.need(2);
    const v = this.bytes[this.pos] | (this.bytes[this.pos + 1] << 8);
    this.pos += 2;
    return v;
  }
  take(n: number): Uint8Array {
    this.need(n);
    return this.bytes.subarray(this.pos, (this.pos += n));
  }
  /** Data sub-blocks (length byte, bytes; a 0 length ends them), joined. */
  subBlocks(): Uint8Array {
    const parts: Uint8Array[] = [];
    for (let n = this.u8(); n > 0; n = this.u8()) parts.push(this.take(n));
    return Buffer.concat(parts);
  }
}

/** Parses a GIF (no pixels decoded yet); its frames() composite one frame at a time. */
export function readGif(bytes: Uint8Array, source = 'GIF'): Animation {
  const signature = Buffer.from(bytes.subarray(0, 6)).toString('latin1');
  if (signature !== 'GIF87a' && signature !== 'GIF89a') {
    throw new Error(`${source}: not a GIF: expected 'GIF87a' or 'GIF89a' at byte 0, got ${JSON.stringify(signature)}`);
  }
  const r = new GifReader(bytes, source);
  r.pos = 6;
  const width = r.u16();
  const height = r.u16();
  const packed = r.u8();
  r.pos += 2; // background colour index (unused: background is transparent), pixel aspect ratio
  if (!width || !height) throw new Error(`${source}: GIF screen is ${width}×${height}, expected both sides at least 1`);
  r.where = 'the global colour table';
  const globalPalette = packed & 0x80 ? r.take(3 << ((packed & 7) + 1)) : undefined;
  const images = readBlocks(r, globalPalette);
  if (!images.length) throw new Error(`${source}: GIF has no frames`);
  return { format: 'GIF', width, height, delaysMs: images.map((f) => f.delayMs), frames: () => composite(width, height, images, source) };
}

/** Every frame of a GIF as a video batch of one, at the frame rate of its delays. */
export function decodeGif(bytes: Uint8Array, source = 'GIF'): VideoBatch {
  return collectAll(readGif(bytes, source));
}

/** Extensions and images up to the trailer (or the end of the file: many writers leave the trailer out). */
function readBlocks(r: GifReader, globalPalette: Uint8Array | undefined): GifImage[] {
  const images: GifImage[] = [];
  let control = NO_CONTROL;
  while (r.pos < r.bytes.length) {
    r.where = images.length ? `the blocks after frame ${images.length}` : 'the blocks before frame 1';
    const at = r.pos;
    const introducer = r.u8();
    if (introducer === 0x3b) break; // trailer
    if (introducer === 0x21) {
      const label = r.u8();
      const body = r.subBlocks();
      if (label === 0xf9) control = readControl(body, r.source, images.length + 1);
    } else if (introducer === 0x2c) {
      r.where = `frame ${images.length + 1}`;
      images.push(readImage(r, globalPalette, control));
      control = NO_CONTROL;
    } else {
      throw new Error(
        `${r.source}: GIF block at byte ${at} starts with 0x${introducer.toString(16).padStart(2, '0')}, expected an image (0x2c), an extension (0x21) or the trailer (0x3b)`,
      );
    }
  }
  return images;
}

/** Graphic control extension: packed (disposal in bits 2..4, transparency flag in bit 0), delay in 1/100 s, transparent index. */
function readControl(body: Uint8Array, source: string, frame: number): Control {
  if (body.length < 4) throw new Error(`${source}: GIF graphic control extension before frame ${frame} has ${body.length} bytes, expected 4`);
  const packed = body[0];
  const disposal = (packed >> 2) & 7;
  return {
    delayMs: (body[1] | (body[2] << 8)) * 10,
    transparent: packed & 1 ? body[3] : -1,
    disposal: disposal <= 3 ? disposal : 0, // 4..7 are undefined: treat as "keep"
  };
}

/** Image descriptor, optional local colour table, LZW minimum code size and data. */
function readImage(r: GifReader, globalPalette: Uint8Array | undefined, control: Control): GifImage {
  const frame = r.where;
  const left = r.u16();
  const top = r.u16();
  const width = r.u16();
  const height = r.u16();
  const packed = r.u8();
  const palette = packed & 0x80 ? r.take(3 << ((packed & 7) + 1)) : globalPalette;
  if (!palette) throw new Error(`${r.source}: GIF ${frame} has no colour table (neither a local nor a global one)`);
  const minCodeSize = r.u8();
  const lzw = r.subBlocks();
  return { left, top, width, height, interlaced: (packed & 0x40) !== 0, palette, minCodeSize, lzw, ...control };
}

/** Rows in the order an interlaced image stores them: every 8th from 0, every 8th from 4, every 4th from 2, every 2nd from 1. */
export function interlacedRows(height: number): number[] {
  const rows: number[] = [];
  for (const [start, step] of [[0, 8], [4, 8], [2, 4], [1, 2]]) for (let y = start; y < height; y += step) rows.push(y);
  return rows;
}

/** Draws each image on the canvas, yields the canvas, then disposes of the image as its control asked. */
function* composite(width: number, height: number, images: GifImage[], source: string): Generator<Uint8Array, void, undefined> {
  const canvas = new Uint8Array(width * height * 4); // RGBA, starts transparent
  for (let i = 0; i < images.length; i++) {
    const img = images[i];
    const saved = img.disposal === 3 ? canvas.slice() : undefined;
    draw(canvas, width, height, img, `${source}: GIF frame ${i + 1}`);
    yield canvas;
    if (img.disposal === 2) clearRect(canvas, width, height, img);
    else if (saved) canvas.set(saved);
  }
}

/** Decodes an image's indices and paints its non-transparent pixels (clipped to the screen). */
function draw(canvas: Uint8Array, width: number, height: number, img: GifImage, what: string): void {
  let decoded;
  try {
    decoded = lzwDecode(img.lzw, img.minCodeSize, img.width * img.height);
  } catch (e) {
    throw new Error(`${what}: ${(e as Error).message}`);
  }
  const { indices, count } = decoded;
  const rows = img.interlaced ? interlacedRows(img.height) : undefined;
  const colours = img.palette.length / 3;
  for (let k = 0; k * img.width < count; k++) {
    const y = img.top + (rows ? rows[k] : k);
    if (y >= height) continue;
    for (let x = 0; x < img.width && k * img.width + x < count; x++) {
      const cx = img.left + x;
      if (cx >= width) break;
      const idx = indices[k * img.width + x];
      if (idx === img.transparent) continue;
      const o = (y * width + cx) * 4;
      if (idx < colours) canvas.set(img.palette.subarray(idx * 3, idx * 3 + 3), o);
      else canvas.fill(0, o, o + 3); // an index past the table: black, as browsers draw it
      canvas[o + 3] = 255;
    }
  }
}

/** Disposal 2: the image's rectangle back to background (transparent). */
function clearRect(canvas: Uint8Array, width: number, height: number, img: GifImage): void {
  const x0 = Math.min(img.left, width);
  const x1 = Math.min(img.left + img.width, width);
  for (let y = img.top; y < Math.min(img.top + img.height, height); y++) canvas.fill(0, (y * width + x0) * 4, (y * width + x1) * 4);
}

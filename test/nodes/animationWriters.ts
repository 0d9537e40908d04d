// Test-side writers for hand-built GIF and APNG files, written from the format specs independently
// of nodes/nar/video (string-keyed LZW with any minimum code size, interlacing, local tables,
// transparency, disposal; APNG regions, blend and dispose ops), so the decoders are checked against
// bytes they did not make.
import * as zlib from 'zlib';

export interface GifFrameSpec {
  left?: number;
  top?: number;
  width: number;
  height: number;
  /** colour indices in natural row order (the writer interlaces them when asked) */
  indices: number[];
  /** RGB triples of a local colour table */
  localPalette?: number[];
  interlaced?: boolean;
  /** graphic control extension; left out when none of these is given */
  delayCs?: number;
  transparent?: number;
  disposal?: number;
  minCodeSize?: number;
  /** send no clear code when the LZW table fills (GIF allows it) */
  noClearWhenFull?: boolean;
  /** LZW bytes to write instead of encoding `indices` (for damaged data) */
  rawLzw?: Uint8Array;
}

export interface GifSpec {
  width: number;
  height: number;
  /** RGB triples of the global colour table */
  palette?: number[];
  frames: GifFrameSpec[];
  version?: 'GIF87a' | 'GIF89a';
  /** NETSCAPE looping, a comment and a plain-text extension before the first frame (decoders skip them) */
  extras?: boolean;
  trailer?: boolean;
}

/** GIF LZW codes (not yet in sub-blocks): strings keyed as text, a clear code first and when the table fills. */
export function lzwEncode(indices: number[], minCodeSize: number, clearWhenFull = true): Uint8Array {
  const clear = 1 << minCodeSize;
  const bytes: number[] = [];
  let acc = 0;
  let nbits = 0;
  let size = minCodeSize + 1;
  const write = (code: number) => {
    acc += code * 2 ** nbits;
    nbits += size;
    while (nbits >= 8) {
      bytes.push(acc % 256);
      acc = Math.floor(acc / 256);
      nbits -= 8;
    }
  };
  let dict = new Map<string, number>();
  let next = clear + 2;
  const codeOf = (s: string) => (s.includes(',') ? dict.get(s)! : Number(s));
  write(clear);
  let w = String(indices[0]);
  for (const k of indices.slice(1)) {
    const wk = `${w},${k}`;
    if (dict.has(wk)) {
      w = wk;
      continue;
    }
    write(codeOf(w));
    if (next < 4096) {
      dict.set(wk, next++);
      if (next - 1 === 1 << size) size++; // the code just made needs a wider field from now on
    } else if (clearWhenFull) {
      write(clear);
      dict = new Map();
      next = clear + 2;
      size = minCodeSize + 1;
    }
    w = String(k);
  }
  write(codeOf(w));
  write(clear + 1);
  if (nbits > 0) bytes.push(acc % 256);
  return Uint8Array.from(bytes);
}

function subBlocks(data: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < data.length; i += 255) {
    const part = data.subarray(i, i + 255);
    out.push(part.length, ...part);
  }
  out.push(0);
  return out;
}

/** Colour table padded to a power of two (≥ 2 entries), and its size field. */
function table(rgb: number[]): { bytes: number[]; field: number } {
  let field = 0;
  while (2 << field < rgb.length / 3) field++;
  const bytes = [...rgb];
  while (bytes.length < 3 * (2 << field)) bytes.push(0);
  return { bytes, field };
}

/** Row order of an interlaced image: passes from rows 0, 4, 2, 1 stepping 8, 8, 4, 2. */
function interlace(indices: number[], width: number, height: number): number[] {
  const out: number[] = [];
  for (const [start, step] of [[0, 8], [4, 8], [2, 4], [1, 2]]) for (let y = start; y < height; y += step) out.push(...indices.slice(y * width, (y + 1) * width));
  return out;
}

const u16 = (v: number) => [v & 255, v >> 8];

export function buildGif(spec: GifSpec): Buffer {
  const out: number[] = [...Buffer.from(spec.version ?? 'GIF89a', 'latin1'), ...u16(spec.width), ...u16(spec.height)];
  if (spec.palette) {
    const t = table(spec.palette);
    out.push(0x80 | 0x70 | t.field, 0, 0, ...t.bytes);
  } else out.push(0, 0, 0);
  if (spec.extras) {
    out.push(0x21, 0xff, 11, ...Buffer.from('NETSCAPE2.0', 'latin1'), 3, 1, 0, 0, 0);
    out.push(0x21, 0xfe, ...subBlocks(Buffer.from('made by a test', 'latin1')));
    out.push(0x21, 0x01, 12, ...new Array(12).fill(0), ...subBlocks(Buffer.from('hello', 'latin1')));
  }
  for (const f of spec.frames) {
    if (f.delayCs !== undefined || f.transparent !== undefined || f.disposal !== undefined) {
      const packed = ((f.disposal ?? 0) << 2) | (f.transparent !== undefined ? 1 : 0);
      out.push(0x21, 0xf9, 4, packed, ...u16(f.delayCs ?? 0), f.transparent ?? 0, 0);
    }
    const local = f.localPalette ? table(f.localPalette) : undefined;
    out.push(0x2c, ...u16(f.left ?? 0), ...u16(f.top ?? 0), ...u16(f.width), ...u16(f.height), (local ? 0x80 | local.field : 0) | (f.interlaced ? 0x40 : 0));
    if (local) out.push(...local.bytes);
    const min = f.minCodeSize ?? 8;
    const rows = f.interlaced ? interlace(f.indices, f.width, f.height) : f.indices;
    out.push(min, ...subBlocks(f.rawLzw ?? lzwEncode(rows, min, !f.noClearWhenFull)));
  }
  if (spec.trailer !== false) out.push(0x3b);
  return Buffer.from(out);
}

export function pngChunkOf(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])) >>> 0);
  return Buffer.concat([head, data, crc]);
}

export interface ApngFrameSpec {
  x?: number;
  y?: number;
  width: number;
  height: number;
  /** RGBA bytes row by row, or palette indices for a paletted file */
  pixels: number[];
  delayNum?: number;
  delayDen?: number;
  /** 0 none, 1 background, 2 previous */
  dispose?: number;
  /** 0 source, 1 over */
  blend?: number;
}

export interface ApngOptions {
  /** an IDAT before the first fcTL: shown by viewers without APNG, not part of the animation */
  defaultImage?: number[];
  /** colour type 3: RGB triples for PLTE and alpha per index for tRNS (default: RGBA, colour type 6) */
  palette?: { rgb: number[]; alpha?: number[] };
  /** the frame count acTL states (default: the true one) */
  declaredFrames?: number;
}

const be32 = (...v: number[]) => {
  const b = Buffer.alloc(4 * v.length);
  v.forEach((x, i) => b.writeUInt32BE(x, 4 * i));
  return b;
};

/** Deflated 8-bit scanlines, each with filter type 1 (Sub), so pngjs's unfiltering is exercised too. */
function scanlines(pixels: number[], width: number, height: number, bpp: number): Buffer {
  const stride = width * bpp;
  const raw = Buffer.alloc(height * (1 + stride));
  for (let y = 0; y < height; y++) {
    raw[y * (1 + stride)] = 1;
    for (let i = 0; i < stride; i++) raw[y * (1 + stride) + 1 + i] = (pixels[y * stride + i] - (i >= bpp ? pixels[y * stride + i - bpp] : 0)) & 255;
  }
  return zlib.deflateSync(raw);
}

/** An 8-bit APNG, RGBA or paletted, frames as given, looping forever. */
export function buildApng(width: number, height: number, frames: ApngFrameSpec[], opts: ApngOptions = {}): Buffer {
  const bpp = opts.palette ? 1 : 4;
  const ihdr = Buffer.concat([be32(width, height), Buffer.from([8, opts.palette ? 3 : 6, 0, 0, 0])]);
  const parts = [Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), pngChunkOf('IHDR', ihdr), pngChunkOf('acTL', be32(opts.declaredFrames ?? frames.length, 0))];
  if (opts.palette) {
    parts.push(pngChunkOf('PLTE', Buffer.from(opts.palette.rgb)));
    if (opts.palette.alpha) parts.push(pngChunkOf('tRNS', Buffer.from(opts.palette.alpha)));
  }
  if (opts.defaultImage) parts.push(pngChunkOf('IDAT', scanlines(opts.defaultImage, width, height, bpp)));
  let seq = 0;
  frames.forEach((f, i) => {
    const delay = [(f.delayNum ?? 1) >> 8, (f.delayNum ?? 1) & 255, (f.delayDen ?? 10) >> 8, (f.delayDen ?? 10) & 255];
    parts.push(pngChunkOf('fcTL', Buffer.concat([be32(seq++, f.width, f.height, f.x ?? 0, f.y ?? 0), Buffer.from([...delay, f.dispose ?? 0, f.blend ?? 0])])));
    const data = scanlines(f.pixels, f.width, f.height, bpp);
    if (i === 0 && !opts.defaultImage) parts.push(pngChunkOf('IDAT', data));
    else parts.push(pngChunkOf('fdAT', Buffer.concat([be32(seq++), data])));
  });
  parts.push(pngChunkOf('IEND', Buffer.alloc(0)));
  return Buffer.concat(parts);
}

/** The chunks of a PNG as [type, whole chunk bytes], to drop or damage one in a test. */
export function pngChunks(png: Buffer): [string, Buffer][] {
  const out: [string, Buffer][] = [];
  for (let p = 8; p < png.length; p += 12 + png.readUInt32BE(p)) out.push([png.toString('latin1', p + 4, p + 8), png.subarray(p, p + 12 + png.readUInt32BE(p))]);
  return out;
}

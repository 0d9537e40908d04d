// An APNG decoder: acTL / fcTL / fdAT as in the APNG spec, each frame's pixels decoded by pngjs
// (every colour type, bit depth, filter and interlacing) from a small PNG rebuilt around that
// frame's data, then composited on the canvas: blend source / over, dispose none / background /
// previous, frame regions. A PNG without acTL is one frame. The canvas starts transparent, and alpha
// comes out composited on black, as LoadImage does with a PNG (models/image/png.ts).
import { PNG } from 'pngjs';
import { PNG_SIGNATURE, crc32, pngChunk } from '../../../models/image/png';
import type { VideoBatch } from '../../../models/image/types';
import { collectAll, type Animation } from './animation';

/** One chunk: its type, data and where it starts in the file. */
interface Chunk {
  type: string;
  data: Buffer;
  at: number;
}

/** A frame's fcTL fields and its compressed pixel data. */
interface ApngFrame {
  width: number;
  height: number;
  x: number;
  y: number;
  delayMs: number;
  /** 0 none, 1 background (transparent), 2 previous */
  dispose: number;
  /** 0 source (replace), 1 over (alpha blend) */
  blend: number;
  data: Buffer[];
}

/** Splits a PNG into chunks, checking lengths and CRCs; a truncation names the chunk and the frame it falls in. */
function readChunks(bytes: Buffer, source: string): Chunk[] {
  if (bytes.length < 8 || !bytes.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error(`${source}: not a PNG: expected the 8-byte PNG signature at byte 0`);
  const chunks: Chunk[] = [];
  let frames = 0;
  for (let p = 8; p < bytes.length; ) {
    const inFrame = frames ? ` in frame ${frames}` : '';
    if (p + 12 > bytes.length) throw new Error(`${source}: PNG truncated${inFrame}: a chunk at byte ${p} needs at least 12 bytes, the file has ${bytes.length - p} from there`);
    const len = bytes.readUInt32BE(p);
    const type = bytes.toString('latin1', p + 4, p + 8);
    if (p + 12 + len > bytes.length) throw new Error(`${source}: PNG truncated${inFrame}: chunk ${type} at byte ${p} needs ${12 + len} bytes, the file has ${bytes.length - p} from there`);
    if (crc32(bytes.subarray(p + 4, p + 8 + len)) !== bytes.readUInt32BE(p + 8 + len)) throw new Error(`${source}: PNG chunk ${type} at byte ${p} has a bad CRC (the file is damaged)`);
    chunks.push({ type, data: bytes.subarray(p + 8, p + 8 + len), at: p });
    if (type === 'fcTL') frames++;
    if (type === 'IEND') break;
    p += 12 + len;
  }
  if (chunks[0]?.type !== 'IHDR') throw new Error(`${source}: PNG starts with chunk ${chunks[0]?.type ?? 'nothing'}, expected IHDR`);
  return chunks;
}

/** fcTL: sequence, width, height, x, y, delay numerator / denominator (seconds; 0 means 100), dispose, blend. */
function readFrameControl(c: Chunk, source: string, n: number): ApngFrame {
  if (c.data.length < 26) throw new Error(`${source}: APNG frame ${n}: fcTL has ${c.data.length} bytes, expected 26`);
  const d = c.data;
  const den = d.readUInt16BE(22) || 100;
  return {
    width: d.readUInt32BE(4),
    height: d.readUInt32BE(8),
    x: d.readUInt32BE(12),
    y: d.readUInt32BE(16),
    delayMs: (1000 * d.readUInt16BE(20)) / den,
    dispose: d[24],
    blend: d[25],
    data: [],
  };
}

/** Checks the spec's rules a decoder relies on: region inside the canvas, known ops. */
function checkFrame(f: ApngFrame, width: number, height: number, source: string, n: number): void {
  const what = `${source}: APNG frame ${n}`;
  if (!f.width || !f.height || f.x + f.width > width || f.y + f.height > height) {
    throw new Error(`${what}: region ${f.width}×${f.height} at (${f.x}, ${f.y}) does not fit the ${width}×${height} canvas`);
  }
  if (f.dispose > 2) throw new Error(`${what}: dispose_op ${f.dispose}, expected 0 (none), 1 (background) or 2 (previous)`);
  if (f.blend > 1) throw new Error(`${what}: blend_op ${f.blend}, expected 0 (source) or 1 (over)`);
  if (!f.data.length) throw new Error(`${what} has no image data (no IDAT or fdAT after its fcTL)`);
}

/** The frames of an animated PNG (acTL present), sequence numbers checked; IDAT before the first fcTL is a default image outside the animation. */
function animationFrames(chunks: Chunk[], width: number, height: number, source: string): ApngFrame[] {
  const frames: ApngFrame[] = [];
  let seq = 0;
  const checkSeq = (c: Chunk) => {
    const s = c.data.length >= 4 ? c.data.readUInt32BE(0) : -1;
    if (s !== seq) throw new Error(`${source}: APNG ${c.type} at byte ${c.at} has sequence number ${s}, expected ${seq} (chunks missing or out of order)`);
    seq++;
  };
  for (const c of chunks) {
    if (c.type === 'fcTL') {
      checkSeq(c);
      frames.push(readFrameControl(c, source, frames.length + 1));
    } else if (c.type === 'IDAT' && frames.length) frames[frames.length - 1].data.push(c.data);
    else if (c.type === 'fdAT') {
      if (!frames.length) throw new Error(`${source}: APNG fdAT at byte ${c.at} comes before any fcTL`);
      checkSeq(c);
      frames[frames.length - 1].data.push(c.data.subarray(4));
    }
  }
  const actl = chunks.find((c) => c.type === 'acTL')!;
  const declared = actl.data.length >= 4 ? actl.data.readUInt32BE(0) : -1;
  if (declared !== frames.length) throw new Error(`${source}: APNG acTL declares ${declared} frames, the file holds ${frames.length}`);
  frames.forEach((f, i) => checkFrame(f, width, height, source, i + 1));
  return frames;
}

/** Parses a PNG or APNG (no pixels decoded yet); its frames() composite one frame at a time. */
export function readApng(bytes: Buffer, source = 'PNG'): Animation {
  const chunks = readChunks(bytes, source);
  const ihdr = chunks[0].data;
  if (ihdr.length < 13) throw new Error(`${source}: IHDR has ${ihdr.length} bytes, expected 13`);
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  const animated = chunks.some((c) => c.type === 'acTL');
  const frames = animated
    ? animationFrames(chunks, width, height, source)
    : [{ width, height, x: 0, y: 0, delayMs: 0, dispose: 0, blend: 0, data: chunks.filter((c) => c.type === 'IDAT').map((c) => c.data) }];
  if (!animated && !frames[0].data.length) throw new Error(`${source}: PNG has no IDAT chunk (no image data)`);
  // PLTE and tRNS say how every frame's pixels read; they go into each rebuilt frame.
  const shared = chunks.filter((c) => c.type === 'PLTE' || c.type === 'tRNS').map((c) => pngChunk(c.type, c.data));
  return {
    format: animated ? 'APNG' : 'PNG',
    width,
    height,
    delaysMs: frames.map((f) => f.delayMs),
    frames: () => composite(width, height, ihdr, shared, frames, source),
  };
}

/** Every frame of a PNG or APNG as a video batch of one, at the frame rate of its delays. */
export function decodeApng(bytes: Buffer, source = 'PNG'): VideoBatch {
  return collectAll(readApng(bytes, source));
}

/** A frame's pixels, RGBA 8-bit [h, w, 4], via pngjs on a PNG of the frame's size around its data. */
function framePixels(ihdr: Buffer, shared: Buffer[], f: ApngFrame, what: string): Buffer {
  const header = Buffer.from(ihdr);
  header.writeUInt32BE(f.width, 0);
  header.writeUInt32BE(f.height, 4);
  const png = Buffer.concat([PNG_SIGNATURE, pngChunk('IHDR', header), ...shared, pngChunk('IDAT', Buffer.concat(f.data)), pngChunk('IEND', Buffer.alloc(0))]);
  try {
    return PNG.sync.read(png).data;
  } catch (e) {
    throw new Error(`${what}: cannot decode its pixels (${(e as Error).message})`);
  }
}

/** Blends each frame into the canvas, yields the canvas, then disposes of the frame's region. */
function* composite(width: number, height: number, ihdr: Buffer, shared: Buffer[], frames: ApngFrame[], source: string): Generator<Uint8Array, void, undefined> {
  const canvas = new Uint8Array(width * height * 4); // RGBA, starts transparent black (the spec's output buffer)
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i];
    const pixels = framePixels(ihdr, shared, f, `${source}: APNG frame ${i + 1}`);
    // dispose "previous" on the first frame means "background" (the spec)
    const dispose = i === 0 && f.dispose === 2 ? 1 : f.dispose;
    const saved = dispose === 2 ? canvas.slice() : undefined;
    blendRegion(canvas, width, f, pixels);
    yield canvas;
    if (dispose === 1) for (let y = f.y; y < f.y + f.height; y++) canvas.fill(0, (y * width + f.x) * 4, (y * width + f.x + f.width) * 4);
    else if (saved) canvas.set(saved);
  }
}

/** Writes the frame's pixels into its region: replacing (source) or alpha-blending over what is there. */
function blendRegion(canvas: Uint8Array, width: number, f: ApngFrame, pixels: Buffer): void {
  for (let y = 0; y < f.height; y++) {
    const row = ((f.y + y) * width + f.x) * 4;
    const src = y * f.width * 4;
    if (f.blend === 0) {
      canvas.set(pixels.subarray(src, src + f.width * 4), row);
      continue;
    }
    for (let x = 0; x < f.width; x++) over(canvas, row + x * 4, pixels, src + x * 4);
  }
}

/** Non-premultiplied "over": out alpha = a + b·(1 − a); colour weighted by each side's share. */
function over(dst: Uint8Array, o: number, src: Buffer, s: number): void {
  const a = src[s + 3] / 255;
  if (a === 1) {
    dst.set(src.subarray(s, s + 4), o);
    return;
  }
  if (a === 0) return;
  const b = (dst[o + 3] / 255) * (1 - a);
  const outA = a + b;
  for (let c = 0; c < 3; c++) dst[o + c] = Math.round((src[s + c] * a + dst[o + c] * b) / outA);
  dst[o + 3] = Math.round(outA * 255);
}

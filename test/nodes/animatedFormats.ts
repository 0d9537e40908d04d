// Test-side readers for the animated files SaveVideo writes, written from the format specs
// (GIF89a with LZW; APNG chunk layout) independently of the encoders.
import * as zlib from 'zlib';

export interface DecodedAnimation {
  width: number;
  height: number;
  /** RGB bytes per frame */
  frames: Uint8Array[];
  /** frame delays in ms */
  delays: number[];
  loops?: number;
  comment?: string;
}

function lzwDecode(data: Uint8Array, minSize: number, pixels: number): Uint8Array {
  const clear = 1 << minSize;
  const eoi = clear + 1;
  const out = new Uint8Array(pixels);
  let n = 0;
  let dict: number[][] = [];
  const reset = () => {
    dict = Array.from({ length: clear + 2 }, (_, i) => (i < clear ? [i] : []));
  };
  reset();
  let width = minSize + 1;
  let bitPos = 0;
  let prev: number[] | null = null;
  const read = () => {
    let v = 0;
    for (let i = 0; i < width; i++, bitPos++) if (data[bitPos >> 3] & (1 << (bitPos & 7))) v |= 1 << i;
    return v;
  };
  while (bitPos + width <= data.length * 8) {
    const code = read();
    if (code === clear) {
      reset();
      width = minSize + 1;
      prev = null;
      continue;
    }
    if (code === eoi) break;
    let entry: number[];
    if (code < dict.length) entry = dict[code];
    else if (code === dict.length && prev) entry = [...prev, prev[0]];
    else throw new Error(`GIF LZW: bad code ${code} (dictionary has ${dict.length})`);
    for (const v of entry) out[n++] = v;
    if (prev) dict.push([...prev, entry[0]]);
    prev = entry;
    if (dict.length === 1 << width && width < 12) width++;
  }
  if (n !== pixels) throw new Error(`GIF LZW: decoded ${n} pixels, expected ${pixels}`);
  return out;
}

export function decodeGif(bytes: Buffer): DecodedAnimation {
  if (bytes.toString('latin1', 0, 6) !== 'GIF89a') throw new Error('not a GIF89a');
  const width = bytes.readUInt16LE(6);
  const height = bytes.readUInt16LE(8);
  const packed = bytes[10];
  let p = 13;
  let palette: Buffer = Buffer.alloc(0);
  if (packed & 0x80) {
    const size = 3 * (1 << ((packed & 7) + 1));
    palette = bytes.subarray(p, p + size);
    p += size;
  }
  const res: DecodedAnimation = { width, height, frames: [], delays: [] };
  let delay = 0;
  const blocks = (): Buffer => {
    const parts: Buffer[] = [];
    while (bytes[p] !== 0) {
      parts.push(bytes.subarray(p + 1, p + 1 + bytes[p]));
      p += 1 + bytes[p];
    }
    p++;
    return Buffer.concat(parts);
  };
  for (;;) {
    const b = bytes[p++];
    if (b === 0x3b) break;
    if (b === 0x21) {
      const label = bytes[p++];
      const body = blocks();
      if (label === 0xf9) delay = body.readUInt16LE(1) * 10;
      else if (label === 0xfe) res.comment = body.toString('utf8');
      else if (label === 0xff && body.toString('latin1', 0, 11) === 'NETSCAPE2.0') res.loops = body.readUInt16LE(12);
    } else if (b === 0x2c) {
      const w = bytes.readUInt16LE(p + 4);
      const h = bytes.readUInt16LE(p + 6);
      if (bytes[p + 8] & 0x80) throw new Error('local colour tables are not expected');
      p += 9;
      const minSize = bytes[p++];
      const idx = lzwDecode(blocks(), minSize, w * h);
      const rgb = new Uint8Array(w * h * 3);
      idx.forEach((k, i) => rgb.set(palette.subarray(k * 3, k * 3 + 3), i * 3));
      res.frames.push(rgb);
      res.delays.push(delay);
    } else throw new Error(`GIF: unexpected block 0x${b.toString(16)} at ${p - 1}`);
  }
  return res;
}

export function decodeApng(bytes: Buffer): DecodedAnimation {
  let p = 8;
  let width = 0;
  let height = 0;
  let declared = -1;
  const res: DecodedAnimation = { width: 0, height: 0, frames: [], delays: [] };
  let current: Buffer[] | null = null;
  const finish = () => {
    if (!current) return;
    const raw = zlib.inflateSync(Buffer.concat(current));
    const rgb = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++) {
      if (raw[y * (1 + width * 3)] !== 0) throw new Error('only filter 0 is expected');
      rgb.set(raw.subarray(y * (1 + width * 3) + 1, (y + 1) * (1 + width * 3)), y * width * 3);
    }
    res.frames.push(rgb);
    current = null;
  };
  while (p < bytes.length) {
    const len = bytes.readUInt32BE(p);
    const type = bytes.toString('latin1', p + 4, p + 8);
    const data = bytes.subarray(p + 8, p + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
    } else if (type === 'acTL') {
      declared = data.readUInt32BE(0);
      res.loops = data.readUInt32BE(4);
    } else if (type === 'fcTL') {
      finish();
      current = [];
      res.delays.push((1000 * data.readUInt16BE(20)) / data.readUInt16BE(22));
    } else if (type === 'IDAT') current?.push(data);
    else if (type === 'fdAT') current?.push(data.subarray(4));
    p += 12 + len;
  }
  finish();
  if (declared !== res.frames.length) throw new Error(`acTL declares ${declared} frames, found ${res.frames.length}`);
  return { ...res, width, height };
}

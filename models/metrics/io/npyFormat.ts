// Reading numpy .npy arrays and .npz archives (stored or deflated zip entries), enough for
// feature files and pytorch-fid statistics (mu, sigma). Float32, float64 and integer arrays.
import * as zlib from 'zlib';

export interface NpyArray {
  shape: number[];
  /** Values in C (row-major) order, widened to float64. */
  data: Float64Array;
  dtype: string;
}

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

const READERS: Record<string, [number, (b: Buffer, o: number) => number]> = {
  '<f4': [4, (b, o) => b.readFloatLE(o)],
  '<f8': [8, (b, o) => b.readDoubleLE(o)],
  '>f4': [4, (b, o) => b.readFloatBE(o)],
  '>f8': [8, (b, o) => b.readDoubleBE(o)],
  '<i4': [4, (b, o) => b.readInt32LE(o)],
  '<i8': [8, (b, o) => Number(b.readBigInt64LE(o))],
  '|u1': [1, (b, o) => b.readUInt8(o)],
  '<u1': [1, (b, o) => b.readUInt8(o)],
};

export function parseNpy(buf: Buffer, source: string): NpyArray {
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) throw new Error(`${source}: not a .npy file (missing the \\x93NUMPY magic)`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + headerLen);
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*True/.test(header);
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined) throw new Error(`${source}: cannot read the .npy header '${header.trim()}'`);
  const reader = READERS[descr];
  if (!reader) throw new Error(`${source}: unsupported dtype '${descr}' (expected one of ${Object.keys(READERS).join(', ')})`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length).map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const [size, read] = reader;
  const offset = start + headerLen;
  if (buf.length < offset + count * size) throw new Error(`${source}: header says shape [${shape}] of ${descr} (${count * size} bytes) but only ${buf.length - offset} bytes follow`);
  const raw = new Float64Array(count);
  for (let i = 0; i < count; i++) raw[i] = read(buf, offset + i * size);
  const data = fortran && shape.length > 1 ? fortranToC(raw, shape) : raw;
  return { shape, data, dtype: descr };
}

function fortranToC(raw: Float64Array, shape: number[]): Float64Array {
  const out = new Float64Array(raw.length);
  const nd = shape.length;
  const idx = new Array<number>(nd).fill(0);
  for (let c = 0; c < raw.length; c++) {
    // c walks C order; compute the Fortran offset of the same index.
    let f = 0;
    let stride = 1;
    for (let k = 0; k < nd; k++) {
      f += idx[k] * stride;
      stride *= shape[k];
    }
    out[c] = raw[f];
    for (let k = nd - 1; k >= 0; k--) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
  }
  return out;
}

/** The arrays of an .npz archive by name (without the .npy suffix). */
export function parseNpz(buf: Buffer, source: string): Map<string, NpyArray> {
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error(`${source}: not an .npz (zip) file (no end-of-central-directory record)`);
  const entries = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  if (p === 0xffffffff) throw new Error(`${source}: zip64 archives are not supported; save the arrays as .npy instead`);
  const out = new Map<string, NpyArray>();
  for (let e = 0; e < entries; e++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`${source}: corrupt zip central directory at byte ${p}`);
    const method = buf.readUInt16LE(p + 10);
    const compressed = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    const dataStart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const body = buf.subarray(dataStart, dataStart + compressed);
    let bytes: Buffer;
    if (method === 0) bytes = body;
    else if (method === 8) bytes = zlib.inflateRawSync(body);
    else throw new Error(`${source}: entry '${name}' uses zip compression method ${method} (expected 0 stored or 8 deflate)`);
    out.set(name.replace(/\.npy$/, ''), parseNpy(bytes, `${source}:${name}`));
  }
  return out;
}

/** Writes a float32 or float64 array as .npy version 1.0 (used by tests and for exporting). */
export function encodeNpy(shape: number[], data: Float32Array | Float64Array): Buffer {
  const descr = data instanceof Float32Array ? '<f4' : '<f8';
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header = header + ' '.repeat(pad % 64) + '\n';
  const head = Buffer.alloc(10);
  MAGIC.copy(head);
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

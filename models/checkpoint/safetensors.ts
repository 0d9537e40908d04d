// safetensors read/write. Format: u64 LE header length, JSON header
// {name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {str: str}}, then raw bytes.
import * as fs from 'fs';

export type SafeDType = 'F32' | 'F16' | 'BF16' | 'F64' | 'I64' | 'I32' | 'U8' | 'I8' | 'BOOL';

/** A host-side tensor: float32 values in row-major order (integers too, as numbers). */
export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

export type StateDict = Map<string, HostTensor>;

/** The first NaN or infinite value of a state dict (tensor, flat index, value), or undefined when all are finite. */
export function firstNonFinite(tensors: StateDict): { name: string; index: number; value: number } | undefined {
  for (const [name, t] of tensors) {
    const d = t.data;
    for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return { name, index: i, value: d[i] };
  }
  return undefined;
}

export interface SafetensorsFile {
  tensors: StateDict;
  metadata: Record<string, string>;
  /** dtype each tensor had on disk */
  dtypes: Map<string, SafeDType>;
}

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

const BYTES: Record<SafeDType, number> = { F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, I32: 4, U8: 1, I8: 1, BOOL: 1 };

export function halfToFloat(h: number): number {
  const s = (h & 0x8000) >> 15;
  const e = (h & 0x7c00) >> 10;
  const f = h & 0x03ff;
  let v: number;
  if (e === 0) v = (f / 1024) * 2 ** -14;
  else if (e === 0x1f) v = f ? NaN : Infinity;
  else v = (1 + f / 1024) * 2 ** (e - 15);
  return s ? -v : v;
}

const f32buf = new Float32Array(1);
const u32buf = new Uint32Array(f32buf.buffer);

export function floatToHalf(v: number): number {
  f32buf[0] = v;
  const x = u32buf[0];
  const sign = (x >>> 16) & 0x8000;
  let exp = ((x >>> 23) & 0xff) - 127 + 15;
  let mant = x & 0x7fffff;
  if (((x >>> 23) & 0xff) === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  if (exp >= 0x1f) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - exp;
    let half = mant >> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = sign | (exp << 10) | (mant >> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return half;
}

export function bf16ToFloat(b: number): number {
  u32buf[0] = b << 16;
  return f32buf[0];
}

export function floatToBf16(v: number): number {
  f32buf[0] = v;
  const x = u32buf[0];
  if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) return (x >>> 16) | 0x40;
  const rounding = 0x7fff + ((x >>> 16) & 1);
  return ((x + rounding) >>> 16) & 0xffff;
}

/** Decode raw little-endian bytes of a dtype into float32 values. */
export function decodeToFloat32(bytes: Uint8Array, dtype: SafeDType, count: number): Float32Array {
  const out = new Float32Array(count);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'F32':
      for (let i = 0; i < count; i++) out[i] = dv.getFloat32(i * 4, true);
      break;
    case 'F64':
      for (let i = 0; i < count; i++) out[i] = dv.getFloat64(i * 8, true);
      break;
    case 'F16':
      for (let i = 0; i < count; i++) out[i] = halfToFloat(dv.getUint16(i * 2, true));
      break;
    case 'BF16':
      for (let i = 0; i < count; i++) out[i] = bf16ToFloat(dv.getUint16(i * 2, true));
      break;
    case 'I64':
      for (let i = 0; i < count; i++) out[i] = Number(dv.getBigInt64(i * 8, true));
      break;
    case 'I32':
      for (let i = 0; i < count; i++) out[i] = dv.getInt32(i * 4, true);
      break;
    case 'U8':
    case 'BOOL':
      for (let i = 0; i < count; i++) out[i] = dv.getUint8(i);
      break;
    case 'I8':
      for (let i = 0; i < count; i++) out[i] = dv.getInt8(i);
      break;
    default:
      throw new CheckpointError(`unsupported dtype ${dtype as string}`);
  }
  return out;
}

export function parseSafetensors(buf: Uint8Array, source = 'buffer'): SafetensorsFile {
  if (buf.byteLength < 8) throw new CheckpointError(`${source}: not a safetensors file (shorter than its 8-byte header length)`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  if (n <= 1 || 8 + n > buf.byteLength) {
    throw new CheckpointError(`${source}: not a safetensors file (header length ${n} does not fit in ${buf.byteLength} bytes)`);
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(buf.buffer, buf.byteOffset + 8, n).toString('utf8'));
  } catch (e) {
    throw new CheckpointError(`${source}: safetensors header is not valid JSON (${(e as Error).message})`);
  }
  const dataStart = 8 + n;
  const tensors: StateDict = new Map();
  const dtypes = new Map<string, SafeDType>();
  let metadata: Record<string, string> = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = (info ?? {}) as Record<string, string>;
      continue;
    }
    const { dtype, shape, data_offsets } = info as { dtype: SafeDType; shape: number[]; data_offsets: [number, number] };
    if (!(dtype in BYTES)) throw new CheckpointError(`${source}: tensor ${name} has unsupported dtype ${dtype}`);
    if (!Array.isArray(shape) || !Array.isArray(data_offsets)) throw new CheckpointError(`${source}: tensor ${name} lacks shape or data_offsets`);
    const count = shape.reduce((a, b) => a * b, 1);
    const [b0, b1] = data_offsets;
    if (b1 - b0 !== count * BYTES[dtype] || dataStart + b1 > buf.byteLength || b0 < 0) {
      throw new CheckpointError(`${source}: tensor ${name} (${dtype} ${JSON.stringify(shape)}) has data_offsets [${b0}, ${b1}] that do not match its size or the file`);
    }
    tensors.set(name, { shape, data: decodeToFloat32(buf.subarray(dataStart + b0, dataStart + b1), dtype, count) });
    dtypes.set(name, dtype);
  }
  return { tensors, metadata, dtypes };
}

export function readSafetensors(file: string): SafetensorsFile {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    throw new CheckpointError(`cannot read checkpoint ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseSafetensors(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), file);
}

export type WriteDType = 'F32' | 'F16' | 'BF16';

export function serializeSafetensors(tensors: StateDict, metadata: Record<string, string> = {}, dtype: WriteDType = 'F32'): Buffer {
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  const size = BYTES[dtype];
  let off = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new CheckpointError(`tensor ${name}: shape ${JSON.stringify(t.shape)} holds ${count} values, data has ${t.data.length}`);
    header[name] = { dtype, shape: t.shape, data_offsets: [off, off + count * size] };
    off += count * size;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (8 - (json.length % 8)) % 8;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const out = Buffer.alloc(8 + json.length + off);
  out.writeBigUInt64LE(BigInt(json.length), 0);
  json.copy(out, 8);
  let p = 8 + json.length;
  for (const name of names) {
    const d = tensors.get(name)!.data;
    if (dtype === 'F32') {
      for (let i = 0; i < d.length; i++, p += 4) out.writeFloatLE(d[i], p);
    } else if (dtype === 'F16') {
      for (let i = 0; i < d.length; i++, p += 2) out.writeUInt16LE(floatToHalf(d[i]), p);
    } else {
      for (let i = 0; i < d.length; i++, p += 2) out.writeUInt16LE(floatToBf16(d[i]), p);
    }
  }
  return out;
}

/** Writes atomically (temp file + rename) so a crash never leaves a half-written checkpoint. */
export function writeSafetensors(file: string, tensors: StateDict, metadata: Record<string, string> = {}, dtype: WriteDType = 'F32'): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, serializeSafetensors(tensors, metadata, dtype));
  fs.renameSync(tmp, file);
}

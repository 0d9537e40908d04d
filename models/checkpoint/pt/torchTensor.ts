// Storages and strided tensor views as torch.save writes them, and their conversion to HostTensor.
// A tensor is (storage, element offset, size, stride); several tensors may view one storage.
import { CheckpointError, decodeToFloat32, type HostTensor, type SafeDType } from '../safetensors';

export type TorchDType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/** torch.<Name>Storage → element type. */
export const STORAGE_DTYPES: Record<string, TorchDType> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
  UntypedStorage: 'uint8',
};

export const ELEMENT_BYTES: Record<TorchDType, number> = {
  float32: 4, float64: 8, float16: 2, bfloat16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1,
};

const SAFE_DTYPE: Partial<Record<TorchDType, SafeDType>> = {
  float32: 'F32', float64: 'F64', float16: 'F16', bfloat16: 'BF16', int64: 'I64', int32: 'I32', int8: 'I8', uint8: 'U8', bool: 'BOOL',
};

/** Largest tensor we turn into one Float32Array. */
const MAX_ELEMENTS = 2 ** 31 - 1;

/** One storage: `numel` elements of `dtype`, its bytes fetched only when a tensor needs them. */
export class TorchStorage {
  private cached?: Uint8Array;

  constructor(
    readonly key: string,
    readonly dtype: TorchDType,
    readonly numel: number,
    private readonly loadBytes: () => Uint8Array,
    readonly littleEndian = true,
  ) {
    if (!Number.isSafeInteger(numel) || numel < 0) throw new CheckpointError(`storage ${key}: element count ${numel} is not a valid size`);
  }

  /** Raw little-endian bytes of all `numel` elements. */
  bytes(): Uint8Array {
    if (!this.cached) {
      const need = this.numel * ELEMENT_BYTES[this.dtype];
      const b = this.loadBytes();
      if (b.byteLength < need) {
        throw new CheckpointError(`storage ${this.key}: holds ${b.byteLength} bytes, its ${this.numel} ${this.dtype} elements need ${need}`);
      }
      this.cached = this.littleEndian ? b.subarray(0, need) : swapBytes(b.subarray(0, need), ELEMENT_BYTES[this.dtype]);
    }
    return this.cached;
  }

  /** Drops the cached bytes (they are read again if needed). */
  release(): void {
    this.cached = undefined;
  }

  /** A storage over elements [offset, offset + numel) of this one (legacy files' storage views). */
  view(key: string, offset: number, numel: number): TorchStorage {
    if (offset < 0 || numel < 0 || offset + numel > this.numel) {
      throw new CheckpointError(`storage view ${key}: elements [${offset}, ${offset + numel}) lie outside storage ${this.key} of ${this.numel}`);
    }
    const size = ELEMENT_BYTES[this.dtype];
    return new TorchStorage(key, this.dtype, numel, () => this.bytes().subarray(offset * size, (offset + numel) * size));
  }
}

function swapBytes(b: Uint8Array, width: number): Uint8Array {
  const out = new Uint8Array(b.byteLength);
  for (let i = 0; i < b.byteLength; i += width) for (let j = 0; j < width; j++) out[i + j] = b[i + width - 1 - j];
  return out;
}

/** A strided view of a storage, checked to lie inside it. */
export class TorchTensor {
  readonly numel: number;

  constructor(readonly storage: TorchStorage, readonly offset: number, readonly shape: number[], readonly stride: number[]) {
    const what = `tensor on storage ${storage.key}`;
    if (shape.length !== stride.length) throw new CheckpointError(`${what}: size ${fmt(shape)} and stride ${fmt(stride)} differ in rank`);
    if (shape.some((d) => d < 0) || stride.some((s) => s < 0) || offset < 0) {
      throw new CheckpointError(`${what}: negative size, stride or offset (size ${fmt(shape)}, stride ${fmt(stride)}, offset ${offset})`);
    }
    let numel = 1;
    for (const d of shape) numel *= d;
    if (numel > MAX_ELEMENTS) throw new CheckpointError(`${what}: ${fmt(shape)} has ${numel} elements, more than one array can hold`);
    this.numel = numel;
    if (numel > 0) {
      const last = offset + shape.reduce((acc, d, i) => acc + (d - 1) * stride[i], 0);
      if (last >= storage.numel) {
        throw new CheckpointError(
          `${what}: size ${fmt(shape)}, stride ${fmt(stride)}, offset ${offset} reaches element ${last} but the storage has ${storage.numel}`,
        );
      }
    }
  }

  get dtype(): TorchDType {
    return this.storage.dtype;
  }

  isContiguous(): boolean {
    let expect = 1;
    for (let i = this.shape.length - 1; i >= 0; i--) {
      if (this.shape[i] !== 1 && this.stride[i] !== expect) return false;
      expect *= this.shape[i];
    }
    return true;
  }

  /** Row-major float32 copy of the values (integers and bools become numbers). */
  toHost(): HostTensor {
    const bytes = this.storage.bytes();
    const size = ELEMENT_BYTES[this.dtype];
    if (this.isContiguous()) {
      const slice = bytes.subarray(this.offset * size, (this.offset + this.numel) * size);
      return { shape: [...this.shape], data: decode(slice, this.dtype, this.numel) };
    }
    const all = decode(bytes, this.dtype, this.storage.numel);
    const out = new Float32Array(this.numel);
    const rank = this.shape.length;
    const index = new Array<number>(rank).fill(0);
    let src = this.offset;
    for (let i = 0; i < this.numel; i++) {
      out[i] = all[src];
      for (let a = rank - 1; a >= 0; a--) {
        index[a]++;
        src += this.stride[a];
        if (index[a] < this.shape[a]) break;
        src -= this.stride[a] * this.shape[a];
        index[a] = 0;
      }
    }
    return { shape: [...this.shape], data: out };
  }
}

function decode(bytes: Uint8Array, dtype: TorchDType, count: number): Float32Array {
  const safe = SAFE_DTYPE[dtype];
  if (safe) return decodeToFloat32(bytes, safe, count);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = dv.getInt16(i * 2, true); // int16, the one type safetensors.ts lacks
  return out;
}

function fmt(a: number[]): string {
  return `[${a.join(', ')}]`;
}

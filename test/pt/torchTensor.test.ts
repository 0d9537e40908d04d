// Strided views of storages: offsets, strides (transposes), shared storages, byte order, bounds.
import { TorchStorage, TorchTensor } from '../../models/checkpoint/pt/torchTensor';
import { CheckpointError } from '../../models/checkpoint/safetensors';

function f32Storage(values: number[], littleEndian = true): TorchStorage {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => (littleEndian ? b.writeFloatLE(v, i * 4) : b.writeFloatBE(v, i * 4)));
  return new TorchStorage('0', 'float32', values.length, () => new Uint8Array(b.buffer, b.byteOffset, b.length), littleEndian);
}

describe('TorchTensor', () => {
  const values = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];

  it('reads a contiguous view at a storage offset', () => {
    const t = new TorchTensor(f32Storage(values), 4, [2, 3], [3, 1]);
    expect(t.isContiguous()).toBe(true);
    expect(Array.from(t.toHost().data)).toEqual([4, 5, 6, 7, 8, 9]);
  });

  it('reads a transposed (column-major) view in row-major order', () => {
    const t = new TorchTensor(f32Storage(values), 0, [3, 4], [1, 3]); // the transpose of a [4, 3] matrix
    expect(t.isContiguous()).toBe(false);
    expect(Array.from(t.toHost().data)).toEqual([0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11]);
  });

  it('reads a strided slice and a broadcast (stride 0) view', () => {
    const s = f32Storage(values);
    expect(Array.from(new TorchTensor(s, 1, [2, 2], [6, 2]).toHost().data)).toEqual([1, 3, 7, 9]);
    expect(Array.from(new TorchTensor(s, 5, [3], [0]).toHost().data)).toEqual([5, 5, 5]);
  });

  it('two views of one storage read their own parts and load its bytes once', () => {
    let loads = 0;
    const b = Buffer.alloc(values.length * 4);
    values.forEach((v, i) => b.writeFloatLE(v, i * 4));
    const s = new TorchStorage('7', 'float32', values.length, () => (loads++, new Uint8Array(b.buffer, b.byteOffset, b.length)));
    expect(Array.from(new TorchTensor(s, 0, [8], [1]).toHost().data)).toEqual(values.slice(0, 8));
    expect(Array.from(new TorchTensor(s, 8, [4], [1]).toHost().data)).toEqual(values.slice(8));
    expect(loads).toBe(1);
  });

  it('decodes big-endian storages', () => {
    expect(Array.from(new TorchTensor(f32Storage([1.5, -2], false), 0, [2], [1]).toHost().data)).toEqual([1.5, -2]);
  });

  it('refuses a view that reaches past its storage, naming sizes', () => {
    expect(() => new TorchTensor(f32Storage(values), 4, [3, 3], [3, 1])).toThrow(/reaches element 12 but the storage has 12/);
    expect(() => new TorchTensor(f32Storage(values), 0, [2, -1], [1, 1])).toThrow(CheckpointError);
    expect(() => new TorchTensor(f32Storage(values), 0, [2], [1, 1])).toThrow(/differ in rank/);
  });

  it('refuses a storage whose bytes are fewer than its elements need', () => {
    const s = new TorchStorage('3', 'float16', 10, () => new Uint8Array(6));
    expect(() => new TorchTensor(s, 0, [10], [1]).toHost()).toThrow('storage 3: holds 6 bytes, its 10 float16 elements need 20');
  });

  it('an empty tensor needs no bytes', () => {
    expect(new TorchTensor(f32Storage([]), 0, [0, 5], [5, 1]).toHost()).toEqual({ shape: [0, 5], data: new Float32Array(0) });
  });
});

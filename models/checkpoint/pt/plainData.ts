// Turns unpickled values into JSON-ready plain data for metadata (steps, args, optimizer summary).
// Bounded: shared or cyclic references from a hostile or damaged pickle cannot blow it up.
import { isPyGlobal, PyDict, PyObject } from './pythonValues';
import { TorchStorage, TorchTensor } from './torchTensor';

export type Plain = null | boolean | number | string | Plain[] | { [k: string]: Plain };

const NODE_BUDGET = 100_000;

export function toPlain(value: unknown): Plain {
  let budget = NODE_BUDGET;
  const path = new Set<unknown>();
  const walk = (v: unknown): Plain => {
    if (--budget < 0) return '<…>';
    if (v === null || v === undefined) return null;
    if (typeof v === 'boolean' || typeof v === 'string') return v;
    if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Uint8Array) return `<${v.byteLength} bytes>`;
    if (v instanceof TorchTensor) return { tensor: v.dtype, shape: v.shape };
    if (v instanceof TorchStorage) return { storage: v.dtype, numel: v.numel };
    if (isPyGlobal(v)) return v.qualname;
    if (path.has(v)) return '<cycle>';
    path.add(v);
    try {
      if (Array.isArray(v)) return v.map(walk);
      if (v instanceof PyDict) {
        const out: { [k: string]: Plain } = {};
        for (const [k, x] of v.items) out[Array.isArray(k) ? `(${k.map(String).join(', ')})` : String(k)] = walk(x);
        return out;
      }
      if (v instanceof PyObject) {
        const out: { [k: string]: Plain } = {};
        for (const [k, x] of Object.entries(v.fields)) out[k] = walk(x);
        return out;
      }
      return `<${(v as object).constructor?.name ?? 'object'}>`;
    } finally {
      path.delete(v);
    }
  };
  return walk(value);
}

/** True when plain data (from toPlain) holds no tensor or storage descriptors, e.g. `steps` and `args`. */
export function isTensorFree(value: unknown): boolean {
  if (Array.isArray(value)) return value.every(isTensorFree);
  if (typeof value === 'object' && value !== null) {
    if ('tensor' in value || 'storage' in value) return false;
    return Object.values(value).every(isTensorFree);
  }
  return true;
}

// The only globals a checkpoint pickle may name, each with an inert plain-data meaning.
// Anything else — os.system, builtins.eval, a model class, numpy arrays — refuses the whole file.
import { CheckpointError } from '../safetensors';
import { asInt, asIntArray, asString, describePy, isPyGlobal, printable, PyDict, PyObject, type PyGlobal } from './pythonValues';
import type { PyBuildable } from './pickleMachine';
import { STORAGE_DTYPES, TorchStorage, TorchTensor, type TorchDType } from './torchTensor';

/** Thrown when a pickle names a global outside the allow-list; `qualname` is `module.name`. */
export class RefusedGlobalError extends CheckpointError {
  constructor(readonly qualname: string) {
    super(
      `refused: the pickle asks for the global '${printable(qualname)}', which is not plain data ` +
        `(only tensors, storages, dicts, argparse.Namespace and a few torch/numpy value types are loaded; nothing in the file is run)`,
    );
  }
}

/** A storage class such as torch.FloatStorage: only ever used as a type tag in persistent ids. */
export interface StorageTypeGlobal extends PyGlobal {
  readonly dtype: TorchDType;
}

export function isStorageType(v: unknown): v is StorageTypeGlobal {
  return isPyGlobal(v) && typeof (v as StorageTypeGlobal).dtype === 'string';
}

const TENSOR_TYPES = new Set(['torch.Tensor', 'torch.nn.parameter.Parameter', 'torch.nn.Parameter']);

function tag(qualname: string, extra: Partial<PyGlobal> = {}): PyGlobal {
  return { kind: 'global', qualname, ...extra };
}

/** A global whose call checks its argument count, then builds plain data with `body`. */
function fn(qualname: string, min: number, max: number, body: (args: unknown[]) => unknown): PyGlobal {
  return tag(qualname, {
    call: (args) => {
      arity(qualname, args, min, max);
      return body(args);
    },
  });
}

function arity(qualname: string, args: unknown[], min: number, max: number): void {
  if (args.length < min || args.length > max) {
    throw new CheckpointError(`${qualname} takes ${min === max ? min : `${min}–${max}`} arguments, the pickle gives ${args.length}`);
  }
}

function asTensor(v: unknown, what: string): TorchTensor {
  if (!(v instanceof TorchTensor)) throw new CheckpointError(`${what}: expected a tensor, got ${describePy(v)}`);
  return v;
}

function rebuildTensor(qualname: string, args: unknown[]): TorchTensor {
  const storage = args[0];
  if (!(storage instanceof TorchStorage)) throw new CheckpointError(`${qualname}: expected a storage, got ${describePy(storage)}`);
  return new TorchTensor(storage, asInt(args[1], `${qualname} storage offset`), asIntArray(args[2], `${qualname} size`), asIntArray(args[3], `${qualname} stride`));
}

function orderedDict(className: string) {
  return (args: unknown[]): PyDict => {
    const d = new PyDict(className);
    if (args.length === 0 || args[0] === null) return d;
    const src = args[0];
    if (src instanceof PyDict) for (const [k, v] of src.items) d.set(k, v);
    else if (Array.isArray(src)) {
      for (const pair of src) {
        if (!Array.isArray(pair) || pair.length !== 2) throw new CheckpointError(`${className} items must be (key, value) pairs, got ${describePy(pair)}`);
        d.set(pair[0], pair[1]);
      }
    } else throw new CheckpointError(`${className}(${describePy(src)}) is not a dict construction`);
    return d;
  };
}

function record(className: string) {
  return (): PyObject => new PyObject(className);
}

/** numpy dtype stand-in: just the type string ('f8', 'i8', …) and byte order set by BUILD. */
class NumpyDType implements PyBuildable {
  littleEndian = true;
  constructor(readonly code: string) {}
  setState(state: unknown): void {
    if (Array.isArray(state) && typeof state[1] === 'string') this.littleEndian = state[1] !== '>';
  }
}

function numpyScalar(args: unknown[]): number | boolean {
  const [dt, raw] = args;
  if (!(dt instanceof NumpyDType)) throw new CheckpointError(`numpy scalar: expected a dtype, got ${describePy(dt)}`);
  const b = raw instanceof Uint8Array ? raw : typeof raw === 'string' ? Uint8Array.from(Buffer.from(raw, 'latin1')) : null;
  if (!b) throw new CheckpointError(`numpy scalar: expected bytes, got ${describePy(raw)}`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const le = dt.littleEndian;
  const need: Record<string, number> = { f8: 8, f4: 4, i8: 8, i4: 4, u1: 1, b1: 1 };
  if (!(dt.code in need)) throw new CheckpointError(`numpy scalar of dtype '${dt.code}' is not supported (f8, f4, i8, i4, u1, b1 are)`);
  if (b.byteLength < need[dt.code]) throw new CheckpointError(`numpy ${dt.code} scalar needs ${need[dt.code]} bytes, got ${b.byteLength}`);
  switch (dt.code) {
    case 'f8': return dv.getFloat64(0, le);
    case 'f4': return dv.getFloat32(0, le);
    case 'i8': return Number(dv.getBigInt64(0, le));
    case 'i4': return dv.getInt32(0, le);
    case 'u1': return dv.getUint8(0);
    default: return dv.getUint8(0) !== 0;
  }
}

const TORCH_DTYPES = ['float32', 'float', 'float64', 'double', 'float16', 'half', 'bfloat16', 'int64', 'long', 'int32', 'int', 'int16', 'int8', 'uint8', 'bool'];

function buildAllowList(): Map<string, PyGlobal> {
  const m = new Map<string, PyGlobal>();
  const add = (g: PyGlobal) => m.set(g.qualname, g);
  for (const [name, dtype] of Object.entries(STORAGE_DTYPES)) {
    const g: StorageTypeGlobal = { kind: 'global', qualname: `torch.${name}`, dtype };
    add(g);
    if (name === 'UntypedStorage') m.set('torch.storage.UntypedStorage', g);
  }
  // _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, backward_hooks[, metadata])
  add(fn('torch._utils._rebuild_tensor_v2', 6, 7, (a) => rebuildTensor('torch._utils._rebuild_tensor_v2', a)));
  add(fn('torch._utils._rebuild_tensor', 4, 4, (a) => rebuildTensor('torch._utils._rebuild_tensor', a)));
  // nn.Parameter: (tensor, requires_grad, backward_hooks[, state]) → the tensor
  add(fn('torch._utils._rebuild_parameter', 3, 3, (a) => asTensor(a[0], 'torch._utils._rebuild_parameter')));
  add(fn('torch._utils._rebuild_parameter_with_state', 4, 4, (a) => asTensor(a[0], 'torch._utils._rebuild_parameter_with_state')));
  // tensor subclasses: (rebuild function, type, args, state) → rebuild(*args) when type is a plain tensor type
  const ft = 'torch._tensor._rebuild_from_type_v2';
  add(fn(ft, 4, 4, ([rebuild, type, args]) => {
    if (!isPyGlobal(rebuild) || !rebuild.call || !isPyGlobal(type) || !TENSOR_TYPES.has(type.qualname) || !Array.isArray(args)) {
      throw new CheckpointError(`${ft}: expected (rebuild function, tensor type, args, state), got (${[rebuild, type, args].map(describePy).join(', ')})`);
    }
    return asTensor(rebuild.call(args), ft);
  }));
  for (const t of TENSOR_TYPES) add(tag(t));
  add(fn('torch.Size', 0, 1, (a) => (a.length ? asIntArray(a[0], 'torch.Size') : [])));
  add(tag('torch.device', { call: (a) => a.map((x) => String(x)).join(':') }));
  for (const d of TORCH_DTYPES) add(tag(`torch.${d}`));
  for (const cls of ['collections.OrderedDict', 'builtins.dict', '__builtin__.dict']) {
    const make = orderedDict(cls.endsWith('OrderedDict') ? 'OrderedDict' : 'dict');
    add(tag(cls, { call: make, newObject: () => make([]) }));
  }
  for (const cls of ['builtins.set', 'builtins.frozenset', 'builtins.list', 'builtins.tuple', '__builtin__.set', '__builtin__.frozenset']) {
    add(tag(cls, { call: (a) => (a.length ? [...asIterable(a[0], cls)] : []) }));
  }
  add(tag('builtins.object'));
  add(tag('__builtin__.object'));
  add(tag('_codecs.encode', { call: (a) => Uint8Array.from(Buffer.from(asString(a[0], '_codecs.encode'), 'latin1')) }));
  add(tag('argparse.Namespace', { call: record('argparse.Namespace'), newObject: record('argparse.Namespace') }));
  // protocol 0/1 objects: _reconstructor(cls, object, None) → cls.__new__(cls) for an allow-listed cls
  const rc = 'copyreg._reconstructor';
  const reconstructor = fn(rc, 3, 3, ([cls]) => {
    if (!isPyGlobal(cls) || !cls.newObject) throw new CheckpointError(`${rc}: cannot reconstruct ${describePy(cls)}`);
    return cls.newObject([]);
  });
  add(reconstructor);
  m.set('copy_reg._reconstructor', reconstructor);
  for (const mod of ['numpy.core.multiarray', 'numpy._core.multiarray']) add(tag(`${mod}.scalar`, { call: numpyScalar }));
  add(tag('numpy.dtype', { call: (a) => new NumpyDType(asString(a[0], 'numpy.dtype')), newObject: (a) => new NumpyDType(asString(a[0], 'numpy.dtype')) }));
  return m;
}

function asIterable(v: unknown, what: string): unknown[] {
  if (Array.isArray(v)) return v;
  if (v instanceof PyDict) return [...v.items.keys()];
  throw new CheckpointError(`${what}: expected a sequence, got ${describePy(v)}`);
}

/** Resolves `module.name` against the allow-list, or throws RefusedGlobalError naming it. */
export function makeGlobalResolver(): (module: string, name: string) => PyGlobal {
  const allowed = buildAllowList();
  return (module, name) => {
    const g = allowed.get(`${module}.${name}`);
    if (!g) throw new RefusedGlobalError(`${module}.${name}`);
    return g;
  };
}

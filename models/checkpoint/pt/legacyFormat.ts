// torch.save's pre-zip ("legacy", PyTorch < 1.6 or _use_new_zipfile_serialization=False) layout:
// five things one after another in one stream —
//   pickle: magic number 0x1950a86a20f9469cfc6c
//   pickle: protocol version 1001
//   pickle: sys_info {protocol_version, little_endian, type_sizes}
//   pickle: the object; storages as persistent ids ('storage', type, key, location, numel, view)
//   pickle: list of storage keys, then for each key in that order: int64 numel + raw bytes
import { CheckpointError } from '../safetensors';
import { makeGlobalResolver, RefusedGlobalError } from './allowList';
import { unpickle, type PickleHooks } from './pickleMachine';
import { describePy, printable, PyDict } from './pythonValues';
import { StorageTable } from './storageTable';
import { ELEMENT_BYTES } from './torchTensor';

const MAGIC = 0x1950a86a20f9469cfc6cn;
const PROTOCOL_VERSION = 1001;

const noObjects: PickleHooks = {
  resolveGlobal: (module, name) => {
    throw new RefusedGlobalError(`${module}.${name}`);
  },
  persistentLoad: () => {
    throw new CheckpointError('a persistent id appears in a legacy header pickle');
  },
};

export function loadLegacyPickle(bytes: Uint8Array): unknown {
  const magic = unpickle(bytes, noObjects, 0);
  if (magic.value !== MAGIC) {
    throw new CheckpointError(`a pickle, but not a torch.save file (first value is ${describePy(magic.value)}, not torch's magic number)`);
  }
  const proto = unpickle(bytes, noObjects, magic.end);
  if (proto.value !== PROTOCOL_VERSION) throw new CheckpointError(`legacy protocol version ${String(proto.value)} is not ${PROTOCOL_VERSION}`);
  const sys = unpickle(bytes, noObjects, proto.end);
  if (!(sys.value instanceof PyDict)) throw new CheckpointError(`legacy sys_info is ${describePy(sys.value)}, expected a dict`);
  const littleEndian = sys.value.get('little_endian') !== false;

  const ranges = new Map<string, [number, number]>();
  const table = new StorageTable((key) => {
    const r = ranges.get(key);
    if (!r) throw new CheckpointError(`storage ${key} is referenced by the pickle but not listed in the file`);
    return bytes.subarray(r[0], r[1]);
  }, littleEndian);
  const main = unpickle(bytes, { resolveGlobal: makeGlobalResolver(), persistentLoad: (pid) => table.persistentLoad(pid) }, sys.end);
  const keys = unpickle(bytes, noObjects, main.end);
  if (!Array.isArray(keys.value) || !keys.value.every((k) => typeof k === 'string')) {
    throw new CheckpointError(`legacy storage key list is ${describePy(keys.value)}, expected a list of str`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = keys.end;
  for (const rawKey of keys.value as string[]) {
    const key = printable(rawKey);
    const storage = table.storages.get(key);
    if (!storage) throw new CheckpointError(`legacy storage ${key} is listed but no tensor uses it`);
    if (pos + 8 > bytes.byteLength) throw new CheckpointError(`legacy file ends before storage ${key} (truncated?)`);
    const numel = Number(dv.getBigInt64(pos, littleEndian));
    const nbytes = numel * ELEMENT_BYTES[storage.dtype];
    if (numel !== storage.numel || pos + 8 + nbytes > bytes.byteLength) {
      throw new CheckpointError(`legacy storage ${key}: header says ${numel} elements, the pickle ${storage.numel}; ${bytes.byteLength - pos - 8} bytes remain`);
    }
    ranges.set(key, [pos + 8, pos + 8 + nbytes]);
    pos += 8 + nbytes;
  }
  return main.value;
}

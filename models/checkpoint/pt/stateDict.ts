// Finds the state dict inside an unpickled checkpoint the way the published sample scripts do:
// checkpoint['model'], else ['module'], else ['state_dict'], else the top level itself.
// The remaining top-level entries (steps, args, optimizer, ...) become metadata.
import { CheckpointError, type StateDict } from '../safetensors';
import { toPlain, type Plain } from './plainData';
import { describePy, PyDict } from './pythonValues';
import { TorchStorage, TorchTensor, type TorchDType } from './torchTensor';

export const STATE_DICT_CONTAINERS = ['model', 'module', 'state_dict'] as const;
/** Key prefixes added by DistributedDataParallel (`module.`) and torch.compile (`_orig_mod.`). */
const WRAPPER_PREFIXES = ['module.', '_orig_mod.'];

export interface LocatedStateDict {
  tensors: Map<string, TorchTensor>;
  /** Which top-level key held the state dict; null when it was the top level. */
  container: string | null;
  strippedPrefix: string;
  /** State-dict entries that are not tensors (left out). */
  skipped: string[];
  metadata: Record<string, Plain>;
}

function hasTensor(d: PyDict): boolean {
  for (const v of d.items.values()) if (v instanceof TorchTensor) return true;
  return false;
}

export function locateStateDict(root: unknown): LocatedStateDict {
  if (!(root instanceof PyDict)) throw new CheckpointError(`the checkpoint holds a ${describePy(root)}; expected a dict holding a state dict`);
  let dict: PyDict | undefined;
  let container: string | null = null;
  for (const key of STATE_DICT_CONTAINERS) {
    if (!root.has(key)) continue;
    const v = root.get(key);
    if (!(v instanceof PyDict) || !hasTensor(v)) throw new CheckpointError(`checkpoint['${key}'] is a ${describePy(v)} without tensors; expected the state dict`);
    dict = v;
    container = key;
    break;
  }
  if (!dict) {
    if (!hasTensor(root)) {
      const keys = [...root.items.keys()].slice(0, 12).map(String).join(', ');
      throw new CheckpointError(`no state dict found: expected a 'model', 'module' or 'state_dict' entry or tensors at the top level; top-level keys: ${keys || 'none'}`);
    }
    dict = root;
  }
  const tensors = new Map<string, TorchTensor>();
  const skipped: string[] = [];
  for (const [k, v] of dict.items) {
    if (typeof k !== 'string') throw new CheckpointError(`state dict key ${describePy(k)} is not a str`);
    if (v instanceof TorchTensor) tensors.set(k, v);
    else skipped.push(k);
  }
  let strippedPrefix = '';
  for (let changed = true; changed; ) {
    changed = false;
    for (const p of WRAPPER_PREFIXES) {
      if (tensors.size && [...tensors.keys()].every((k) => k.startsWith(p))) {
        const renamed = new Map([...tensors].map(([k, t]) => [k.slice(p.length), t] as [string, TorchTensor]));
        tensors.clear();
        for (const [k, t] of renamed) tensors.set(k, t);
        strippedPrefix += p;
        changed = true;
      }
    }
  }
  const metadata: Record<string, Plain> = {};
  if (container !== null) for (const [k, v] of root.items) if (k !== container) metadata[String(k)] = toPlain(v);
  return { tensors, container, strippedPrefix, skipped, metadata };
}

/** Reads every tensor's values (float32); returns the state dict and how many tensors had each dtype. */
export function materialize(tensors: Map<string, TorchTensor>): { stateDict: StateDict; dtypes: Partial<Record<TorchDType, number>> } {
  const stateDict: StateDict = new Map();
  const dtypes: Partial<Record<TorchDType, number>> = {};
  // Raw bytes of a storage are dropped once its last tensor is read: peak memory stays near
  // the float32 result instead of raw + result.
  const pending = new Map<TorchStorage, number>();
  for (const t of tensors.values()) pending.set(t.storage, (pending.get(t.storage) ?? 0) + 1);
  for (const [name, t] of tensors) {
    try {
      stateDict.set(name, t.toHost());
    } catch (e) {
      if (e instanceof CheckpointError) throw new CheckpointError(`tensor ${name}: ${e.message}`);
      throw e;
    }
    const left = pending.get(t.storage)! - 1;
    pending.set(t.storage, left);
    if (left === 0) t.storage.release();
    dtypes[t.dtype] = (dtypes[t.dtype] ?? 0) + 1;
  }
  return { stateDict, dtypes };
}

// Plain-data stand-ins for the Python values a checkpoint pickle may build.
// Nothing here runs code from a file: every value is inert data.
//   None → null, bool → boolean, int → number (bigint beyond 2^53), float → number,
//   str → string, bytes → Uint8Array, list/tuple/set → array, dict/OrderedDict → PyDict,
//   argparse.Namespace and similar records → PyObject.
import { CheckpointError } from '../safetensors';

/** A Python dict (or OrderedDict): insertion-ordered, keys compared by value for primitives. */
export class PyDict {
  readonly items = new Map<unknown, unknown>();
  /** Attributes set by BUILD (OrderedDict state dicts carry `_metadata` this way). */
  readonly attributes: Record<string, unknown> = {};

  constructor(readonly className = 'dict') {}

  set(key: unknown, value: unknown): void {
    if (key !== null && typeof key === 'object' && !Array.isArray(key)) {
      throw new CheckpointError(`a dict key must be a str, int, float, bool, None or tuple, got ${describePy(key)}`);
    }
    this.items.set(key, value);
  }

  get(key: unknown): unknown {
    return this.items.get(key);
  }

  has(key: unknown): boolean {
    return this.items.has(key);
  }
}

/** An instance of an allow-listed record class (e.g. argparse.Namespace): its fields only. */
export class PyObject {
  readonly fields: Record<string, unknown> = {};
  constructor(readonly className: string) {}
}

/** The result of a GLOBAL opcode: an allow-listed name with the plain-data behaviour we give it. */
export interface PyGlobal {
  readonly kind: 'global';
  readonly qualname: string;
  /** REDUCE: `qualname(*args)`. */
  call?(args: unknown[]): unknown;
  /** NEWOBJ / NEWOBJ_EX: `cls.__new__(cls, *args)`. */
  newObject?(args: unknown[]): unknown;
}

export function isPyGlobal(v: unknown): v is PyGlobal {
  return typeof v === 'object' && v !== null && (v as PyGlobal).kind === 'global';
}

/** A string from a file made safe to print: control and non-ASCII characters escaped, long text cut. */
export function printable(s: string, max = 80): string {
  // eslint-disable-next-line no-control-regex
  const esc = s.replace(/[^\x20-\x7e]/g, (c) => {
    const n = c.charCodeAt(0);
    return n > 0xff ? `\\u${n.toString(16).padStart(4, '0')}` : `\\x${n.toString(16).padStart(2, '0')}`;
  });
  return esc.length > max ? `${esc.slice(0, max)}…` : esc;
}

/** A short description of a value's Python type, for error messages. */
export function describePy(v: unknown): string {
  if (v === null) return 'None';
  if (v === undefined) return 'nothing';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'string') return 'str';
  if (v instanceof Uint8Array) return 'bytes';
  if (Array.isArray(v)) return `tuple/list of ${v.length}`;
  if (v instanceof PyDict) return v.className;
  if (v instanceof PyObject) return v.className;
  if (isPyGlobal(v)) return `global ${v.qualname}`;
  const ctor = (v as object).constructor;
  return ctor && ctor.name ? ctor.name : 'object';
}

export function asInt(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new CheckpointError(`${what}: expected an int, got ${describePy(v)}${typeof v === 'number' ? ` ${v}` : ''}`);
}

export function asIntArray(v: unknown, what: string): number[] {
  if (!Array.isArray(v)) throw new CheckpointError(`${what}: expected a tuple of ints, got ${describePy(v)}`);
  return v.map((x, i) => asInt(x, `${what}[${i}]`));
}

export function asString(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new CheckpointError(`${what}: expected a str, got ${describePy(v)}`);
  return v;
}

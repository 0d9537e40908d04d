// A pickle reader (protocols 0–5) that builds plain data only.
// GLOBAL / STACK_GLOBAL / INST ask `hooks.resolveGlobal`, which answers with an allow-listed,
// inert stand-in or refuses; REDUCE / NEWOBJ / BUILD only ever call those stand-ins.
// Nothing named by the file is imported, looked up or executed. Every read is bounds-checked,
// every opcode consumes input, so a damaged stream ends in a CheckpointError, never a hang.
import { CheckpointError } from '../safetensors';
import { describePy, isPyGlobal, printable, PyDict, PyObject, type PyGlobal } from './pythonValues';

export interface PickleHooks {
  resolveGlobal(module: string, name: string): PyGlobal;
  persistentLoad(pid: unknown): unknown;
}

/** Something BUILD may set state on besides PyObject and PyDict. */
export interface PyBuildable {
  setState(state: unknown): void;
}

const MAX_INT_BYTES = 64;

export class PickleError extends CheckpointError {}

class Cursor {
  pos: number;
  constructor(readonly bytes: Uint8Array, start: number) {
    this.pos = start;
  }
  take(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.bytes.length) {
      throw new PickleError(`pickle ends early: needs ${n} more bytes at byte ${this.pos}, stream has ${this.bytes.length}`);
    }
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  u8(): number {
    return this.take(1)[0];
  }
  dv(n: number): DataView {
    const b = this.take(n);
    return new DataView(b.buffer, b.byteOffset, n);
  }
  line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) throw new PickleError(`pickle ends early: unterminated text argument at byte ${this.pos}`);
    const s = Buffer.from(this.bytes.subarray(this.pos, end)).toString('latin1');
    this.pos = end + 1;
    return s;
  }
}

/** Little-endian two's-complement integer (LONG1/LONG4), as a number when it is exact. */
function decodeLong(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  if (b.length > MAX_INT_BYTES) throw new PickleError(`integer of ${b.length} bytes is larger than a checkpoint needs`);
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
  return narrowInt(v);
}

function narrowInt(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function parseTextInt(s: string): number | bigint | boolean {
  const t = s.trim().replace(/L$/, '');
  if (t === '00') return false; // protocol 0 booleans
  if (t === '01') return true;
  if (!/^[-+]?\d{1,40}$/.test(t)) throw new PickleError(`'${printable(s, 40)}' is not an integer literal`);
  return narrowInt(BigInt(t));
}

function parseTextString(s: string): string {
  const q = s[0];
  if ((q !== "'" && q !== '"') || s[s.length - 1] !== q || s.length < 2) throw new PickleError(`STRING argument ${printable(s, 40)} is not quoted`);
  return s.slice(1, -1).replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    return ({ n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"' } as Record<string, string>)[e] ?? `\\${e}`;
  });
}

const utf8 = (b: Uint8Array) => Buffer.from(b).toString('utf8');

/** Runs one pickle from `start`; returns its value and the byte after its STOP. */
export function unpickle(bytes: Uint8Array, hooks: PickleHooks, start = 0): { value: unknown; end: number } {
  const vm = new PickleMachine(new Cursor(bytes, start), hooks);
  let op = -1;
  let at = start;
  try {
    for (;;) {
      at = vm.cursor.pos;
      op = vm.cursor.u8();
      if (op === 0x2e /* STOP */) return { value: vm.pop(), end: vm.cursor.pos };
      vm.step(op);
    }
  } catch (e) {
    if (e instanceof CheckpointError && !(e instanceof PickleError)) throw e;
    const where = `pickle byte ${at}, opcode 0x${op.toString(16).padStart(2, '0')}`;
    throw new PickleError(`malformed pickle (${where}): ${(e as Error).message}`);
  }
}

class PickleMachine {
  private stack: unknown[] = [];
  private marks: number[] = [];
  private memo = new Map<number, unknown>();

  constructor(readonly cursor: Cursor, private readonly hooks: PickleHooks) {}

  pop(): unknown {
    if (this.stack.length === 0 || (this.marks.length && this.stack.length <= this.marks[this.marks.length - 1])) {
      throw new PickleError('stack underflow');
    }
    return this.stack.pop();
  }

  private top(): unknown {
    const fence = this.marks.length ? this.marks[this.marks.length - 1] : 0;
    if (this.stack.length <= fence) throw new PickleError('stack underflow');
    return this.stack[this.stack.length - 1];
  }

  private popMark(): unknown[] {
    const m = this.marks.pop();
    if (m === undefined) throw new PickleError('MARK expected on the stack');
    return this.stack.splice(m);
  }

  private memoGet(i: number): unknown {
    if (!this.memo.has(i)) throw new PickleError(`memo entry ${i} was never stored`);
    return this.memo.get(i);
  }

  private global(module: string, name: string): PyGlobal {
    return this.hooks.resolveGlobal(module, name);
  }

  private callable(v: unknown, how: 'call' | 'newObject'): PyGlobal {
    if (!isPyGlobal(v) || !v[how]) {
      throw new PickleError(`${describePy(v)} cannot be ${how === 'call' ? 'called' : 'instantiated'} from a checkpoint`);
    }
    return v;
  }

  private args(v: unknown): unknown[] {
    if (!Array.isArray(v)) throw new PickleError(`expected an argument tuple, got ${describePy(v)}`);
    return v;
  }

  private setItems(target: unknown, kv: unknown[]): void {
    if (!(target instanceof PyDict)) throw new PickleError(`SETITEM(S) on ${describePy(target)}, expected a dict`);
    if (kv.length % 2) throw new PickleError('SETITEMS with an odd number of items');
    for (let i = 0; i < kv.length; i += 2) target.set(kv[i], kv[i + 1]);
  }

  private append(target: unknown, items: unknown[]): void {
    if (!Array.isArray(target)) throw new PickleError(`APPEND(S) on ${describePy(target)}, expected a list`);
    for (const it of items) target.push(it);
  }

  private build(target: unknown, state: unknown): void {
    if (target instanceof PyObject) {
      const dict = Array.isArray(state) && state.length === 2 ? state[0] : state;
      if (dict === null) return;
      if (!(dict instanceof PyDict)) throw new PickleError(`state of ${target.className} must be a dict, got ${describePy(dict)}`);
      for (const [k, v] of dict.items) target.fields[String(k)] = v;
    } else if (target instanceof PyDict && state instanceof PyDict) {
      for (const [k, v] of state.items) target.attributes[String(k)] = v;
    } else if (typeof target === 'object' && target !== null && typeof (target as PyBuildable).setState === 'function') {
      (target as PyBuildable).setState(state);
    } else throw new PickleError(`cannot set state on ${describePy(target)}`);
  }

  private instantiate(cls: unknown, args: unknown[]): unknown {
    const g = isPyGlobal(cls) && cls.newObject ? cls : this.callable(cls, 'call');
    return g.newObject ? g.newObject(args) : g.call!(args);
  }

  // eslint-disable-next-line complexity
  step(op: number): void {
    const c = this.cursor;
    const push = (v: unknown) => this.stack.push(v);
    switch (op) {
      case 0x80: { const p = c.u8(); if (p > 5) throw new PickleError(`pickle protocol ${p} is newer than 5`); return; } // PROTO
      case 0x95: c.take(8); return; // FRAME (the frame's bytes follow inline)
      case 0x28: this.marks.push(this.stack.length); return; // MARK
      case 0x30: this.pop(); return; // POP
      case 0x31: this.popMark(); return; // POP_MARK
      case 0x32: push(this.top()); return; // DUP
      case 0x4e: push(null); return; // NONE
      case 0x88: push(true); return; // NEWTRUE
      case 0x89: push(false); return; // NEWFALSE
      case 0x49: push(parseTextInt(c.line())); return; // INT
      case 0x4c: push(parseTextInt(c.line())); return; // LONG
      case 0x4a: push(c.dv(4).getInt32(0, true)); return; // BININT
      case 0x4b: push(c.u8()); return; // BININT1
      case 0x4d: push(c.dv(2).getUint16(0, true)); return; // BININT2
      case 0x8a: push(decodeLong(c.take(c.u8()))); return; // LONG1
      case 0x8b: push(decodeLong(c.take(c.dv(4).getInt32(0, true)))); return; // LONG4
      case 0x46: { const s = c.line(); const f = Number(s); if (Number.isNaN(f) && !/nan/i.test(s)) throw new PickleError(`'${printable(s, 40)}' is not a float`); push(f); return; } // FLOAT
      case 0x47: push(c.dv(8).getFloat64(0, false)); return; // BINFLOAT (big-endian)
      case 0x53: push(parseTextString(c.line())); return; // STRING
      case 0x54: push(Buffer.from(c.take(c.dv(4).getInt32(0, true))).toString('latin1')); return; // BINSTRING
      case 0x55: push(Buffer.from(c.take(c.u8())).toString('latin1')); return; // SHORT_BINSTRING
      case 0x56: push(c.line().replace(/\\u([0-9a-fA-F]{4})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)))); return; // UNICODE
      case 0x58: push(utf8(c.take(c.dv(4).getUint32(0, true)))); return; // BINUNICODE
      case 0x8c: push(utf8(c.take(c.u8()))); return; // SHORT_BINUNICODE
      case 0x8d: push(utf8(c.take(bigLength(c.dv(8))))); return; // BINUNICODE8
      case 0x42: push(c.take(c.dv(4).getUint32(0, true)).slice()); return; // BINBYTES
      case 0x43: push(c.take(c.u8()).slice()); return; // SHORT_BINBYTES
      case 0x8e: push(c.take(bigLength(c.dv(8))).slice()); return; // BINBYTES8
      case 0x96: push(c.take(bigLength(c.dv(8))).slice()); return; // BYTEARRAY8
      case 0x97: throw new PickleError('out-of-band buffers (NEXT_BUFFER) are not used by checkpoints');
      case 0x98: return; // READONLY_BUFFER
      case 0x29: push([]); return; // EMPTY_TUPLE
      case 0x5d: push([]); return; // EMPTY_LIST
      case 0x7d: push(new PyDict()); return; // EMPTY_DICT
      case 0x8f: push([]); return; // EMPTY_SET
      case 0x74: push(this.popMark()); return; // TUPLE
      case 0x6c: push(this.popMark()); return; // LIST
      case 0x91: push(this.popMark()); return; // FROZENSET
      case 0x85: push([this.pop()]); return; // TUPLE1
      case 0x86: { const b = this.pop(); push([this.pop(), b]); return; } // TUPLE2
      case 0x87: { const z = this.pop(); const y = this.pop(); push([this.pop(), y, z]); return; } // TUPLE3
      case 0x64: { const d = new PyDict(); this.setItems(d, this.popMark()); push(d); return; } // DICT
      case 0x61: { const v = this.pop(); this.append(this.top(), [v]); return; } // APPEND
      case 0x65: { const items = this.popMark(); this.append(this.top(), items); return; } // APPENDS
      case 0x90: { const items = this.popMark(); this.append(this.top(), items); return; } // ADDITEMS
      case 0x73: { const v = this.pop(); const k = this.pop(); this.setItems(this.top(), [k, v]); return; } // SETITEM
      case 0x75: { const kv = this.popMark(); this.setItems(this.top(), kv); return; } // SETITEMS
      case 0x67: push(this.memoGet(Number(parseTextInt(c.line())))); return; // GET
      case 0x68: push(this.memoGet(c.u8())); return; // BINGET
      case 0x6a: push(this.memoGet(c.dv(4).getUint32(0, true))); return; // LONG_BINGET
      case 0x70: this.memo.set(Number(parseTextInt(c.line())), this.top()); return; // PUT
      case 0x71: this.memo.set(c.u8(), this.top()); return; // BINPUT
      case 0x72: this.memo.set(c.dv(4).getUint32(0, true), this.top()); return; // LONG_BINPUT
      case 0x94: this.memo.set(this.memo.size, this.top()); return; // MEMOIZE
      case 0x63: { const module = c.line(); push(this.global(module, c.line())); return; } // GLOBAL
      case 0x93: { const name = this.pop(); const module = this.pop(); // STACK_GLOBAL
        if (typeof module !== 'string' || typeof name !== 'string') throw new PickleError('STACK_GLOBAL needs two strings');
        push(this.global(module, name)); return; }
      case 0x69: { const module = c.line(); const cls = this.global(module, c.line()); push(this.instantiate(cls, this.popMark())); return; } // INST
      case 0x6f: { const items = this.popMark(); if (!items.length) throw new PickleError('OBJ without a class'); // OBJ
        push(this.instantiate(items[0], items.slice(1))); return; }
      case 0x52: { const args = this.args(this.pop()); push(this.callable(this.pop(), 'call').call!(args)); return; } // REDUCE
      case 0x81: { const args = this.args(this.pop()); push(this.callable(this.pop(), 'newObject').newObject!(args)); return; } // NEWOBJ
      case 0x92: { this.pop(); const args = this.args(this.pop()); push(this.callable(this.pop(), 'newObject').newObject!(args)); return; } // NEWOBJ_EX
      case 0x62: { const state = this.pop(); this.build(this.top(), state); return; } // BUILD
      case 0x50: push(this.hooks.persistentLoad(c.line())); return; // PERSID
      case 0x51: push(this.hooks.persistentLoad(this.pop())); return; // BINPERSID
      case 0x82: case 0x83: case 0x84: throw new PickleError('the copyreg extension registry (EXT1/2/4) is not allowed');
      default: throw new PickleError(`unknown opcode 0x${op.toString(16)}`);
    }
  }
}

function bigLength(dv: DataView): number {
  const n = dv.getBigUint64(0, true);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new PickleError(`length ${n} is out of range`);
  return Number(n);
}

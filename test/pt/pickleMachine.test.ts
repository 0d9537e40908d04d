// The pickle reader: opcodes of protocols 0–5 build plain data; any global off the allow-list refuses.
import { makeGlobalResolver, RefusedGlobalError } from '../../models/checkpoint/pt/allowList';
import { PickleError, unpickle, type PickleHooks } from '../../models/checkpoint/pt/pickleMachine';
import { toPlain } from '../../models/checkpoint/pt/plainData';
import { PyDict, PyObject } from '../../models/checkpoint/pt/pythonValues';
import { CheckpointError } from '../../models/checkpoint/safetensors';

const hooks = (): PickleHooks => ({
  resolveGlobal: makeGlobalResolver(),
  persistentLoad: (pid) => {
    throw new CheckpointError(`no storages here (${String(pid)})`);
  },
});

/** Builds pickle bytes from opcodes written as strings and numbers (bytes). */
function pk(...parts: (string | number | number[] | Uint8Array)[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'number') out.push(p);
    else if (typeof p !== 'string') out.push(...p);
    else out.push(...Buffer.from(p, 'latin1'));
  }
  return Uint8Array.from(out);
}
const u32 = (n: number) => [n & 255, (n >> 8) & 255, (n >> 16) & 255, (n >>> 24) & 255];
const shortStr = (s: string) => [0x8c, s.length, ...Buffer.from(s, 'latin1')]; // SHORT_BINUNICODE
const binFloat = (x: number) => { const b = Buffer.alloc(8); b.writeDoubleBE(x); return [0x47, ...b]; };
const run = (bytes: Uint8Array) => unpickle(bytes, hooks()).value;

describe('pickle reader', () => {
  it('protocol 4: frames, memoize, STACK_GLOBAL OrderedDict, floats, long ints, bytes, sets', () => {
    const body = pk(
      0x7d, 0x94, // EMPTY_DICT, MEMOIZE
      0x28, // MARK
      shortStr('od'), shortStr('collections'), shortStr('OrderedDict'), 0x93, 0x29, 0x52, // OrderedDict()
      shortStr('f'), binFloat(-2.5),
      shortStr('big'), 0x8a, 9, [0, 0, 0, 0, 0, 0, 0, 0, 1], // LONG1 2^64
      shortStr('neg'), 0x4a, u32(-7 >>> 0), // BININT -7
      shortStr('b'), 0x43, 3, [1, 2, 255], // SHORT_BINBYTES
      shortStr('s'), 0x8f, 0x28, 0x4b, 1, 0x4b, 2, 0x90, // EMPTY_SET, ADDITEMS
      shortStr('t'), 0x88, 0x4e, 0x86, // (True, None)
      shortStr('again'), 0x68, 0, // BINGET 0: the dict itself (a cycle)
      0x75, 0x2e, // SETITEMS, STOP
    );
    const bytes = pk(0x80, 4, 0x95, [...u32(body.length), 0, 0, 0, 0], body);
    const v = run(bytes) as PyDict;
    expect(v).toBeInstanceOf(PyDict);
    expect((v.get('od') as PyDict).className).toBe('OrderedDict');
    expect(v.get('big')).toBe(18446744073709551616n);
    expect(v.get('again')).toBe(v);
    expect(toPlain(v)).toEqual({ od: {}, f: -2.5, big: '18446744073709551616', neg: -7, b: '<3 bytes>', s: [1, 2], t: [true, null], again: '<cycle>' });
  });

  it('protocol 0 text opcodes: dict, STRING, INT, FLOAT, LONG, PUT/GET', () => {
    const v = run(pk("(dp0\nS'a'\np1\nI12\nsS'b'\np2\nF2.5\nsS'c'\nL99999999999999999999L\nsg1\nI01\ns."));
    // the last SETITEM re-sets key 'a' (memo 1) to True (protocol 0 writes booleans as I01)
    expect(toPlain(v)).toEqual({ a: true, b: 2.5, c: '99999999999999999999' });
  });

  it('argparse.Namespace through NEWOBJ + BUILD becomes a plain record', () => {
    const v = run(pk(0x80, 2, 'cargparse\nNamespace\n', 0x29, 0x81, 0x7d, 0x28, shortStr('lr'), binFloat(1e-4), shortStr('gpt_model'), shortStr('GPT-L'), 0x75, 0x62, 0x2e));
    expect(v).toBeInstanceOf(PyObject);
    expect((v as PyObject).className).toBe('argparse.Namespace');
    expect(toPlain(v)).toEqual({ lr: 1e-4, gpt_model: 'GPT-L' });
  });

  it.each([
    ['GLOBAL', pk(0x80, 2, 'cposix\nsystem\n', 0x2e), 'posix.system'],
    ['GLOBAL builtins.eval', pk(0x80, 2, 'cbuiltins\neval\n', 0x2e), 'builtins.eval'],
    ['STACK_GLOBAL', pk(0x80, 4, shortStr('subprocess'), shortStr('Popen'), 0x93, 0x2e), 'subprocess.Popen'],
    ['INST', pk('(S\'ls\'\nios\nsystem\n.'), 'os.system'],
    ['a torch function that is not a rebuild', pk(0x80, 2, 'ctorch\nload\n', 0x2e), 'torch.load'],
    ['getattr', pk(0x80, 2, 'c__builtin__\ngetattr\n', 0x2e), '__builtin__.getattr'],
  ])('refuses %s naming the global, before anything could be called', (_, bytes, qualname) => {
    let err: unknown;
    try {
      run(bytes);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RefusedGlobalError);
    expect((err as RefusedGlobalError).qualname).toBe(qualname);
    expect((err as Error).message).toContain(`'${qualname}'`);
  });

  it.each([
    ['the extension registry', pk(0x80, 2, 0x82, 1, 0x2e), /extension registry/],
    ['out-of-band buffers', pk(0x80, 5, 0x97, 0x2e), /out-of-band/],
    ['an unknown opcode', pk(0x80, 2, 0xff, 0x2e), /unknown opcode 0xff/],
    ['a stream cut short', pk(0x80, 2, 0x58, u32(100), 'abc'), /pickle ends early/],
    ['a memo entry never stored', pk(0x80, 2, 0x68, 7, 0x2e), /memo entry 7 was never stored/],
    ['a stack underflow', pk(0x80, 2, 0x73, 0x2e), /stack underflow/],
    ['calling a non-callable', pk(0x80, 2, 0x4b, 1, 0x29, 0x52, 0x2e), /int cannot be called/],
    ['SETITEM on a list', pk(0x80, 2, 0x5d, 0x4b, 1, 0x4b, 2, 0x73, 0x2e), /SETITEM\(S\) on tuple\/list of 0, expected a dict/],
    ['a huge LONG4', pk(0x80, 2, 0x8b, u32(1000), new Array(1000).fill(1), 0x2e), /integer of 1000 bytes/],
    ['a newer protocol', pk(0x80, 9, 0x2e), /protocol 9 is newer than 5/],
  ])('refuses %s with a PickleError saying where', (_, bytes, message) => {
    expect(() => run(bytes)).toThrow(PickleError);
    expect(() => run(bytes)).toThrow(message);
    expect(() => run(bytes)).toThrow(/malformed pickle \(pickle byte \d+, opcode 0x[0-9a-f]{2}\)/);
  });
});

// Writes small torch.save-style zip files for tests: a pickle that rebuilds tensors from storages,
// built opcode by opcode (protocol 2, as torch.save writes it), and a zip of stored/deflated members.
import * as zlib from 'zlib';
import { crc32 } from '../../models/image/png';

export interface TensorSpec {
  storage: string;
  storageType?: string; // e.g. 'FloatStorage'
  numel: number;
  offset?: number;
  size: number[];
  stride: number[];
  /** wrap in torch._utils._rebuild_parameter, as nn.Parameter is saved */
  parameter?: boolean;
}

export class PickleBuilder {
  private out: number[] = [0x80, 2];
  raw(...b: number[]): this {
    this.out.push(...b);
    return this;
  }
  str(s: string): this {
    const b = Buffer.from(s, 'utf8');
    return this.raw(0x58, b.length & 255, (b.length >> 8) & 255, (b.length >> 16) & 255, b.length >>> 24, ...b);
  }
  int(n: number): this {
    if (n < 0 || n > 0x7fffffff) throw new Error('test pickles use small ints');
    return n < 256 ? this.raw(0x4b, n) : this.raw(0x4a, n & 255, (n >> 8) & 255, (n >> 16) & 255, n >>> 24);
  }
  global(module: string, name: string): this {
    return this.raw(0x63, ...Buffer.from(`${module}\n${name}\n`, 'latin1'));
  }
  tuple(items: (() => void)[]): this {
    this.raw(0x28);
    for (const f of items) f();
    return this.raw(0x74);
  }
  tensor(t: TensorSpec): this {
    if (t.parameter) this.global('torch._utils', '_rebuild_parameter').raw(0x28);
    this.global('torch._utils', '_rebuild_tensor_v2');
    this.tuple([
      () => this.tuple([() => this.str('storage'), () => this.global('torch', t.storageType ?? 'FloatStorage'), () => this.str(t.storage), () => this.str('cpu'), () => this.int(t.numel)]).raw(0x51),
      () => this.int(t.offset ?? 0),
      () => this.tuple(t.size.map((d) => () => this.int(d))),
      () => this.tuple(t.stride.map((d) => () => this.int(d))),
      () => this.raw(0x89),
      () => this.global('collections', 'OrderedDict').raw(0x29, 0x52),
    ]).raw(0x52);
    if (t.parameter) this.raw(0x88).global('collections', 'OrderedDict').raw(0x29, 0x52, 0x74, 0x52);
    return this;
  }
  /** The pickle so far, ended with STOP. */
  done(): Uint8Array {
    return Uint8Array.from([...this.out, 0x2e]);
  }

  /** {container: OrderedDict(tensors)} or the OrderedDict itself when container is null. */
  stateDict(tensors: Record<string, TensorSpec>, container: string | null): Uint8Array {
    if (container) this.raw(0x7d).str(container);
    this.global('collections', 'OrderedDict').raw(0x29, 0x52, 0x28);
    for (const [k, t] of Object.entries(tensors)) this.str(k).tensor(t);
    this.raw(0x75);
    if (container) this.raw(0x73);
    return Uint8Array.from([...this.out, 0x2e]);
  }
}

export interface ZipMember {
  name: string;
  data: Uint8Array;
  deflate?: boolean;
}

/** A zip archive of the members; `zip64` writes every size and offset in ZIP64 records, as large torch files have. */
export function writeZip(members: ZipMember[], zip64 = false): Uint8Array {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const name = Buffer.from(m.name, 'utf8');
    const body = m.deflate ? zlib.deflateRawSync(m.data) : Buffer.from(m.data);
    const crc = crc32(m.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(m.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(m.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(m.deflate ? 8 : 0, 10);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(zip64 ? 0xffffffff : body.length, 20);
    cd.writeUInt32LE(zip64 ? 0xffffffff : m.data.length, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(zip64 ? 0xffffffff : offset, 42);
    const extra = Buffer.alloc(zip64 ? 28 : 0);
    if (zip64) {
      extra.writeUInt16LE(1, 0);
      extra.writeUInt16LE(24, 2);
      extra.writeBigUInt64LE(BigInt(m.data.length), 4);
      extra.writeBigUInt64LE(BigInt(body.length), 12);
      extra.writeBigUInt64LE(BigInt(offset), 20);
      cd.writeUInt16LE(28, 30);
    }
    parts.push(local, name, body);
    central.push(cd, name, extra);
    offset += 30 + name.length + body.length;
  }
  const cdBuf = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(zip64 ? 0xffff : members.length, 8);
  end.writeUInt16LE(zip64 ? 0xffff : members.length, 10);
  end.writeUInt32LE(zip64 ? 0xffffffff : cdBuf.length, 12);
  end.writeUInt32LE(zip64 ? 0xffffffff : offset, 16);
  if (!zip64) return new Uint8Array(Buffer.concat([...parts, cdBuf, end]));
  const record = Buffer.alloc(56);
  record.writeUInt32LE(0x06064b50, 0);
  record.writeBigUInt64LE(44n, 4);
  record.writeBigUInt64LE(BigInt(members.length), 24);
  record.writeBigUInt64LE(BigInt(members.length), 32);
  record.writeBigUInt64LE(BigInt(cdBuf.length), 40);
  record.writeBigUInt64LE(BigInt(offset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(offset + cdBuf.length), 8);
  locator.writeUInt32LE(1, 16);
  return new Uint8Array(Buffer.concat([...parts, cdBuf, record, locator, end]));
}

export function f32Bytes(values: number[], bigEndian = false): Uint8Array {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => (bigEndian ? b.writeFloatBE(v, i * 4) : b.writeFloatLE(v, i * 4)));
  return new Uint8Array(b);
}

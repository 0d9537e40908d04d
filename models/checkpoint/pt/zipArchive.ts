// A read-only ZIP reader for PyTorch checkpoints (torch.save since 1.6 writes an uncompressed zip,
// ZIP64 when large). Reads the central directory, then each member on demand through a ByteSource,
// so a training checkpoint's optimizer storages are never read when only the weights are wanted.
import * as zlib from 'zlib';
import { crc32 } from '../../image/png';
import { CheckpointError } from '../safetensors';
import type { ByteSource } from './byteSource';

export interface ZipEntry {
  name: string;
  method: number; // 0 stored, 8 deflate
  crc32: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
  /** Where this entry's central directory record starts in the file. */
  centralHeaderOffset: number;
}

const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;
const MAX_ENTRIES = 1_000_000;

export class ZipArchive {
  readonly entries = new Map<string, ZipEntry>();

  constructor(private readonly src: ByteSource) {
    this.readCentralDirectory();
  }

  private fail(msg: string): never {
    throw new CheckpointError(`broken zip archive: ${msg}`);
  }

  private safeNumber(v: bigint, what: string): number {
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`${what} ${v} is out of range`);
    return Number(v);
  }

  private view(offset: number, length: number): DataView {
    if (offset < 0 || length < 0 || offset + length > this.src.size) {
      this.fail(`needs bytes ${offset}..${offset + length} but the file has ${this.src.size} (truncated?)`);
    }
    const b = this.src.read(offset, length);
    return new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  private findEndOfCentralDirectory(): number {
    const tail = Math.min(this.src.size, 22 + 65535);
    if (tail < 22) this.fail(`file of ${this.src.size} bytes is too short to be a zip`);
    const start = this.src.size - tail;
    const dv = this.view(start, tail);
    for (let i = tail - 22; i >= 0; i--) {
      if (dv.getUint32(i, true) === SIG_EOCD) return start + i;
    }
    return this.fail('no end-of-central-directory record (the file is truncated or not a zip)');
  }

  private readCentralDirectory(): void {
    const eocd = this.findEndOfCentralDirectory();
    const e = this.view(eocd, 22);
    let count = e.getUint16(10, true);
    let cdSize = e.getUint32(12, true);
    let cdOffset = e.getUint32(16, true);
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      if (eocd < 20) this.fail('ZIP64 locator missing');
      const loc = this.view(eocd - 20, 20);
      if (loc.getUint32(0, true) !== SIG_ZIP64_LOCATOR) this.fail('ZIP64 locator missing');
      const z = this.view(this.safeNumber(loc.getBigUint64(8, true), 'ZIP64 record offset'), 56);
      if (z.getUint32(0, true) !== SIG_ZIP64_EOCD) this.fail('ZIP64 end-of-central-directory record missing');
      count = this.safeNumber(z.getBigUint64(32, true), 'entry count');
      cdSize = this.safeNumber(z.getBigUint64(40, true), 'central directory size');
      cdOffset = this.safeNumber(z.getBigUint64(48, true), 'central directory offset');
    }
    if (count > MAX_ENTRIES) this.fail(`${count} entries is more than a checkpoint holds`);
    const cd = this.view(cdOffset, cdSize);
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cdSize || cd.getUint32(p, true) !== SIG_CENTRAL) this.fail(`central directory entry ${i} is damaged`);
      const nameLen = cd.getUint16(p + 28, true);
      const extraLen = cd.getUint16(p + 30, true);
      const commentLen = cd.getUint16(p + 32, true);
      if (p + 46 + nameLen + extraLen + commentLen > cdSize) this.fail(`central directory entry ${i} runs past the directory`);
      const bytes = new Uint8Array(cd.buffer, cd.byteOffset + p + 46, nameLen);
      const entry: ZipEntry = {
        name: Buffer.from(bytes).toString('utf8'),
        method: cd.getUint16(p + 10, true),
        crc32: cd.getUint32(p + 16, true),
        compressedSize: cd.getUint32(p + 20, true),
        size: cd.getUint32(p + 24, true),
        localHeaderOffset: cd.getUint32(p + 42, true),
        centralHeaderOffset: cdOffset + p,
      };
      this.applyZip64Extra(entry, new DataView(cd.buffer, cd.byteOffset + p + 46 + nameLen, extraLen));
      this.entries.set(entry.name, entry);
      p += 46 + nameLen + extraLen + commentLen;
    }
  }

  /** ZIP64 extra field (id 1): the 64-bit values of whichever fields were saturated, in this order. */
  private applyZip64Extra(entry: ZipEntry, extra: DataView): void {
    let q = 0;
    while (q + 4 <= extra.byteLength) {
      const id = extra.getUint16(q, true);
      const len = extra.getUint16(q + 2, true);
      if (q + 4 + len > extra.byteLength) this.fail(`extra field of ${entry.name} runs past its record`);
      if (id === 1) {
        let r = q + 4;
        const next = (what: string): number => {
          if (r + 8 > q + 4 + len) this.fail(`ZIP64 field of ${entry.name} lacks its ${what}`);
          const v = this.safeNumber(extra.getBigUint64(r, true), what);
          r += 8;
          return v;
        };
        if (entry.size === 0xffffffff) entry.size = next('size');
        if (entry.compressedSize === 0xffffffff) entry.compressedSize = next('compressed size');
        if (entry.localHeaderOffset === 0xffffffff) entry.localHeaderOffset = next('offset');
      }
      q += 4 + len;
    }
  }

  /** The member whose name ends with `suffix` (torch prefixes every member with the archive name). */
  find(suffix: string): ZipEntry | undefined {
    for (const e of this.entries.values()) if (e.name === suffix || e.name.endsWith(`/${suffix}`)) return e;
    return undefined;
  }

  /** Where a member's (possibly compressed) bytes start in the file. */
  dataOffset(entry: ZipEntry): number {
    const local = this.view(entry.localHeaderOffset, 30);
    if (local.getUint32(0, true) !== SIG_LOCAL) this.fail(`local header of ${entry.name} is missing`);
    return entry.localHeaderOffset + 30 + local.getUint16(26, true) + local.getUint16(28, true);
  }

  /** The bytes of one member, checked against its CRC-32. */
  read(entry: ZipEntry): Uint8Array {
    const v = this.view(this.dataOffset(entry), entry.compressedSize);
    const raw = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    let data: Uint8Array;
    if (entry.method === 0) data = raw;
    else if (entry.method === 8) {
      try {
        data = zlib.inflateRawSync(raw, { maxOutputLength: Math.max(entry.size, 1) });
      } catch (e) {
        return this.fail(`${entry.name} does not inflate: ${(e as Error).message}`);
      }
    } else return this.fail(`${entry.name} uses compression method ${entry.method}; only stored (0) and deflate (8) are read`);
    if (data.length !== entry.size) this.fail(`${entry.name} holds ${data.length} bytes, its directory says ${entry.size}`);
    if (crc32(data) !== entry.crc32 >>> 0) this.fail(`${entry.name} fails its CRC-32 check (the file is corrupted)`);
    return data;
  }
}


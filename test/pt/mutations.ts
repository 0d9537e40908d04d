// Damaged copies of the .pt fixtures for the fuzz test, drawn from a seeded Rng.
import { memorySource } from '../../models/checkpoint/pt/byteSource';
import { ZipArchive } from '../../models/checkpoint/pt/zipArchive';
import { crc32 } from '../../models/image/png';
import { Rng } from '../../models/rng';
import { PT_FILES, readFixtureBytes } from './fixtures';

const ZIP_FILES = [PT_FILES.ddp, PT_FILES.bf16, PT_FILES.fp16Shared, PT_FILES.hostile];
const LEGACY_PICKLE_BYTES = 5249; // the four header/object/key pickles of legacy-format.pt

export type Mutation = { name: string; bytes: Uint8Array };

function flipBits(bytes: Uint8Array, rng: Rng, from: number, to: number, count: number): Uint8Array {
  const out = bytes.slice();
  for (let i = 0; i < count; i++) out[from + rng.int(to - from)] ^= 1 << rng.int(8);
  return out;
}

/** Damages bytes inside data.pkl and rewrites its CRC so that the pickle reader, not the CRC check, meets the damage. */
function damagePickle(bytes: Uint8Array, rng: Rng): Uint8Array {
  const zip = new ZipArchive(memorySource(bytes));
  const entry = [...zip.entries.values()].find((e) => e.name.endsWith('/data.pkl'))!;
  const start = zip.dataOffset(entry);
  const out = rng.next() < 0.7 ? flipBits(bytes, rng, start, start + entry.size, 1 + rng.int(3)) : bytes.slice();
  if (out === bytes || rng.next() < 0.3) out[start + rng.int(entry.size)] = 0x2e; // an early STOP
  const crc = crc32(out.subarray(start, start + entry.size));
  new DataView(out.buffer, out.byteOffset).setUint32(entry.centralHeaderOffset + 16, crc, true);
  return out;
}

export function mutations(rng: Rng): Mutation[] {
  const files = new Map<string, Uint8Array>([...ZIP_FILES, PT_FILES.legacy].map((f) => [f, readFixtureBytes(f)]));
  const pick = (list: readonly string[]) => list[rng.int(list.length)];
  const out: Mutation[] = [];
  for (let i = 0; i < 50; i++) {
    const f = pick([...files.keys()]);
    const b = files.get(f)!;
    const cut = rng.next() < 0.5 ? rng.int(Math.min(b.length, 12000)) : b.length - 1 - rng.int(Math.min(b.length, 12000));
    out.push({ name: `truncated-${i}-${f}@${cut}`, bytes: b.slice(0, cut) });
  }
  for (let i = 0; i < 50; i++) {
    const f = pick([...files.keys()]);
    const b = files.get(f)!;
    out.push({ name: `flipped-${i}-${f}`, bytes: flipBits(b, rng, 0, b.length, 1 + rng.int(8)) });
  }
  for (let i = 0; i < 40; i++) {
    const f = pick(ZIP_FILES);
    const b = files.get(f)!;
    out.push({ name: `zipdir-${i}-${f}`, bytes: flipBits(b, rng, b.length - Math.min(b.length, 12000), b.length, 1 + rng.int(4)) });
  }
  for (let i = 0; i < 80; i++) {
    const f = pick(ZIP_FILES);
    out.push({ name: `pickle-${i}-${f}`, bytes: damagePickle(files.get(f)!, rng) });
  }
  for (let i = 0; i < 40; i++) {
    const b = files.get(PT_FILES.legacy)!;
    out.push({ name: `legacy-pickle-${i}`, bytes: flipBits(b, rng, 0, LEGACY_PICKLE_BYTES, 1 + rng.int(3)) });
  }
  return out;
}


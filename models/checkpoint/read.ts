// One entry point for reading a checkpoint file, whatever its format.
// Dispatches on the file's content (its first bytes), not on its extension:
//   - safetensors: u64 little-endian header length, then a JSON object
//   - PyTorch zip (.pt / .pth / .bin written by torch >= 1.6): 'PK\x03\x04'
//   - PyTorch legacy (pre-zip) pickle stream: starts with a pickle PROTO opcode (0x80)
import * as fs from 'fs';
import { parsePtCheckpoint, readPtCheckpoint, type PtCheckpoint, type PtDetails } from './pt/checkpoint';
import { CheckpointError, parseSafetensors, type StateDict } from './safetensors';

export type CheckpointFormat = 'safetensors' | 'pt';

export interface Checkpoint {
  tensors: StateDict;
  /** Everything in the file that is not a tensor of the state dict (steps, args, safetensors metadata, ...). */
  metadata: Record<string, unknown>;
  format: CheckpointFormat;
  /** For .pt files: where the state dict sat, prefixes stripped, dtypes on disk. */
  details?: PtDetails;
}

function cannotRead(file: string, e: unknown): CheckpointError {
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory' : code ?? (e as Error).message;
  return new CheckpointError(`cannot read checkpoint ${file}: ${why}`);
}

function readBytes(file: string, limit?: number): Uint8Array {
  try {
    if (limit === undefined) {
      const buf = fs.readFileSync(file);
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    const fd = fs.openSync(file, 'r');
    try {
      const head = Buffer.alloc(limit);
      const n = fs.readSync(fd, head, 0, limit, 0);
      return new Uint8Array(head.buffer, head.byteOffset, n);
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    throw cannotRead(file, e);
  }
}

function fromPt(pt: PtCheckpoint): Checkpoint {
  return { tensors: pt.stateDict, metadata: pt.metadata, format: 'pt', details: pt.details };
}

/** Which format a byte buffer holds, judged from its first bytes. */
export function sniffFormat(bytes: Uint8Array): 'safetensors' | 'pt-zip' | 'pt-legacy' | 'unknown' {
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return 'pt-zip';
  if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1] >= 2 && bytes[1] <= 5) return 'pt-legacy';
  if (bytes.length >= 9) {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = dv.getBigUint64(0, true);
    if (n > 1n && n + 8n <= BigInt(bytes.length) && bytes[8] === 0x7b /* '{' */) return 'safetensors';
  }
  return 'unknown';
}

/** Parses checkpoint bytes; `source` names the file in error messages. */
export function parseCheckpoint(bytes: Uint8Array, source: string): Checkpoint {
  const kind = sniffFormat(bytes);
  if (kind === 'safetensors') {
    const st = parseSafetensors(bytes, source);
    return { tensors: st.tensors, metadata: { ...st.metadata }, format: 'safetensors' };
  }
  if (kind === 'pt-zip' || kind === 'pt-legacy') return fromPt(parsePtCheckpoint(bytes, source));
  throw unknownFormat(source, bytes);
}

function unknownFormat(source: string, head: Uint8Array): CheckpointError {
  return new CheckpointError(
    `${source}: not a checkpoint this reader knows (expected safetensors, a PyTorch zip .pt file or a legacy PyTorch pickle; first bytes ${hexHead(head)})`,
  );
}

function hexHead(bytes: Uint8Array): string {
  return Buffer.from(bytes.subarray(0, 8)).toString('hex') || '(empty file)';
}

/** Reads a .safetensors or PyTorch .pt checkpoint and returns its state dict and metadata. */
export function readCheckpoint(file: string): Checkpoint {
  const head = readBytes(file, 16);
  const kind = sniffFormat(head);
  // .pt zip files are read member by member: storages outside the state dict (optimizer state)
  // are never read from disk.
  if (kind === 'pt-zip' || kind === 'pt-legacy') return fromPt(readPtCheckpoint(file));
  return parseCheckpoint(readBytes(file), file);
}

/** Just the state dict of a checkpoint (see readCheckpoint). */
export function readStateDict(file: string): StateDict {
  return readCheckpoint(file).tensors;
}

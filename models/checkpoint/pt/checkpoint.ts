// Reads a PyTorch checkpoint (.pt / .pth) into a state dict plus metadata without running pickle code.
// Zip files (torch >= 1.6) are read member by member from disk; legacy pre-zip files in one piece.
import * as fs from 'fs';
import { CheckpointError, type StateDict } from '../safetensors';
import { FileSource, memorySource, type ByteSource } from './byteSource';
import { loadLegacyPickle } from './legacyFormat';
import type { Plain } from './plainData';
import { locateStateDict, materialize } from './stateDict';
import type { TorchDType } from './torchTensor';
import { loadZipPickle } from './zipFormat';

export interface PtDetails {
  layout: 'zip' | 'legacy';
  /** 'model' | 'module' | 'state_dict', or null when the state dict was the top level. */
  container: string | null;
  strippedPrefix: string;
  skipped: string[];
  dtypes: Partial<Record<TorchDType, number>>;
}

export interface PtCheckpoint {
  stateDict: StateDict;
  metadata: Record<string, Plain>;
  details: PtDetails;
}

/** Legacy files are parsed in memory; beyond this size re-save them with a current torch. */
const MAX_LEGACY_BYTES = 2 ** 31 - 1;

function isZip(src: ByteSource): boolean {
  if (src.size < 4) return false;
  const b = src.read(0, 4);
  return b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;
}

function loadObject(src: ByteSource): unknown {
  if (isZip(src)) return loadZipPickle(src);
  if (src.size > MAX_LEGACY_BYTES) throw new CheckpointError(`legacy (pre-zip) checkpoint of ${src.size} bytes is too large; re-save it with torch >= 1.6`);
  return loadLegacyPickle(src.read(0, src.size));
}

function withSource<T>(source: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof CheckpointError && !e.message.startsWith(source)) e.message = `${source}: ${e.message}`;
    throw e;
  }
}

function load(src: ByteSource, source: string): PtCheckpoint {
  return withSource(source, () => {
    const zip = isZip(src);
    const located = locateStateDict(loadObject(src));
    const { stateDict, dtypes } = materialize(located.tensors);
    const { container, strippedPrefix, skipped, metadata } = located;
    return { stateDict, metadata, details: { layout: zip ? 'zip' : 'legacy', container, strippedPrefix, skipped, dtypes } };
  });
}

/**
 * The whole unpickled object of a .pt file as inert data (PyDict, PyObject, TorchTensor, arrays, ...),
 * for callers that want more than the state dict (e.g. optimizer state). Tensors are read on toHost().
 */
export function parsePtObject(bytes: Uint8Array, source: string): unknown {
  return withSource(source, () => loadObject(memorySource(bytes)));
}

/** Parses .pt bytes already in memory; `source` names them in errors. */
export function parsePtCheckpoint(bytes: Uint8Array, source: string): PtCheckpoint {
  return load(memorySource(bytes), source);
}

/** Reads a .pt file from disk. */
export function readPtCheckpoint(file: string): PtCheckpoint {
  if (!fs.existsSync(file)) throw new CheckpointError(`cannot read checkpoint ${file}: file not found`);
  const src = new FileSource(file);
  try {
    return load(src, file);
  } finally {
    src.close();
  }
}

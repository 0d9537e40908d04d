// NAR checkpoints: weights under the published keys + the config in safetensors __metadata__
// (+ optional optimizer state and training step in a second safetensors file).
import * as fs from 'fs';
import { CheckpointError, readSafetensors, writeSafetensors, type StateDict, type WriteDType } from '../checkpoint/safetensors';
import { narConfigFromMetadata, narConfigToMetadata, type NarConfig, type PublishedModelArgs, narConfigFromModelArgs } from './config';

export interface LoadedNarCheckpoint {
  stateDict: StateDict;
  /** config stored in the file, if any */
  config: NarConfig | null;
  metadata: Record<string, unknown>;
}

type Reader = (file: string) => { tensors: StateDict; metadata: Record<string, unknown> };

/** The multi-format reader (safetensors and PyTorch .pt) when present, else safetensors only. */
function reader(): Reader {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const mod = require('../checkpoint/read') as { readStateDict?: Reader; readCheckpoint?: Reader };
    const f = mod.readCheckpoint ?? mod.readStateDict;
    if (f) return f;
  } catch {
    /* fall through to safetensors */
  }
  return (file) => {
    const st = readSafetensors(file);
    return { tensors: st.tensors, metadata: st.metadata };
  };
}

/** Reads a NAR checkpoint file (safetensors; PyTorch .pt through models/checkpoint/read when available). */
export function readNarCheckpoint(file: string): LoadedNarCheckpoint {
  if (!fs.existsSync(file)) throw new CheckpointError(`NAR checkpoint ${file}: file not found`);
  const { tensors, metadata } = reader()(file);
  const strMeta: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) if (typeof v === 'string') strMeta[k] = v;
  return { stateDict: tensors, config: narConfigFromMetadata(strMeta), metadata };
}

/** Reads a published ModelArgs JSON file into a config. */
export function readModelArgs(file: string): NarConfig {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CheckpointError(`model args ${file}: ${(e as Error).message}`);
  }
  const obj = json as Record<string, unknown>;
  // accept either the bare ModelArgs or a fixture-style {config: ModelArgs}
  const args = (obj && typeof obj.config === 'object' && obj.config !== null ? obj.config : obj) as PublishedModelArgs;
  return narConfigFromModelArgs(args);
}

export interface SaveNarOptions {
  dtype?: WriteDType;
  /** optimizer state (e.g. AdamW.stateDict()); written beside the weights as <file>.optim.safetensors */
  optimizer?: StateDict;
  extraMetadata?: Record<string, string>;
}

/** Writes weights (published keys) with the config in __metadata__; returns the files written. */
export function saveNarCheckpoint(file: string, stateDict: StateDict, config: NarConfig, o: SaveNarOptions = {}): string[] {
  writeSafetensors(file, stateDict, { ...o.extraMetadata, ...narConfigToMetadata(config) }, o.dtype ?? 'F32');
  const files = [file];
  if (o.optimizer) {
    const optFile = optimizerFileFor(file);
    writeSafetensors(optFile, o.optimizer, narConfigToMetadata(config), 'F32');
    files.push(optFile);
  }
  return files;
}

export function optimizerFileFor(file: string): string {
  return file.replace(/\.safetensors$/, '') + '.optim.safetensors';
}

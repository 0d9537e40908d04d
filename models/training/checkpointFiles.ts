// Training checkpoints: the weights file (published keys + config in __metadata__, as loadNar
// reads it) and the optimizer file beside it (<name>.optim.safetensors), both stamped with the
// step. Written atomically: each file goes to a temporary name and is renamed into place
// (optimizer first, weights last), so a crash never leaves a half-written checkpoint, and a
// mismatch between the two files is detected on resume.
import * as fs from 'fs';
import * as path from 'path';
import { readSafetensors, writeSafetensors, type StateDict } from '../checkpoint/safetensors';
import { narConfigToMetadata, type NarConfig } from '../nar';
import { optimizerFileFor, readNarCheckpoint } from '../nar/checkpoint';
import { TrainingError } from './types';

const TRAINING_KEY = 'narflow.training';

/** What a checkpoint records about the run that wrote it. */
export interface TrainingState {
  step: number;
  steps: number;
  batch: number;
  source: string;
  seed: number;
}

export interface TrainingCheckpoint {
  stateDict: StateDict;
  optimizer: StateDict;
  config: NarConfig;
  state: TrainingState;
}

function writeAtomic(file: string, tensors: StateDict, metadata: Record<string, string>): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.partial`);
  writeSafetensors(tmp, tensors, metadata, 'F32');
  fs.renameSync(tmp, file);
}

/** Writes weights + optimizer state; returns both paths. */
export function writeTrainingCheckpoint(file: string, weights: StateDict, optimizer: StateDict, config: NarConfig, state: TrainingState): string[] {
  if (!file.endsWith('.safetensors')) throw new TrainingError(`checkpoint file must end in .safetensors, got ${file}`);
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const meta = { ...narConfigToMetadata(config), [TRAINING_KEY]: JSON.stringify(state) };
  const optFile = optimizerFileFor(file);
  writeAtomic(optFile, optimizer, meta);
  writeAtomic(file, weights, meta);
  return [file, optFile];
}

function stateOf(meta: Record<string, unknown>, file: string): TrainingState {
  const raw = meta[TRAINING_KEY];
  if (typeof raw !== 'string') throw new TrainingError(`${file} is not a training checkpoint (no '${TRAINING_KEY}' in its metadata); resume needs a file written by the trainer`);
  return JSON.parse(raw) as TrainingState;
}

/** Reads a checkpoint written by writeTrainingCheckpoint, checking that its two files belong together. */
export function readTrainingCheckpoint(file: string): TrainingCheckpoint {
  const ck = readNarCheckpoint(file);
  if (!ck.config) throw new TrainingError(`${file} holds no NAR config`);
  const state = stateOf(ck.metadata, file);
  const optFile = optimizerFileFor(file);
  if (!fs.existsSync(optFile)) throw new TrainingError(`resume from ${file}: optimizer state ${optFile} is missing`);
  const opt = readSafetensors(optFile);
  const optState = stateOf(opt.metadata, optFile);
  if (optState.step !== state.step) throw new TrainingError(`resume from ${file}: weights are at step ${state.step} but ${optFile} is at step ${optState.step}`);
  return { stateDict: ck.stateDict, optimizer: opt.tensors, config: ck.config, state };
}

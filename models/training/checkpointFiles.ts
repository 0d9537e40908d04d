// Training checkpoints: the weights file (published keys + config in __metadata__, as loadNar
// reads it) and the optimizer file beside it (<name>.optim.safetensors), both stamped with the
// step. Each file is written to a temporary name and renamed into place, and the pair is committed
// in an order a crash (kill -9) at any point leaves recoverable:
//   1. the weights are staged complete under a pending name (.<name>.pending);
//   2. the optimizer file is renamed into place;
//   3. the pending weights are renamed into place.
// A crash before 3 leaves the previous pair whole (before 2) or the new optimizer state with its
// weights still pending (between 2 and 3): reading the checkpoint then finishes the commit. Any
// other mismatch between the two files is refused on resume.
import * as fs from 'fs';
import * as path from 'path';
import { readSafetensors, writeSafetensors, type StateDict } from '../checkpoint/safetensors';
import { narConfigToMetadata, type NarConfig } from '../nar';
import { optimizerFileFor, readNarCheckpoint } from '../nar/checkpoint';
import type { LrSettings } from './runSettings';
import { TrainingError } from './types';

const TRAINING_KEY = 'narflow.training';

/** What a checkpoint records about the run that wrote it. */
export interface TrainingState {
  step: number;
  steps: number;
  batch: number;
  source: string;
  seed: number;
  /** the warm-up + cosine schedule the run follows, when it was made from these settings (a resume takes it) */
  lr?: LrSettings;
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

/** Where the weights of a checkpoint being committed wait, complete, until their optimizer state is in place. */
export function pendingWeightsFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.pending`);
}

/** Points of the commit, for tests to stop it there as a crash would. */
export type CommitStage = 'weights-staged' | 'optimizer-committed';

/** Writes weights + optimizer state; returns both paths. `onStage` is told each point of the commit (tests simulate a crash there). */
export function writeTrainingCheckpoint(
  file: string,
  weights: StateDict,
  optimizer: StateDict,
  config: NarConfig,
  state: TrainingState,
  onStage?: (stage: CommitStage) => void,
): string[] {
  if (!file.endsWith('.safetensors')) throw new TrainingError(`checkpoint file must end in .safetensors, got ${file}`);
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const meta = { ...narConfigToMetadata(config), [TRAINING_KEY]: JSON.stringify(state) };
  const optFile = optimizerFileFor(file);
  const pending = pendingWeightsFor(file);
  writeAtomic(pending, weights, meta);
  onStage?.('weights-staged');
  writeAtomic(optFile, optimizer, meta);
  onStage?.('optimizer-committed');
  fs.renameSync(pending, file);
  return [file, optFile];
}

function stateOf(meta: Record<string, unknown>, file: string): TrainingState {
  const raw = meta[TRAINING_KEY];
  if (typeof raw !== 'string') throw new TrainingError(`${file} is not a training checkpoint (no '${TRAINING_KEY}' in its metadata); resume needs a file written by the trainer`);
  return JSON.parse(raw) as TrainingState;
}

function stepOfFile(file: string): number | undefined {
  return fs.existsSync(file) ? stateOf(readSafetensors(file).metadata, file).step : undefined;
}

/**
 * A commit stopped between its optimizer and weights renames (the optimizer file is a step ahead
 * of the weights, or the weights file is missing, and the pending weights are at the optimizer's
 * step): finishes it. Otherwise leaves the files as they are.
 */
function finishInterruptedCommit(file: string, optStep: number): void {
  const pending = pendingWeightsFor(file);
  if (!fs.existsSync(pending)) return;
  if (fs.existsSync(file) && stepOfFile(file) === optStep) return;
  if (stepOfFile(pending) === optStep) fs.renameSync(pending, file);
}

/** Reads a checkpoint written by writeTrainingCheckpoint, checking that its two files belong together (finishing a commit a crash interrupted). */
export function readTrainingCheckpoint(file: string): TrainingCheckpoint {
  const optFile = optimizerFileFor(file);
  const opt = fs.existsSync(optFile) ? readSafetensors(optFile) : undefined;
  const optState = opt && stateOf(opt.metadata, optFile);
  if (optState) finishInterruptedCommit(file, optState.step);
  const ck = readNarCheckpoint(file);
  if (!ck.config) throw new TrainingError(`${file} holds no NAR config`);
  const state = stateOf(ck.metadata, file);
  if (!opt || !optState) throw new TrainingError(`resume from ${file}: optimizer state ${optFile} is missing`);
  if (optState.step !== state.step) throw new TrainingError(`resume from ${file}: weights are at step ${state.step} but ${optFile} is at step ${optState.step}`);
  return { stateDict: ck.stateDict, optimizer: opt.tensors, config: ck.config, state };
}

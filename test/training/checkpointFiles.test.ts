// A crash (kill -9) at any point of writing a checkpoint pair leaves one that resumes: the run
// resumed from it equals the uninterrupted run.
import * as fs from 'fs';
import * as path from 'path';
import { readSafetensors } from '../../models/checkpoint/safetensors';
import type { NarModel } from '../../models/nar';
import { optimizerFileFor } from '../../models/nar/checkpoint';
import { pendingWeightsFor, readTrainingCheckpoint, writeTrainingCheckpoint, type CommitStage, type TrainNarOptions } from '../../models/training';
import { tempDir, tinyModel, trainTiny, useTinyClassSource, weightsOf } from './helpers';

const fx = useTinyClassSource();

const run = (model: NarModel, o: Partial<TrainNarOptions>) => trainTiny(model, fx.source, o);

function stepOf(file: string): number {
  return JSON.parse(readSafetensors(file).metadata['narflow.training'] as string).step;
}

/** `file` holds the step-2 checkpoint of a run, and the writer of its step-3 checkpoint crashes at `stage`. */
async function crashWhileWritingStep3(file: string, stage: CommitStage, first = true): Promise<void> {
  const dir = path.dirname(file);
  const model = tinyModel('c2i', fx.source, 5);
  if (first) await run(model, { steps: 2, outFile: file });
  const next = path.join(dir, 'step3.safetensors');
  await run(model, { steps: 3, resumeFrom: first ? file : undefined, outFile: next });
  model.dispose();
  const ck = readTrainingCheckpoint(next);
  fs.rmSync(next);
  fs.rmSync(optimizerFileFor(next));
  const crash = (s: CommitStage) => {
    if (s === stage) throw new Error('killed');
  };
  expect(() => writeTrainingCheckpoint(file, ck.stateDict, ck.optimizer, ck.config, ck.state, crash)).toThrow('killed');
}

describe('a checkpoint whose writer was killed', () => {
  let straight: { losses: number[]; weights: Map<string, number[]> };
  beforeAll(async () => {
    const whole = tinyModel('c2i', fx.source, 5);
    const r = await run(whole, { steps: 4 });
    straight = { losses: r.losses, weights: weightsOf(whole) };
    whole.dispose();
  });

  async function resumeTo4(file: string, fromStep: number): Promise<void> {
    const resumed = tinyModel('c2i', fx.source, 99);
    const rest = await run(resumed, { steps: 4, resumeFrom: file, outFile: file });
    expect(rest.losses).toEqual(straight.losses.slice(fromStep));
    expect(weightsOf(resumed)).toEqual(straight.weights);
    resumed.dispose();
    expect(readTrainingCheckpoint(file).state.step).toBe(4);
    expect(fs.existsSync(pendingWeightsFor(file))).toBe(false);
  }

  it('between the optimizer rename and the weights rename: reading it finishes the commit, and the resumed run equals the uninterrupted one', async () => {
    const file = path.join(tempDir(), 'run.safetensors');
    await crashWhileWritingStep3(file, 'optimizer-committed');
    // what kill -9 left: weights at step 2, optimizer state at step 3, the step-3 weights pending
    expect([stepOf(file), stepOf(optimizerFileFor(file)), stepOf(pendingWeightsFor(file))]).toEqual([2, 3, 3]);
    expect(readTrainingCheckpoint(file).state.step).toBe(3);
    expect(stepOf(file)).toBe(3);
    expect(fs.existsSync(pendingWeightsFor(file))).toBe(false);
    await resumeTo4(file, 3);
  });

  it('after staging the weights, before the optimizer rename: the previous pair resumes and equals the uninterrupted run', async () => {
    const file = path.join(tempDir(), 'run.safetensors');
    await crashWhileWritingStep3(file, 'weights-staged');
    expect([stepOf(file), stepOf(optimizerFileFor(file)), stepOf(pendingWeightsFor(file))]).toEqual([2, 2, 3]);
    expect(readTrainingCheckpoint(file).state.step).toBe(2);
    await resumeTo4(file, 2);
  });

  it('while writing its first checkpoint (no weights file yet): reading it finishes the commit', async () => {
    const file = path.join(tempDir(), 'run.safetensors');
    await crashWhileWritingStep3(file, 'optimizer-committed', false);
    expect(fs.existsSync(file)).toBe(false);
    expect(readTrainingCheckpoint(file).state.step).toBe(3);
    await resumeTo4(file, 3);
  });

  it('weights and optimizer state of different steps with nothing pending are still refused', async () => {
    const file = path.join(tempDir(), 'run.safetensors');
    await crashWhileWritingStep3(file, 'optimizer-committed');
    fs.rmSync(pendingWeightsFor(file));
    expect(() => readTrainingCheckpoint(file)).toThrow(/weights are at step 2 but .*run\.optim\.safetensors is at step 3/);
  });
});

// The training loop: loss goes down, resume equals the uninterrupted run, abort leaves a loadable
// checkpoint, tensors are not leaked.
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { loadNar, type NarModel } from '../../models/nar';
import { warmupCosine } from '../../models/train/schedule';
import { readTrainingCheckpoint, stagedSchedule, type TrainNarOptions } from '../../models/training';
import { tempDir, TINY_SCHEDULE, tinyModel, trainTiny, useTinyClassSource, weightsOf } from './helpers';

const fx = useTinyClassSource();
const schedule = TINY_SCHEDULE;

const run = (model: NarModel, o: Partial<TrainNarOptions>) => trainTiny(model, fx.source, o);

it.each(['c2i', 'raster-c2i'] as const)('%s: a few training steps lower the loss on Shapes codes', async (kind) => {
  const model = tinyModel(kind, fx.source, 2);
  const r = await run(model, { steps: 30 });
  model.dispose();
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  expect(r.status).toBe('done');
  expect(r.losses).toHaveLength(30);
  expect(mean(r.losses.slice(-5))).toBeLessThan(mean(r.losses.slice(0, 5)) * 0.8);
});

it('resume continues from the saved step with the same optimizer state: later steps equal the uninterrupted run', async () => {
  const dir = tempDir();
  const whole = tinyModel('c2i', fx.source, 5);
  const straight = await run(whole, { steps: 4 });

  const first = tinyModel('c2i', fx.source, 5);
  const file = path.join(dir, 'run.safetensors');
  const part = await run(first, { steps: 2, outFile: file });
  first.dispose();
  expect(part.checkpoint).toEqual([file, path.join(dir, 'run.optim.safetensors')]);
  expect(readTrainingCheckpoint(file).state.step).toBe(2);

  const resumed = tinyModel('c2i', fx.source, 99); // different initial weights: all of them must come from the file
  const rest = await run(resumed, { steps: 4, resumeFrom: file, outFile: file });
  expect(rest.step).toBe(4);
  expect(rest.losses).toEqual(straight.losses.slice(2));
  expect(weightsOf(resumed)).toEqual(weightsOf(whole));
  expect(readTrainingCheckpoint(file).state.step).toBe(4);
  whole.dispose();
  resumed.dispose();
});

it('resuming with another batch or seed than the checkpoint\'s run is refused (it would not continue that run)', async () => {
  const file = path.join(tempDir(), 'run.safetensors');
  const first = tinyModel('c2i', fx.source, 5);
  await run(first, { steps: 2, outFile: file });
  first.dispose();
  const again = tinyModel('c2i', fx.source, 5);
  await expect(run(again, { steps: 4, batch: 2, resumeFrom: file, outFile: file })).rejects.toThrow(
    /the run in it was trained with batch 4 and seed 3, not batch 2 and seed 3; a resumed run continues that run exactly/,
  );
  await expect(run(again, { steps: 4, seed: 4, resumeFrom: file, outFile: file })).rejects.toThrow(/not batch 4 and seed 4/);
  again.dispose();
  expect(readTrainingCheckpoint(file).state.step).toBe(2);
});

it('refuses to write weights under an optimizer-state name (x.optim.safetensors), which model lists hide', async () => {
  const dir = tempDir();
  const model = tinyModel('c2i', fx.source, 5);
  await expect(run(model, { steps: 1, outFile: path.join(dir, 'x.optim.safetensors') })).rejects.toThrow(/optimizer state is named.*could never be loaded/);
  model.dispose();
  expect(fs.readdirSync(dir)).toEqual([]);
});

it('abort stops after the current step and leaves a loadable checkpoint at that step', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'aborted.safetensors');
  const model = tinyModel('c2i', fx.source, 6);
  const stop = new AbortController();
  const r = await run(model, { steps: 50, outFile: file, checkpointEvery: 100, signal: stop.signal, onProgress: (p) => (p.step === 3 ? stop.abort() : undefined) });
  expect(r.status).toBe('aborted');
  expect(r.step).toBe(3);
  expect(readTrainingCheckpoint(file).state.step).toBe(3);
  const loaded = loadNar(file);
  expect(weightsOf(loaded)).toEqual(weightsOf(model));
  expect(fs.readdirSync(dir).sort()).toEqual(['aborted.optim.safetensors', 'aborted.safetensors']); // no partial files left
  loaded.dispose();
  model.dispose();
});

it('progress carries step, loss, lr and samples/s for every step', async () => {
  const model = tinyModel('c2i', fx.source, 8);
  const seen: Array<{ step: number; steps: number; lr: number; samplesPerSec: number }> = [];
  await run(model, { steps: 3, onProgress: (p) => void seen.push(p) });
  model.dispose();
  expect(seen.map((p) => p.step)).toEqual([1, 2, 3]);
  expect(seen.map((p) => p.lr)).toEqual([0, 1, 2].map(schedule));
  expect(seen.every((p) => p.steps === 3 && p.samplesPerSec > 0)).toBe(true);
});

it('the loop leaves tf.memory().numTensors unchanged', async () => {
  const model = tinyModel('c2i', fx.source, 9);
  await run(model, { steps: 1 }); // first run may create lazily held tensors
  const before = tf.memory().numTensors;
  await run(model, { steps: 3, outFile: path.join(tempDir(), 'm.safetensors') });
  expect(tf.memory().numTensors).toBe(before);
  model.dispose();
});

it('resuming into a model of another shape is refused clearly', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'a.safetensors');
  const model = tinyModel('c2i', fx.source, 1);
  await run(model, { steps: 1, outFile: file });
  model.dispose();
  const other = tinyModel('raster-c2i', fx.source, 1);
  await expect(run(other, { steps: 2, resumeFrom: file })).rejects.toThrow(/config differs/);
  other.dispose();
});

it('a staged schedule is warm-up + cosine per stage, each stage starting where the last ended', () => {
  const stages = [
    { steps: 20, maxLr: 2e-3 },
    { steps: 10, maxLr: 1e-3, warmupSteps: 0 },
  ];
  const lr = stagedSchedule(stages);
  const first = warmupCosine({ maxLr: 2e-3, minLr: 2e-4, warmupSteps: 1, totalSteps: 20 });
  const second = warmupCosine({ maxLr: 1e-3, minLr: 1e-4, warmupSteps: 0, totalSteps: 10 });
  for (let s = 0; s < 20; s++) expect(lr(s)).toBe(first(s));
  for (let s = 20; s < 35; s++) expect(lr(s)).toBe(second(s - 20));
});

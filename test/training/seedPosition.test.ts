// Training from a seed other than the corner: the config records it (trainedSeed), the trainer's
// ordering grows from it so every direction's head learns, checkpoints carry it, samplers start
// there by default, and bad or inconsistent seeds are refused by name.
import { execFileSync } from 'child_process';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { buildNarConfig, createNarTrainer, loadNar, NarModel, narConfigFromMetadata, narConfigToMetadata, type SeedSpec } from '../../models/nar';
import { orderingFor } from '../../models/nar/ordering';
import { trainingLoss } from '../../models/nar/training/forward';
import { warmupCosine } from '../../models/train/schedule';
import { shapesModelConfig, shapesVideoSource, trainNar, trainShapesModel } from '../../models/training';
import { saveTokenizer } from '../../models/vq/io';
import { TINY_SIZE, tempDir, useTinyClassSource } from './helpers';

const fx = useTinyClassSource();

const root = path.resolve(__dirname, '../..');

it('shapesModelConfig: the corner keeps the published two heads; the centre gets a head per direction and records the seed', () => {
  expect(fx.source.spec.grid).toEqual([4, 4]);
  const corner = shapesModelConfig('c2i', fx.source.spec, TINY_SIZE);
  expect(corner.heads.map((h) => `${h.axis}${h.sign}`)).toEqual(['11', '01']);
  expect(corner.trainedSeed).toBeUndefined();
  const center = shapesModelConfig('c2i', fx.source.spec, TINY_SIZE, 'center');
  expect(center.heads.map((h) => `${h.axis}${h.sign}`).sort()).toEqual(['0-1', '01', '1-1', '11']);
  expect(center.trainedSeed).toEqual([2, 2]);
  expect(shapesModelConfig('c2i', fx.source.spec, TINY_SIZE, [1, 3]).trainedSeed).toEqual([1, 3]);
  expect(() => shapesModelConfig('raster-c2i', fx.source.spec, TINY_SIZE, 'center')).toThrow(/raster-AR \(kind raster-c2i\) has no seed position/);
});

it('shapesModelConfig: images get RoPE, videos learned absolute positions (the published video layout) unless RoPE is asked for', () => {
  const video = { grid: [2, 4, 4], vocabSize: 16, condition: { kind: 'class' as const, numClasses: 12 } };
  expect(shapesModelConfig('c2i', fx.source.spec, TINY_SIZE).positions).toBe('rope');
  expect(shapesModelConfig('video', video, TINY_SIZE).positions).toBe('abs');
  expect(shapesModelConfig('video', video, { dim: 24, nLayer: 1, nHead: 2, positions: 'rope' }).positions).toBe('rope');
  expect(() => shapesModelConfig('video', video, { ...TINY_SIZE, positions: 'rope' })).toThrow(/RoPE over 3 axes needs headDim divisible by 6/);
});

it('trainedSeed survives the checkpoint metadata and is checked against the grid', () => {
  const c = shapesModelConfig('c2i', fx.source.spec, TINY_SIZE, 'center');
  expect(narConfigFromMetadata(narConfigToMetadata(c))).toEqual(c);
  const base = { ...TINY_SIZE, vocabSize: 16, grid: [4, 4], condition: { kind: 'class' as const, numClasses: 3 }, heads: 'all' as const };
  expect(() => buildNarConfig({ ...base, trainedSeed: [4, 0] })).toThrow(/trainedSeed \[4,0\] must be 2 integer coordinates inside the grid \[4,4\]/);
  expect(() => buildNarConfig({ ...base, trainedSeed: [1] })).toThrow(/trainedSeed \[1\] must be 2 integer coordinates/);
  expect(() => buildNarConfig({ ...base, heads: 'corner', trainedSeed: [2, 2] })).not.toThrow(); // the config is valid; training refuses the missing heads
});

it('the trainer grows its ordering from trainedSeed: its loss is the centre ordering\'s, not the corner\'s; a seed without heads is refused', async () => {
  const base = { ...TINY_SIZE, vocabSize: fx.tok.codebookSize, grid: [4, 4], condition: { kind: 'class' as const, numClasses: 18 }, heads: 'all' as const, multipleOf: 64 };
  const batch = await fx.source.batch(0, 4);
  const lossOf = async (trainedSeed?: number[]) => {
    const config = buildNarConfig({ ...base, ...(trainedSeed ? { trainedSeed } : {}) });
    const model = NarModel.random(config, 4);
    const direct = (seed: SeedSpec) =>
      tf.tidy(() => trainingLoss(model.params, config, orderingFor(config, seed), { cond: { kind: 'class', classIds: Int32Array.from(batch.cond.kind === 'class' ? batch.cond.classIds : []) }, tokens: Int32Array.from(batch.tokens), batch: 4 }).dataSync()[0]);
    const expected = { center: direct('center'), corner: direct('corner') };
    const trainer = createNarTrainer(model, { lr: () => 1e-3, conditionDropout: 0 });
    const { loss } = await trainer.step(batch);
    trainer.dispose();
    model.dispose();
    return { loss, ...expected };
  };
  const fromCenter = await lossOf([2, 2]);
  expect(Math.abs(fromCenter.center - fromCenter.corner)).toBeGreaterThan(1e-3); // the two orderings are told apart
  expect(fromCenter.loss).toBeCloseTo(fromCenter.center, 5);
  const fromCorner = await lossOf();
  expect(fromCorner.loss).toBeCloseTo(fromCorner.corner, 5);
  // a seed whose directions the model has no head for is refused when training starts
  const corner = NarModel.random(buildNarConfig({ ...base, heads: 'corner', trainedSeed: [2, 2] }), 4);
  expect(() => createNarTrainer(corner)).toThrow(/expands in axis 0 -, axis 1 -, but the model only has heads for/);
  corner.dispose();
});

it('a video model trained from a seed inside the clip gets a head per direction of all three axes and samples from there', async () => {
  const video = shapesVideoSource({ tokenizer: fx.tok, seed: 2, frames: 3 });
  const config = shapesModelConfig('video', video.spec, TINY_SIZE, [1, 2, 2]);
  expect(config.heads).toHaveLength(6);
  expect(config.trainedSeed).toEqual([1, 2, 2]);
  const model = NarModel.random(config, 3);
  const r = await trainNar({ model, source: video, steps: 2, batch: 2, seed: 1 });
  expect(r.losses.every(Number.isFinite)).toBe(true);
  expect(model.passes()).toBe(1 + 1 + 2 + 2); // farthest token (0 or 2, 0, 0) from (1, 2, 2)
  const grids = await model.generate({ cond: { kind: 'class', classIds: [0] }, seed: 1 });
  expect(grids[0]).toHaveLength(3 * 4 * 4);
  model.dispose();
});

it('a few steps from the centre lower the loss', async () => {
  const model = NarModel.random(shapesModelConfig('c2i', fx.source.spec, TINY_SIZE, 'center'), 2);
  const r = await trainNar({ model, source: fx.source, steps: 30, batch: 4, lr: warmupCosine({ maxLr: 3e-3, minLr: 3e-4, warmupSteps: 3, totalSteps: 40 }), seed: 3, maxGradNorm: 1 });
  model.dispose();
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  expect(mean(r.losses.slice(-5))).toBeLessThan(mean(r.losses.slice(0, 5)) * 0.8);
});

it('trainShapesModel: the checkpoint samples from its seed by default; resuming from another seed is refused', async () => {
  const dir = tempDir();
  const tokFile = path.join(dir, 'fx.tok.safetensors');
  saveTokenizer(fx.tok, tokFile);
  const out = path.join(dir, 'center.safetensors');
  const common = { kind: 'c2i' as const, batch: 2, seed: 1, out, tokenizerFile: tokFile, size: TINY_SIZE };
  await trainShapesModel({ ...common, steps: 2, seedPosition: 'center' });
  const m = loadNar(out);
  expect(m.config.trainedSeed).toEqual([2, 2]);
  expect(m.passes()).toBe(5);
  const cond = { kind: 'class' as const, classIds: [3] };
  expect(await m.generate({ cond, seed: 4 })).toEqual(await m.generate({ cond, seed: 4, seedPosition: 'center' }));
  expect(await m.generate({ cond, seed: 4 })).not.toEqual(await m.generate({ cond, seed: 4, seedPosition: 'corner' }));
  m.dispose();
  await expect(trainShapesModel({ ...common, steps: 3, resume: out, seedPosition: 'corner' })).rejects.toThrow(/was trained from seed \[2,2\]; resuming it from \[0,0\] is not possible/);
  await trainShapesModel({ ...common, steps: 3, resume: out }); // without a seed position it keeps its own
  const resumed = loadNar(out);
  expect(resumed.config.trainedSeed).toEqual([2, 2]);
  resumed.dispose();
  await expect(trainShapesModel({ ...common, steps: 1, out: path.join(dir, 'x.safetensors'), seedPosition: '7,1' })).rejects.toThrow(/seed position '7,1': coordinate 0 = 7 is outside 0..3 of the grid \[4×4\]/);
});

it('narflow train --seed-position center prints the seed and heads; a bad one is refused by name', () => {
  const dir = tempDir();
  const tokFile = path.join(dir, 'fx.tok.safetensors');
  saveTokenizer(fx.tok, tokFile);
  const train = (extra: string[]) =>
    execFileSync(process.execPath, [path.join(root, 'bin/narflow.js'), 'train', '--kind', 'c2i', '--batch', '2', '--steps', '1', '--tokenizer', tokFile, '--dim', '32', '--layers', '1', '--heads', '2', '--device', 'wasm', '--out', path.join(dir, 'm.safetensors'), ...extra], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  expect(train(['--seed-position', 'center'])).toMatch(/neighbor ordering from seed \[2,2\] with 4 heads/);
  const m = loadNar(path.join(dir, 'm.safetensors'));
  expect(m.config.trainedSeed).toEqual([2, 2]);
  m.dispose();
  expect(() => train(['--seed-position', 'middle', '--out', path.join(dir, 'n.safetensors')])).toThrow(/seed position 'middle' is not 'corner', 'center' or integer coordinates "r,c" such as "4,4"/);
  expect(() => train(['--positions', 'sideways', '--out', path.join(dir, 'p.safetensors')])).toThrow(/--positions must be 'rope' or 'abs', got 'sideways'/);
});

it('the bundled centre-seed model: four heads, trained from [4,4], samples there by default in 9 passes', async () => {
  const file = path.join(root, 'weights/nar/shapes-c2i-center.safetensors');
  const m = loadNar(file);
  expect(m.config.heads).toHaveLength(4);
  expect(m.config.trainedSeed).toEqual([4, 4]);
  expect(m.passes()).toBe(9);
  expect(m.passes('corner')).toBe(15);
  const cond = { kind: 'class' as const, classIds: [0, 7] };
  const tokens = await m.generate({ cond, seed: 2, cfgScale: 2 });
  expect(tokens).toEqual(await m.generate({ cond, seed: 2, cfgScale: 2, seedPosition: 'center' }));
  expect(tokens.flat().every((t) => t >= 0 && t < m.config.vocabSize)).toBe(true);
  m.dispose();
});

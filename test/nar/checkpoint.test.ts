// Checkpoints: clear key errors, save/load round trip with the config inside, published .pt files.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../models/backend';
import { CheckpointError, readSafetensors } from '../../models/checkpoint/safetensors';
import { buildNarConfig, loadNar, NarModel, narConfigFromModelArgs, type PublishedModelArgs } from '../../models/nar';
import { loadNarCase, narCaseDir, sharedDir } from './fixtures';

const fx = loadNarCase('c2i-4x4');
const config = narConfigFromModelArgs(fx.config as PublishedModelArgs);
const weights = path.join(narCaseDir('c2i-4x4'), 'model.safetensors');

beforeAll(async () => {
  await initBackend('wasm');
});

it('lists missing, unexpected and wrong-shaped keys in one error', () => {
  const sd = readSafetensors(weights).tensors;
  sd.delete('medusa_norm.weight');
  sd.set('extra.weight', { shape: [1], data: new Float32Array(1) });
  sd.set('norm.weight', { shape: [3], data: new Float32Array(3) });
  let err: Error | null = null;
  try {
    loadNar(sd, config);
  } catch (e) {
    err = e as Error;
  }
  expect(err).toBeInstanceOf(CheckpointError);
  expect(err!.message).toMatch(/missing keys \(1\): medusa_norm.weight/);
  expect(err!.message).toMatch(/unexpected keys \(1\): extra.weight/);
  expect(err!.message).toMatch(/norm.weight: expected \[64\], got \[3\]/);
});

it('saves weights with the config in the metadata and loads them back without a config', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-nar-ckpt-'));
  try {
    const cfg = buildNarConfig({ dim: 48, nLayer: 1, nHead: 2, vocabSize: 12, grid: [2, 3, 3], condition: { kind: 'class', numClasses: 3 }, positions: 'rope' });
    const a = NarModel.random(cfg, 4);
    const file = path.join(dir, 'm.safetensors');
    a.save(file);
    const b = loadNar(file);
    expect(b.config).toEqual(cfg);
    const cond = { kind: 'class' as const, classIds: [0, 2] };
    expect(await b.generate({ cond, seed: 1 })).toEqual(await a.generate({ cond, seed: 1 }));
    a.dispose();
    b.dispose();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

it('refuses a safetensors file without a config when none is given', () => {
  expect(() => loadNar(weights)).toThrow(/holds no NAR config/);
});

it('loads the published training checkpoint (.pt) to the same greedy tokens', async () => {
  const pt = path.join(sharedDir(), 'fixtures', 'pt', 'ddp-checkpoint.pt');
  const model = loadNar(pt, config);
  const g = fx.greedy[1];
  const tokens = await model.generate({ cond: { kind: 'class', classIds: fx.train.cond as number[] }, cfgScale: g.cfg_scale, cfgInterval: g.cfg_interval, greedy: true });
  expect(tokens).toEqual(g.tokens);
  model.dispose();
});

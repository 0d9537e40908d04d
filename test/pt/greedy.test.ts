// Greedy tokens sampled from the .pt fixtures equal the c2i-4x4 reference greedy tokens,
// through the library and through `narflow sample-tokens --weights X.pt`.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../models/backend';
import { narConfigFromCheckpoint } from '../../models/checkpoint/layout';
import { readCheckpoint } from '../../models/checkpoint/read';
import { loadNar } from '../../models/nar';
import { C2I_CASES, ptFixture, PT_FILES } from './fixtures';

interface C2iCases {
  config: Record<string, unknown>;
  train: { cond: number[] };
  greedy: { cfg_scale: number; cfg_interval: number; tokens: number[][] }[];
}
const cases = (): C2iCases => JSON.parse(fs.readFileSync(C2I_CASES(), 'utf8'));

beforeAll(async () => {
  await initBackend('wasm');
});

describe.each([PT_FILES.ddp, PT_FILES.bf16, PT_FILES.fp16Shared, PT_FILES.legacy])('greedy sampling from %s', (file) => {
  it('reproduces every reference greedy run (config from the weights + n_head and grid)', async () => {
    const fx = cases();
    const ck = readCheckpoint(ptFixture(file));
    const { n_head, block_size } = fx.config;
    const { config } = narConfigFromCheckpoint(ck.tensors, { args: ck.metadata.args as Record<string, unknown> | undefined, overrides: { n_head, block_size } });
    const model = loadNar(ck.tensors, config);
    try {
      const before = tf.memory().numTensors;
      for (const g of fx.greedy) {
        const tokens = await model.generate({ cond: { kind: 'class', classIds: fx.train.cond }, cfgScale: g.cfg_scale, cfgInterval: g.cfg_interval, greedy: true });
        expect(tokens).toEqual(g.tokens);
      }
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      model.dispose();
    }
  });
});

describe('narflow sample-tokens --weights X.pt', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-pt-sample-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each([PT_FILES.ddp, PT_FILES.bf16])('prints the reference greedy tokens from %s', (file) => {
    const fx = cases();
    const g = fx.greedy[fx.greedy.length - 1];
    const argsFile = path.join(dir, 'args.json');
    const condFile = path.join(dir, 'cond.json');
    fs.writeFileSync(argsFile, JSON.stringify(fx.config));
    fs.writeFileSync(condFile, JSON.stringify({ cond: fx.train.cond }));
    const repo = path.resolve(__dirname, '../..');
    const out = execFileSync(
      'node',
      [path.join(repo, 'bin/narflow.js'), 'sample-tokens', '--weights', ptFixture(file), '--model-args', argsFile, '--cond', condFile,
        '--cfg-scale', String(g.cfg_scale), '--cfg-interval', String(g.cfg_interval), '--greedy', '--device', 'wasm'],
      { cwd: repo, encoding: 'utf8' },
    );
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual(g.tokens);
  });
});

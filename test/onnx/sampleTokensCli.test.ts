// `narflow sample-tokens --engine ort` samples through onnxruntime and prints the fixture's greedy tokens.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadNarFixture, sharedDir } from './fixtures';

const repo = path.resolve(__dirname, '../..');
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-sample-tokens-ort-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function sampleTokens(extra: string[]): { status: number | null; stdout: string; stderr: string } {
  const name = 'c2i-4x4';
  const f = loadNarFixture(name);
  const argsFile = path.join(dir, 'args.json');
  const condFile = path.join(dir, 'cond.json');
  fs.writeFileSync(argsFile, JSON.stringify(f.cases.config));
  fs.writeFileSync(condFile, JSON.stringify({ cond: f.cases.train.cond }));
  const weights = path.join(sharedDir(), 'fixtures', 'nar', name, 'model.safetensors');
  const argv = ['sample-tokens', '--weights', weights, '--model-args', argsFile, '--cond', condFile, '--onnx-cache', path.join(dir, 'onnx'), '--device', 'wasm', ...extra];
  const r = spawnSync('node', [path.join(repo, 'bin/narflow.js'), ...argv], { cwd: repo, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('sample-tokens --engine', () => {
  const f = loadNarFixture('c2i-4x4');
  it.each(f.cases.greedy.map((g) => [g.cfg_scale, g.cfg_interval, g.tokens] as const))(
    'ort: greedy tokens for cfg_scale %d, cfg_interval %d equal the fixture',
    (cfgScale, cfgInterval, tokens) => {
      const r = sampleTokens(['--engine', 'ort', '--greedy', '--cfg-scale', String(cfgScale), '--cfg-interval', String(cfgInterval)]);
      expect(r.stderr).toContain('engine: ort');
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toEqual(tokens);
    },
  );

  it('compiles the graphs into --onnx-cache', () => {
    const keys = fs.readdirSync(path.join(dir, 'onnx'));
    expect(keys.some((k) => fs.existsSync(path.join(dir, 'onnx', k, 'model.onnx')))).toBe(true);
  });

  it('tfjs: reports the tfjs engine and gives the same seeded samples as ort', () => {
    const args = ['--cfg-scale', '2', '--temperature', '1', '--seed', '5'];
    const a = sampleTokens(['--engine', 'tfjs', ...args]);
    const b = sampleTokens(['--engine', 'ort', ...args]);
    expect(a.stderr).toContain('engine: tfjs');
    expect(a.stdout.trim()).toBe(b.stdout.trim());
  });

  it('refuses an unknown engine, naming the allowed values', () => {
    const r = sampleTokens(['--engine', 'cuda']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/engine must be one of auto, ort, tfjs, got 'cuda'/);
  });
});

// `narflow sample-tokens` reproduces the published greedy runs from files alone.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadNarCase, narCaseDir, NAR_CASES } from './fixtures';

const repo = path.resolve(__dirname, '../..');
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-sample-tokens-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function narflow(args: string[]): string {
  return execFileSync('node', [path.join(repo, 'bin/narflow.js'), ...args], { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe.each(NAR_CASES)('sample-tokens on %s', (name) => {
  const fx = loadNarCase(name);
  it.each(fx.greedy.map((g) => [g.cfg_scale, g.cfg_interval, g.tokens] as const))(
    'prints the reference greedy tokens for cfg_scale %d, cfg_interval %d',
    (cfgScale, cfgInterval, tokens) => {
      const argsFile = path.join(dir, `${name}-args.json`);
      const condFile = path.join(dir, `${name}-cond.json`);
      fs.writeFileSync(argsFile, JSON.stringify(fx.config));
      fs.writeFileSync(condFile, JSON.stringify({ cond: fx.train.cond, emb_masks: fx.emb_masks }));
      const out = narflow([
        'sample-tokens',
        '--weights', path.join(narCaseDir(name), 'model.safetensors'),
        '--model-args', argsFile,
        '--cond', condFile,
        '--cfg-scale', String(cfgScale),
        '--cfg-interval', String(cfgInterval),
        '--greedy',
        '--device', 'wasm',
      ]);
      expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual(tokens);
    },
  );
});

it('refuses a condition file without "cond" with a clear message', () => {
  const bad = path.join(dir, 'bad.json');
  fs.writeFileSync(bad, JSON.stringify({ labels: [1] }));
  const args = path.join(dir, 'args.json');
  fs.writeFileSync(args, JSON.stringify(loadNarCase('c2i-4x4').config));
  expect(() => narflow(['sample-tokens', '--weights', path.join(narCaseDir('c2i-4x4'), 'model.safetensors'), '--model-args', args, '--cond', bad])).toThrow(
    /"cond" must be a non-empty array/,
  );
});

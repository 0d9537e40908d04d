// scripts/profile-engine.ts on the tiny bench model: splits a generation's time between ORT and
// the host, and ORT's kernel time by op type and by kind of MatMul.
import { execFileSync } from 'child_process';
import * as path from 'path';

const repo = path.join(__dirname, '..', '..');
const run = (...args: string[]) =>
  execFileSync('node', ['--require', require.resolve('tsx/cjs'), path.join(repo, 'scripts/profile-engine.ts'), ...args], {
    cwd: repo,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });

it('prints the ORT / host split and kernel tables whose shares add up to the whole', () => {
  const out = run('--size', 'tiny', '--ordering', 'corner', '--batch', '2');
  expect(out).toMatch(/^tiny corner, batch 2 .*31 passes/m);
  const split = out.match(/without profiling: (\d+) ms\/image, of which inside ORT's run\(\) (\d+) and on the host .* (\d+)/);
  expect(split).not.toBeNull();
  const [total, ort, host] = split!.slice(1).map(Number);
  expect(Math.abs(ort + host - total)).toBeLessThanOrEqual(1);
  const opTable = out.split('ORT kernel time by op type')[1].split('MatMul kernels')[0];
  const shares = [...opTable.matchAll(/ ([\d.]+) %/g)].map((m) => Number(m[1]));
  expect(shares.length).toBeGreaterThan(5);
  expect(Math.abs(shares.reduce((a, b) => a + b, 0) - 100)).toBeLessThan(1);
  for (const group of ['linear → 512', 'attention q·Kᵀ, cache', 'attention P·V']) expect(out).toContain(group);
  expect(opTable).toContain('RotaryEmbedding');
});

it('names the allowed values of a bad flag', () => {
  expect(() => run('--size', 'tiny', '--ordering', 'spiral')).toThrow(/--ordering must be corner, centre, raster or par4x, got 'spiral'/);
});

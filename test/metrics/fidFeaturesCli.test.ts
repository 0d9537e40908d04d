// The fid-features command end to end: fixtures as .f32, and the same features as .npy and
// .npz (stored and deflated), and pytorch-fid statistics (mu/sigma) in an .npz.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { encodeNpy } from '../../models/metrics/io/npyFormat';
import { readRawFloat32 } from '../../models/metrics/io/featureFiles';
import { featureStats } from '../../models/metrics/frechet/featureStats';
import { fidCases, fidFixture, fidTolerance } from './helpers/sharedFixtures';
import { writeZip } from './helpers/zipWriter';

const BIN = path.resolve(__dirname, '../../bin/narflow.js');

function fid(args: string[]): number {
  const out = execFileSync(process.execPath, [BIN, 'fid-features', ...args], { encoding: 'utf8' });
  const parsed = JSON.parse(out) as { fid: number };
  expect(Object.keys(parsed)).toEqual(['fid']);
  return parsed.fid;
}

describe('narflow fid-features', () => {
  const cases = fidCases().frechet;
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fid-cli-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each(cases.map((c) => [c.name, c]))('%s from raw .f32 files', (_n, c) => {
    const v = fid(['--a', fidFixture(c.a), '--b', fidFixture(c.b), '--dim', String(c.shape_a[1])]);
    expect(Math.abs(v - c.fid)).toBeLessThanOrEqual(fidTolerance(c));
  });

  it('reads .npy, .npz (stored and deflated) and pytorch-fid mu/sigma statistics', () => {
    const c = cases.find((x) => x.name === 'well-conditioned-64')!;
    const a = readRawFloat32(fidFixture(c.a), c.shape_a[1]);
    const b = readRawFloat32(fidFixture(c.b), c.shape_b[1]);
    const npyA = path.join(dir, 'a.npy');
    fs.writeFileSync(npyA, encodeNpy(c.shape_a, a.data as Float32Array));
    const npzB = path.join(dir, 'b.npz');
    fs.writeFileSync(npzB, writeZip([{ name: 'features.npy', data: encodeNpy(c.shape_b, b.data as Float32Array) }], true));
    const stats = featureStats(b);
    const statsB = path.join(dir, 'b-stats.npz');
    fs.writeFileSync(
      statsB,
      writeZip(
        [
          { name: 'mu.npy', data: encodeNpy([c.shape_b[1]], stats.mean) },
          { name: 'sigma.npy', data: encodeNpy([c.shape_b[1], c.shape_b[1]], stats.cov.data) },
        ],
        false,
      ),
    );
    for (const args of [
      ['--a', npyA, '--b', npzB],
      ['--a', npyA, '--b', statsB],
      ['--a', fidFixture(c.a), '--b', statsB, '--dim', '64'],
    ]) {
      expect(Math.abs(fid(args) - c.fid)).toBeLessThanOrEqual(fidTolerance(c));
    }
  });

  it('fails with a message naming the file size and dimension when --dim does not fit', () => {
    const c = cases[0];
    let message = '';
    try {
      execFileSync(process.execPath, [BIN, 'fid-features', '--a', fidFixture(c.a), '--b', fidFixture(c.b), '--dim', '7'], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      message = String((e as { stderr: string }).stderr);
    }
    expect(message).toMatch(/not a whole number of float32 rows of 7 values/);
  });

  it('refuses NaN or infinite features naming the file and row, and a side of one row saying two are needed (exit 1, nothing on stdout)', () => {
    const run = (args: string[]) => spawnSync(process.execPath, [BIN, 'fid-features', ...args], { encoding: 'utf8' });
    const rows = (n: number, bad?: { row: number; col: number; value: number }) => {
      const data = new Float32Array(n * 8).map((_, i) => Math.sin(i));
      if (bad) data[bad.row * 8 + bad.col] = bad.value;
      return Buffer.from(data.buffer);
    };
    const good = path.join(dir, 'good.f32');
    fs.writeFileSync(good, rows(5));
    const nan = path.join(dir, 'nan.f32');
    fs.writeFileSync(nan, rows(5, { row: 3, col: 2, value: NaN }));
    const inf = path.join(dir, 'inf.npy');
    fs.writeFileSync(inf, encodeNpy([5, 8], new Float32Array(rows(5, { row: 0, col: 7, value: -Infinity }).buffer)));
    const one = path.join(dir, 'one.f32');
    fs.writeFileSync(one, rows(1));
    for (const [args, message] of [
      [['--a', nan, '--b', good, '--dim', '8'], `${nan}: row 3 of 5 (0-based), value 2 of 8 is NaN: features must be finite numbers`],
      [['--a', inf, '--b', good, '--dim', '8'], `${inf}: row 0 of 5 (0-based), value 7 of 8 is -Infinity`],
      [['--a', good, '--b', one, '--dim', '8'], `${one}: 1 feature row(s); the Fréchet distance needs at least 2 rows (images) per side`],
    ] as const) {
      const r = run([...args]);
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(message);
    }
    expect(run(['--a', good, '--b', good, '--dim', '8']).status).toBe(0);
  });
});

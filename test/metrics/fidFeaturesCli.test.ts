// The fid-features command end to end: fixtures as .f32, and the same features as .npy and
// .npz (stored and deflated), and pytorch-fid statistics (mu/sigma) in an .npz.
import { execFileSync } from 'child_process';
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
});

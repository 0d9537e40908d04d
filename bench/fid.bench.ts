// Fréchet distance cost by feature dimension: float64 statistics of N features (featureStats)
// and the distance itself (pivoted Cholesky + congruence + symmetric eigenvalues), in pure TS.
//   BENCH_ONLY=fid npm run bench                 dims 64, 256, 1024, 2048 (N = 2·D, at least 500)
//   BENCH_ONLY=fid npm run bench -- --fid-dims 64,256     smaller run
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { featureStats } from '../models/metrics/frechet/featureStats';
import { frechetDistance } from '../models/metrics/frechet/frechetDistance';
import { Rng } from '../models/rng';
import { flag } from './flags';

interface Row {
  dim: number;
  count: number;
  statsSeconds: number;
  frechetSeconds: number;
  fid: number;
}


/** Correlated Gaussian-ish features: x = z·M with a random banded mixing M, so Σ is full and non-diagonal. */
function features(count: number, dim: number, shift: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(count * dim);
  const z = new Float64Array(dim);
  for (let r = 0; r < count; r++) {
    for (let j = 0; j < dim; j++) z[j] = rng.normal();
    for (let j = 0; j < dim; j++) out[r * dim + j] = z[j] + 0.5 * z[(j + 1) % dim] + 0.25 * z[(j * 7 + 3) % dim] + shift;
  }
  return out;
}

function seconds(f: () => void): number {
  const t0 = performance.now();
  f();
  return (performance.now() - t0) / 1000;
}

export async function run(argv: string[]): Promise<void> {
  const dims = flag(argv, 'fid-dims', '64,256,1024,2048').split(',').map(Number);
  const rows: Row[] = [];
  for (const dim of dims) {
    const count = Math.max(500, 2 * dim);
    const a = { count, dim, data: features(count, dim, 0, dim) };
    const b = { count, dim, data: features(count, dim, 0.1, dim + 1) };
    let sa!: ReturnType<typeof featureStats>, sb!: ReturnType<typeof featureStats>;
    const statsSeconds = seconds(() => {
      sa = featureStats(a);
      sb = featureStats(b);
    }) / 2;
    let fid = NaN;
    const frechetSeconds = seconds(() => {
      fid = frechetDistance(sa, sb).fid;
    });
    rows.push({ dim, count, statsSeconds, frechetSeconds, fid });
    process.stdout.write(`  dim ${dim}: stats of ${count} features ${statsSeconds.toFixed(2)} s, Fréchet distance ${frechetSeconds.toFixed(2)} s\n`);
  }
  const header = ['dim', 'N', 'stats s (per set)', 'frechet s', 'fid'];
  const lines = rows.map((r) => [String(r.dim), String(r.count), r.statsSeconds.toFixed(3), r.frechetSeconds.toFixed(3), r.fid.toFixed(3)]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  process.stdout.write(`${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}; pure TypeScript float64, one thread\n`);
  process.stdout.write([fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...lines.map(fmt)].join('\n') + '\n');
  const out = path.join(__dirname, 'results', `fid-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), cpus: os.cpus().length, cpu: os.cpus()[0]?.model, rows }, null, 2));
  process.stdout.write(`wrote ${out}\n`);
}

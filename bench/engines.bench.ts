// Engines × orderings: NAR corner seed, NAR centre seed, raster next-token AR and PAR-4X, each on
// the tfjs and the onnxruntime-node engine, at batch 1 and 8 with guidance on (rows doubled).
// Prints forward passes, ms/image, images/s, the useful model GFLOP/s achieved and a plain
// matmul's GFLOP/s measured in the same run (the machine's ceiling), then the issue's targets.
//
//   npm run bench -- --size tiny            quick run (default): dim 64, 2 layers, vocab 512
//   BENCH_ONLY=engines npm run bench -- --size B      NAR-B-size random weights, 16×16 grid
// Flags: --batches 1,8  --engines ort,tfjs  --orderings corner,centre,raster,par4x
//        --threads N (ORT intra-op threads; default: ORT's choice)  --budget-s 60 (per cell; a cell that runs longer is stopped and extrapolated by FLOPs, marked ~;
//        each cell is preceded by a warm-up generation capped at a quarter of the budget; a cell
//        reports the fastest of up to 3 generations that fit its budget)
// The machine is shared: wall-clock figures move with the load average printed with the table,
// so CPU time (all threads of this process) is reported beside them.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../models/backend';
import type { StateDict } from '../models/checkpoint/safetensors';
import { buildNarConfig, type NarConfig } from '../models/nar/config';
import type { NarStepEngine } from '../models/nar/engine';
import { NarModel } from '../models/nar';
import { orderingFor, par4xOrdering, rasterOrdering, type TokenOrdering } from '../models/nar/ordering';
import { paramSpecs } from '../models/nar/network/weights';
import { OrtNarEngine } from '../models/onnx/narEngine';
import { bestRate, narGenerationFlops, ortMatmulRate, type FlopRate } from '../models/onnx/perf';
import { Rng } from '../models/rng';
import { timeGeneration, type GenerationTiming } from './timeGeneration';
import { flag } from './flags';

export type Ordering = 'corner' | 'centre' | 'raster' | 'par4x';
type Engine = 'ort' | 'tfjs';

export const SIZES = {
  tiny: { dim: 64, nLayer: 2, nHead: 4, vocabSize: 512 },
  B: { dim: 768, nLayer: 12, nHead: 12, vocabSize: 16384 },
} as const;

interface Row extends GenerationTiming {
  engine: Engine;
  ordering: Ordering;
  /** the plain matmul's rate on this engine, measured just before this cell */
  matmul: FlopRate;
  /** bytes of weights one forward pass reads (every linear layer and head; embeddings are gathered on the host) */
  passWeightBytes: number;
  /** useful FLOPs of one whole generation (per image) */
  flopsPerImage: number;
}


export function configFor(size: keyof typeof SIZES, ordering: Ordering): NarConfig {
  const s = SIZES[size];
  const base = { ...s, grid: [16, 16], condition: { kind: 'class' as const, numClasses: 1000 } };
  if (ordering === 'raster' || ordering === 'par4x') return buildNarConfig({ ...base, ordering: 'raster' });
  return buildNarConfig({ ...base, heads: ordering === 'centre' ? 'all' : 'corner' });
}

/** Random weights, std 0.02 (uniform, for speed), norms at 1; deterministic from `seed`. */
export function randomWeights(c: NarConfig, seed: number): StateDict {
  const rng = new Rng(seed);
  const sd: StateDict = new Map();
  const a = 0.02 * Math.sqrt(3);
  for (const [key, spec] of paramSpecs(c)) {
    const data = new Float32Array(spec.shape.reduce((x, y) => x * y, 1));
    if (spec.init === 'ones') data.fill(1);
    else {
      let s = (rng.int(2 ** 31) | 1) >>> 0;
      for (let i = 0; i < data.length; i++) {
        s ^= s << 13;
        s ^= s >>> 17;
        s ^= s << 5;
        data[i] = ((s >>> 0) / 4294967296 - 0.5) * 2 * a;
      }
    }
    sd.set(key, { shape: [...spec.shape], data });
  }
  return sd;
}

export function orderingOf(c: NarConfig, o: Ordering): TokenOrdering {
  if (o === 'raster') return rasterOrdering(c.grid);
  if (o === 'par4x') return par4xOrdering(c.grid);
  return orderingFor(c, o === 'centre' ? 'center' : 'corner');
}

async function tfjsMatmulGflops(M: number, K: number, N: number): Promise<FlopRate> {
  const a = tf.randomNormal([M, K]);
  const b = tf.randomNormal([K, N]);
  const warm = tf.matMul(a, b);
  await warm.data();
  warm.dispose();
  const rate = await bestRate(2 * M * K * N, async () => {
    const y = tf.matMul(a, b);
    await y.data();
    y.dispose();
  });
  tf.dispose([a, b]);
  return rate;
}

async function makeEngine(engine: Engine, sd: StateDict, c: NarConfig, key: string, cacheDir: string, threads?: number): Promise<{ e: NarStepEngine; close: () => Promise<void> }> {
  if (engine === 'ort') {
    const e = await OrtNarEngine.create(sd, c, { cacheDir, checkpointHash: key, threads });
    return { e, close: () => e.release() };
  }
  const model = NarModel.fromStateDict(sd, c);
  return { e: model.createEngine(), close: async () => model.dispose() };
}

/** Bytes of weights a forward pass reads: the linear layers of every block and every head's output matrix (float32). */
function passWeightBytes(c: NarConfig): number {
  let n = 0;
  for (const [key, spec] of paramSpecs(c)) if (spec.linear && !key.startsWith('cls_embedding')) n += spec.shape.reduce((a, b) => a * b, 1);
  return 4 * n;
}

/**
 * A two-term cost model of batch-1 generation, fitted on the raster-AR and PAR-4X rows (same
 * model, 256 vs 67 passes): ms/image = passes · P · (pass weight bytes / raster's) + x · GFLOP.
 * P is what one pass costs whatever it computes (reading the weights, launching kernels); x is
 * ms per useful GFLOP. Printed with the NAR rows it predicts, and with the ratios the model gives
 * if compute ran at the plain matmul's rate (x = 1/ceiling) — the most this code path could reach.
 */
function passModel(rows: Row[], engine: Engine, batch: number, ceiling: number): string[] {
  const get = (o: Ordering) => rows.find((r) => r.engine === engine && r.ordering === o && r.batch === batch);
  const raster = get('raster');
  const par = get('par4x');
  if (!raster || !par) return [];
  const gf = (r: Row) => r.flopsPerImage / 1e9;
  // two equations, two unknowns (P per raster-size pass, x per GFLOP)
  const [a1, b1, t1] = [raster.passes, gf(raster), raster.msPerImage];
  const [a2, b2, t2] = [par.passes, gf(par), par.msPerImage];
  const det = a1 * b2 - a2 * b1;
  const P = (t1 * b2 - t2 * b1) / det;
  const x = (a1 * t2 - a2 * t1) / det;
  if (!(P > 0 && x > 0)) return [`${engine} b${batch} pass model: no positive fit (P ${fmt(P, 2)} ms, x ${fmt(x, 2)} ms/GFLOP)`];
  const predict = (r: Row, perGflop: number) => r.passes * P * (r.passWeightBytes / raster.passWeightBytes) + perGflop * gf(r);
  const out = [
    `${engine} b${batch} pass model fitted on raster + PAR-4X: ${fmt(P, 2)} ms per pass of ${fmt(raster.passWeightBytes / 1e6, 0)} MB weights ` +
      `(${fmt(raster.passWeightBytes / P / 1e6, 1)} GB/s) + ${fmt(x, 2)} ms per GFLOP (${fmt(1000 / x, 0)} GFLOP/s)`,
  ];
  const corner = get('corner');
  const centre = get('centre');
  for (const r of [corner, centre]) {
    if (r) out.push(`  predicts NAR ${r.ordering}: ${fmt(predict(r, x), 0)} ms/image (measured ${fmt(r.msPerImage, 0)})`);
  }
  const best = 1000 / ceiling;
  const ratio = (a: Row | undefined, b: Row | undefined, label: string, want: number) => {
    if (!a || !b) return;
    out.push(
      `  ${label}: ${fmt(predict(b, x) / predict(a, x), 2)}× by the model; ${fmt(predict(b, best) / predict(a, best), 2)}× with compute at the matmul's ` +
        `${fmt(ceiling, 0)} GFLOP/s; ${fmt((b.passes * b.passWeightBytes) / (a.passes * a.passWeightBytes), 2)}× if weight reading were all (target ${want}×)`,
    );
  };
  ratio(corner, par, 'NAR corner vs PAR-4X', 1.5);
  ratio(centre, corner, 'NAR centre vs corner', 1.6);
  return out;
}

function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '-';
}

export async function run(argv: string[]): Promise<void> {
  const size = flag(argv, 'size', 'tiny') as keyof typeof SIZES;
  if (!(size in SIZES)) throw new Error(`--size must be one of ${Object.keys(SIZES).join(', ')}, got '${size}'`);
  const batches = flag(argv, 'batches', '1,8').split(',').map(Number);
  const engines = flag(argv, 'engines', 'ort,tfjs').split(',') as Engine[];
  const orderings = flag(argv, 'orderings', 'corner,centre,raster,par4x').split(',') as Ordering[];
  const budgetS = Number(flag(argv, 'budget-s', size === 'B' ? '60' : '600'));
  const cacheDir = path.join(os.tmpdir(), 'narflow-bench-onnx');
  const threads = Number(flag(argv, 'threads', '0')) || undefined;
  if (engines.includes('tfjs')) await initBackend('wasm');
  const mm = { M: 512, K: SIZES[size].dim, N: 4 * SIZES[size].dim };
  const ortMm: FlopRate[] = [await ortMatmulRate(mm.M, mm.K, mm.N, { threads })];
  const tfjsMm: FlopRate[] = engines.includes('tfjs') ? [await tfjsMatmulGflops(mm.M, mm.K, mm.N)] : [];
  const rows: Row[] = [];
  for (const ordering of orderings) {
    const c = configFor(size, ordering);
    const sd = randomWeights(c, 1);
    const key = `bench-${size}-${c.ordering}-${c.heads.length}`;
    for (const engine of engines) {
      const { e, close } = await makeEngine(engine, sd, c, key, cacheDir, threads);
      if (e instanceof OrtNarEngine) e.useOrdering(orderingOf(c, ordering));
      for (const batch of batches) {
        // warm-up (every step shape once, so ORT has planned its memory for each), capped by the budget
        await timeGeneration(e, c, orderingOf(c, ordering), batch, budgetS / 4, 1);
        const matmul = engine === 'ort' ? await ortMatmulRate(mm.M, mm.K, mm.N, { threads }) : await tfjsMatmulGflops(mm.M, mm.K, mm.N);
        (engine === 'ort' ? ortMm : tfjsMm).push(matmul);
        const r = await timeGeneration(e, c, orderingOf(c, ordering), batch, budgetS);
        const flopsPerImage = narGenerationFlops(c, 2 * batch, orderingOf(c, ordering), undefined, e.answersTargets ? batch : undefined) / batch;
        rows.push({ engine, ordering, matmul, passWeightBytes: passWeightBytes(c), flopsPerImage, ...r });
        process.stdout.write(`  ${engine} ${ordering} b${batch}: ${fmt(r.msPerImage, 0)} ms/image${r.completed < 1 ? ` (~, ${fmt(r.completed * 100, 0)}% run)` : ''}\n`);
      }
      await close();
    }
  }
  ortMm.push(await ortMatmulRate(mm.M, mm.K, mm.N, { threads }));
  if (engines.includes('tfjs')) tfjsMm.push(await tfjsMatmulGflops(mm.M, mm.K, mm.N));
  const best = (xs: FlopRate[]): FlopRate =>
    xs.length ? { wall: Math.max(...xs.map((x) => x.wall)), cpu: Math.max(...xs.map((x) => x.cpu)) } : { wall: NaN, cpu: NaN };
  const ceiling = { ort: best(ortMm), tfjs: best(tfjsMm) };
  report(size, rows, ceiling, mm);
}

function report(size: string, rows: Row[], ceiling: Record<Engine, FlopRate>, mm: { M: number; K: number; N: number }): void {
  const load = os.loadavg()[0];
  console.log(`\nengines bench, size ${size}, 16×16 grid, guidance 2.0 (rows doubled); ${os.cpus().length} CPUs, load average ${fmt(load, 2)}`);
  console.log(
    `plain matmul [${mm.M}×${mm.K}]·[${mm.K}×${mm.N}], best in this run, GFLOP/s per wall s / per CPU s: ` +
      `ORT ${fmt(ceiling.ort.wall)} / ${fmt(ceiling.ort.cpu)}, tfjs-wasm ${fmt(ceiling.tfjs.wall)} / ${fmt(ceiling.tfjs.cpu)}`,
  );
  console.log('(matmul: the same matmul measured just before each row; %matmul: against the best matmul of the run, in wall time and in CPU time)');
  console.log('engine  ordering  batch  passes   ms/image  cpu-ms/image  images/s  GFLOP/s  matmul  %matmul  GFLOP/cpu-s  %matmul(cpu)');
  for (const r of rows) {
    const mark = r.completed < 1 ? '~' : ' ';
    const c = r.matmul;
    const top = ceiling[r.engine];
    console.log(
      [
        r.engine.padEnd(6),
        r.ordering.padEnd(8),
        String(r.batch).padStart(5),
        String(r.passes).padStart(6),
        `${mark}${fmt(r.msPerImage, 0).padStart(8)}`,
        fmt(r.cpuMsPerImage, 0).padStart(12),
        fmt(r.imagesPerSec, 3).padStart(8),
        fmt(r.gflops).padStart(7),
        fmt(c.wall).padStart(6),
        fmt((100 * r.gflops) / top.wall, 0).padStart(7),
        fmt(r.gflopsPerCpuS).padStart(11),
        fmt((100 * r.gflopsPerCpuS) / top.cpu, 0).padStart(12),
      ].join('  '),
    );
  }
  const targets = checkTargets(rows, ceiling.ort);
  console.log(`targets (wall-clock images/s; CPU-time figure in brackets):\n  ${targets.join('\n  ')}`);
  const model = passModel(rows, 'ort', 1, ceiling.ort.wall);
  if (model.length) console.log(model.join('\n'));
  const file = path.join(__dirname, 'results', `engines-${size}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ size, load, ceiling, matmul: mm, rows, targets, model }, null, 2));
  console.log(`written ${path.relative(process.cwd(), file)}`);
}

function checkTargets(rows: Row[], ortCeiling: FlopRate): string[] {
  const get = (engine: Engine, ordering: Ordering, batch: number) => rows.find((r) => r.engine === engine && r.ordering === ordering && r.batch === batch);
  const out: string[] = [];
  const verdict = (x: number, want: number) => (x >= want ? 'met' : 'NOT met');
  const ratio = (engine: Engine, a: Ordering, b: Ordering, batch: number, want: number, label: string) => {
    const x = get(engine, a, batch);
    const y = get(engine, b, batch);
    if (!x || !y) return;
    const wall = x.imagesPerSec / y.imagesPerSec;
    const cpu = y.cpuMsPerImage / x.cpuMsPerImage;
    out.push(`${engine} b${batch} ${label}: ${fmt(wall, 2)}× [${fmt(cpu, 2)}×] (target ≥ ${want}×) ${verdict(wall, want)} [${verdict(cpu, want)}]`);
  };
  for (const engine of ['ort', 'tfjs'] as Engine[]) {
    ratio(engine, 'corner', 'raster', 1, 3, 'NAR corner vs raster AR');
    ratio(engine, 'corner', 'par4x', 1, 1.5, 'NAR corner vs PAR-4X');
    ratio(engine, 'centre', 'corner', 1, 1.6, 'NAR centre vs corner');
    ratio(engine, 'corner', 'raster', 8, 1, 'NAR corner vs raster AR');
    ratio(engine, 'centre', 'raster', 8, 1, 'NAR centre vs raster AR');
  }
  for (const r of rows.filter((x) => x.engine === 'ort' && x.batch === 8)) {
    const wall = (100 * r.gflops) / ortCeiling.wall;
    const cpu = (100 * r.gflopsPerCpuS) / ortCeiling.cpu;
    out.push(`ort b8 ${r.ordering}: ${fmt(wall, 0)}% [${fmt(cpu, 0)}%] of the run's best matmul GFLOP/s (target ≥ 60%) ${verdict(wall, 60)} [${verdict(cpu, 60)}]`);
  }
  return out;
}

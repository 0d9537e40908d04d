// Where a generation's time goes on the ORT engine: one NAR / raster / PAR-4X generation on
// random weights (the engines bench's models), profiled by ORT node by node, next to the time the
// host (JS: sampling, KV-cache appends) spends between passes.
//
//   npx tsx scripts/profile-engine.ts --ordering corner --batch 8 [--size B] [--keep]
//
// Prints: wall ms per image, of which inside ORT's run() and on the host (from an unprofiled
// generation); then, from a profiled one, ORT kernel time by op type;
// MatMul kernels grouped as linear layers (by output width) and attention (q·Kᵀ and P·V) with
// their GFLOP/s. --keep leaves ORT's profile JSON in the OS temp folder (its path is printed).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { configFor, orderingOf, randomWeights, SIZES, type Ordering } from '../bench/engines.bench';
import { timeGeneration } from '../bench/timeGeneration';
import { OrtNarEngine } from '../models/onnx/narEngine';
import { flag } from '../bench/flags';

interface ProfileEvent {
  cat?: string;
  name: string;
  dur: number;
  args?: { op_name?: string; input_type_shape?: Array<Record<string, number[]>>; output_type_shape?: Array<Record<string, number[]>> };
}


const shapes = (list: Array<Record<string, number[]>> | undefined): number[][] => (list ?? []).map((t) => Object.values(t)[0] ?? []);

/** A MatMul kernel's group and FLOPs. ORT lists only non-constant inputs, so a linear layer shows one. */
function matmulClass(e: ProfileEvent, headDim: number): { group: string; flops: number } {
  const ins = shapes(e.args?.input_type_shape);
  const out = shapes(e.args?.output_type_shape)[0] ?? [];
  const rows = out.slice(0, -1).reduce((a, b) => a * b, 1);
  const n = out[out.length - 1] ?? 0;
  const k = ins[0]?.[ins[0].length - 1] ?? 0;
  const flops = 2 * rows * k * n;
  if (ins.length === 1) return { group: `linear → ${n}`, flops };
  if (e.args?.op_name === 'FusedMatMul') return { group: 'attention q·Kᵀ, cache', flops };
  if (k === headDim) return { group: 'attention q·Kᵀ, new', flops };
  return { group: n === headDim ? 'attention P·V' : 'other', flops };
}

function table(title: string, rows: Array<[string, number, number, string?]>, total: number): void {
  console.log(`\n${title}`);
  for (const [name, us, count, extra] of rows.sort((x, y) => y[1] - x[1])) {
    console.log(`  ${name.padEnd(24)} ${(us / 1000).toFixed(1).padStart(9)} ms ${((100 * us) / total).toFixed(1).padStart(5)} %  ×${String(count).padEnd(6)} ${extra ?? ''}`);
  }
}

async function main(argv: string[]): Promise<void> {
  const size = flag(argv, 'size', 'B') as keyof typeof SIZES;
  if (!(size in SIZES)) throw new Error(`--size must be one of ${Object.keys(SIZES).join(', ')}, got '${size}'`);
  const ordering = flag(argv, 'ordering', 'corner') as Ordering;
  if (!['corner', 'centre', 'raster', 'par4x'].includes(ordering)) throw new Error(`--ordering must be corner, centre, raster or par4x, got '${ordering}'`);
  const batch = Number(flag(argv, 'batch', '1'));
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`--batch must be a positive integer, got '${flag(argv, 'batch', '1')}'`);
  const c = configFor(size, ordering);
  const order = orderingOf(c, ordering);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-profile-'));
  const prefix = path.join(dir, 'ort');
  const cacheDir = path.join(os.tmpdir(), 'narflow-bench-onnx');
  const key = `bench-${size}-${c.ordering}-${c.heads.length}`;
  const warm = await OrtNarEngine.create(randomWeights(c, 1), c, { cacheDir, checkpointHash: key });
  warm.useOrdering(order);
  await timeGeneration(warm, c, order, batch, 600, 1); // compile/load, plan memory
  const ortBefore = warm.stats.ortMs;
  const plain = await timeGeneration(warm, c, order, batch, 600, 1);
  const plainOrt = (warm.stats.ortMs - ortBefore) / batch;
  await warm.release();
  const engine = await OrtNarEngine.create(randomWeights(c, 1), c, { cacheDir, checkpointHash: key, profileFilePrefix: prefix });
  engine.useOrdering(order);
  const timed = await timeGeneration(engine, c, order, batch, 600, 1);
  engine.endProfiling();
  await engine.release();
  const file = fs.readdirSync(dir).map((f) => path.join(dir, f)).find((f) => f.endsWith('.json'));
  if (!file) throw new Error(`ORT wrote no profile under ${dir}`);
  const events = JSON.parse(fs.readFileSync(file, 'utf8')) as ProfileEvent[];
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run');
  const kernels = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'));
  const runUs = runs.reduce((a, e) => a + e.dur, 0);
  const kernelUs = kernels.reduce((a, e) => a + e.dur, 0);
  const perImage = (us: number) => us / 1000 / batch;
  console.log(`${size} ${ordering}, batch ${batch} (guidance 2.0, rows doubled), ${order.steps.length} passes`);
  console.log(
    `  without profiling: ${plain.msPerImage.toFixed(0)} ms/image, of which inside ORT's run() ${plainOrt.toFixed(0)} and on the host ` +
      `(sampling, KV-cache appends, feeds) ${(plain.msPerImage - plainOrt).toFixed(0)}`,
  );
  console.log(`  profiled run (slower): model_run ${perImage(runUs).toFixed(0)} ms/image, kernels ${perImage(kernelUs).toFixed(0)}`);
  const byOp = new Map<string, [number, number]>();
  const byMatmul = new Map<string, [number, number, number]>();
  for (const e of kernels) {
    const op = e.args?.op_name ?? '?';
    const o = byOp.get(op) ?? [0, 0];
    byOp.set(op, [o[0] + e.dur, o[1] + 1]);
    if (op === 'MatMul' || op === 'FusedMatMul') {
      const { group, flops } = matmulClass(e, c.headDim);
      const m = byMatmul.get(group) ?? [0, 0, 0];
      byMatmul.set(group, [m[0] + e.dur, m[1] + 1, m[2] + flops]);
    }
  }
  table('ORT kernel time by op type', [...byOp].map(([k, [us, n]]) => [k, us, n]), kernelUs);
  table(
    'MatMul kernels (GFLOP/s per kernel time)',
    [...byMatmul].map(([k, [us, n, f]]) => [k, us, n, `${(f / us / 1e3).toFixed(1)} GFLOP/s`]),
    kernelUs,
  );
  if (argv.includes('--keep')) console.log(`\nORT profile: ${file}`);
  else fs.rmSync(dir, { recursive: true, force: true });
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});

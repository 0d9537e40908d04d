// The device check's benchmark: NAR from the corner vs raster next-token AR, random weights, 16×16
// grid, guidance 2.0 (rows doubled), at the given batches, on tfjs (the process's backend) and on
// onnxruntime with the given execution providers. Each cell gets a wall-clock budget: a generation
// still running when it is spent is stopped and its time extrapolated by FLOPs (marked partial).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildNarConfig, NarModel, type NarConfig } from '../../models/nar';
import { orderingFor, rasterOrdering } from '../../models/nar/ordering';
import { randomStateDict } from '../../models/nar/network/weights';
import { OrtNarEngine } from '../../models/onnx/narEngine';
import { Rng } from '../../models/rng';
import { timeGeneration } from '../../bench/timeGeneration';

export const BENCH_SIZES = {
  tiny: { dim: 64, nLayer: 2, nHead: 4, vocabSize: 512 },
  B: { dim: 768, nLayer: 12, nHead: 12, vocabSize: 16384 },
} as const;
export type BenchSize = keyof typeof BENCH_SIZES;
export type BenchOrdering = 'corner' | 'raster';

/** 'tfjs' (the active tfjs backend) or 'ort:<provider>' */
export type BenchEngine = string;

export interface BenchOptions {
  size: BenchSize;
  batches: number[];
  engines: BenchEngine[];
  orderings: BenchOrdering[];
  /** seconds per timed cell (its warm-up gets a quarter of it) */
  budgetS: number;
  /** cells not started before this many seconds from the start are skipped */
  deadlineS: number;
  log: (line: string) => void;
}

export interface BenchRow {
  engine: BenchEngine;
  ordering: BenchOrdering;
  batch: number;
  passes: number;
  msPerImage: number;
  imagesPerSec: number;
  gflops: number;
  /** fraction of the generation run (1 = complete; less = extrapolated by FLOPs) */
  completed: number;
}

export interface BenchResult {
  size: BenchSize;
  rows: BenchRow[];
  skipped: string[];
  /** NAR corner vs raster images/s per engine and batch */
  speedups: Array<{ engine: string; batch: number; narOverRaster: number }>;
}

function configFor(size: BenchSize, ordering: BenchOrdering): NarConfig {
  const base = { ...BENCH_SIZES[size], grid: [16, 16], condition: { kind: 'class' as const, numClasses: 1000 } };
  return buildNarConfig(ordering === 'raster' ? { ...base, ordering: 'raster' } : { ...base, heads: 'corner' });
}


async function openEngine(engine: BenchEngine, sd: ReturnType<typeof randomStateDict>, c: NarConfig, cacheDir: string, key: string) {
  if (engine === 'tfjs') {
    const model = NarModel.fromStateDict(sd, c);
    const e = model.createEngine();
    return { e, close: async () => (e.dispose(), model.dispose()) };
  }
  const provider = engine.replace(/^ort:/, '');
  const e = await OrtNarEngine.create(sd, c, { cacheDir, checkpointHash: key, providers: provider === 'cpu' ? ['cpu'] : [provider, 'cpu'] });
  return { e, close: () => e.release() };
}

export async function runBench(o: BenchOptions): Promise<BenchResult> {
  const start = performance.now();
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-device-bench-'));
  const rows: BenchRow[] = [];
  const skipped: string[] = [];
  try {
    for (const ordering of o.orderings) {
      const c = configFor(o.size, ordering);
      const sd = randomStateDict(c, new Rng(1));
      const order = ordering === 'raster' ? rasterOrdering(c.grid) : orderingFor(c, 'corner');
      for (const engine of o.engines) {
        if ((performance.now() - start) / 1000 > o.deadlineS) {
          skipped.push(...o.batches.map((b) => `${engine} ${ordering} b${b}: deadline`));
          continue;
        }
        let opened: Awaited<ReturnType<typeof openEngine>>;
        try {
          opened = await openEngine(engine, sd, c, cacheDir, `device-bench-${o.size}-${ordering}`);
        } catch (e) {
          skipped.push(`${engine} ${ordering}: ${(e as Error).message.split('\n')[0]}`);
          continue;
        }
        if (opened.e instanceof OrtNarEngine) opened.e.useOrdering(order);
        try {
          for (const batch of o.batches) {
            if ((performance.now() - start) / 1000 > o.deadlineS) {
              skipped.push(`${engine} ${ordering} b${batch}: deadline`);
              continue;
            }
            await timeGeneration(opened.e, c, order, batch, o.budgetS / 4, 1); // warm-up: shaders, allocations
            const r = await timeGeneration(opened.e, c, order, batch, o.budgetS);
            rows.push({ engine, ordering, ...r });
            o.log(`${engine} ${ordering} b${batch}: ${r.msPerImage.toFixed(1)} ms/image, ${r.imagesPerSec.toFixed(2)} images/s, ${r.gflops.toFixed(1)} GFLOP/s${r.completed < 1 ? ` (partial: ${(100 * r.completed).toFixed(0)}% run, extrapolated)` : ''}`);
          }
        } catch (e) {
          skipped.push(`${engine} ${ordering}: ${(e as Error).message.split('\n')[0]}`);
        } finally {
          await opened.close();
        }
      }
    }
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
  const speedups: BenchResult['speedups'] = [];
  for (const engine of o.engines) {
    for (const batch of o.batches) {
      const nar = rows.find((r) => r.engine === engine && r.batch === batch && r.ordering === 'corner');
      const ar = rows.find((r) => r.engine === engine && r.batch === batch && r.ordering === 'raster');
      if (nar && ar) speedups.push({ engine, batch, narOverRaster: nar.imagesPerSec / ar.imagesPerSec });
    }
  }
  return { size: o.size, rows, skipped, speedups };
}

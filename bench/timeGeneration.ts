// Times NAR generations on any step engine (the fastest of a few); stops after a budget and extrapolates by FLOPs.
// Shared by the engines bench and the GPU device-check script.
import type { NarConfig } from '../models/nar/config';
import type { NarStepEngine } from '../models/nar/engine';
import type { TokenOrdering } from '../models/nar/ordering';
import { generate } from '../models/nar/sampler/generate';
import { narGenerationFlops } from '../models/onnx/perf';
import { Rng } from '../models/rng';

export interface GenerationTiming {
  batch: number;
  passes: number;
  msPerImage: number;
  cpuMsPerImage: number;
  imagesPerSec: number;
  gflops: number;
  gflopsPerCpuS: number;
  /** fraction of the generation's FLOPs that ran before the budget stopped it (1 = all) */
  completed: number;
  /** generations timed (the figures are the fastest one's) */
  runs: number;
}

class BudgetSpent extends Error {}

/** Class-conditional generation with guidance 2.0 (rows doubled), seeded; figures for one whole generation. */
async function timeOnce(engine: NarStepEngine, c: NarConfig, ordering: TokenOrdering, batch: number, budgetS: number): Promise<GenerationTiming> {
  const images = engine.answersTargets ? batch : undefined; // the FLOPs the engine's path does
  const total = narGenerationFlops(c, 2 * batch, ordering, ordering.steps.length, images);
  let doneSteps = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  try {
    await generate(engine, {
      cond: { kind: 'class', classIds: Array.from({ length: batch }, (_, i) => (i * 37) % 1000) },
      ordering,
      cfgScale: 2,
      temperature: 1,
      topK: 0,
      rng: new Rng(7),
      onStep: (info) => {
        doneSteps = info.step + 1;
        if (performance.now() - t0 > budgetS * 1000 && doneSteps < ordering.steps.length) throw new BudgetSpent();
      },
    });
  } catch (e) {
    if (!(e instanceof BudgetSpent)) throw e;
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const done = narGenerationFlops(c, 2 * batch, ordering, doneSteps, images);
  const fullSeconds = (seconds * total) / done;
  const fullCpuSeconds = ((cpu.user + cpu.system) / 1e6) * (total / done);
  return {
    batch,
    passes: ordering.steps.length,
    msPerImage: (fullSeconds * 1000) / batch,
    cpuMsPerImage: (fullCpuSeconds * 1000) / batch,
    imagesPerSec: batch / fullSeconds,
    gflops: total / fullSeconds / 1e9,
    gflopsPerCpuS: total / fullCpuSeconds / 1e9,
    completed: done / total,
    runs: 1,
  };
}

/**
 * Times generations until `reps` have run or `budgetS` is spent (a generation that would overrun
 * the budget is stopped and extrapolated by FLOPs) and reports the fastest: on a shared machine
 * the fastest run is the one least disturbed by other work.
 */
export async function timeGeneration(engine: NarStepEngine, c: NarConfig, ordering: TokenOrdering, batch: number, budgetS: number, reps = 3): Promise<GenerationTiming> {
  const t0 = performance.now();
  let best: GenerationTiming | null = null;
  for (let r = 0; r < reps; r++) {
    const left = budgetS - (performance.now() - t0) / 1000;
    if (best && (left <= 0 || best.completed < 1 || (best.msPerImage * batch) / 1000 > left)) break;
    const t = await timeOnce(engine, c, ordering, batch, Math.max(left, 0));
    const runs = (best?.runs ?? 0) + 1;
    if (!best || t.msPerImage < best.msPerImage) best = t;
    best.runs = runs;
  }
  return best!;
}

// Performance yardsticks: the FLOPs a NAR forward pass needs, and a plain matmul's GFLOP/s on
// onnxruntime-node (the machine's practical ceiling for the transformer's linear layers).
import type { NarConfig } from '../nar/config';
import { CONDITION, type TokenOrdering } from '../nar/ordering/types';
import { fusableSteps } from '../nar/sampler/generate';
import { GraphBuilder } from './builder';
import { createSession, floatTensor, SessionConfig } from './session';

/** Multiply-add FLOPs (2 per MAC) of one block's linear layers per token. */
export function blockLinearFlopsPerToken(c: NarConfig): number {
  const qkv = c.dim * (c.nHead + 2 * c.nKvHead) * c.headDim;
  const wo = c.nHead * c.headDim * c.dim;
  const ffn = 3 * c.dim * c.ffnHidden;
  return 2 * (qkv + wo + ffn);
}

/**
 * Useful FLOPs of one forward pass: `rows` batch rows feeding `S` positions over a cache of
 * `cached` positions, with `headRows` (position, head) logit rows per batch row.
 */
export function narPassFlops(c: NarConfig, rows: number, S: number, cached: number, headRows: number): number {
  const linear = c.totalBlocks * S * blockLinearFlopsPerToken(c);
  const attention = c.totalBlocks * 2 * 2 * S * (cached + S) * c.nHead * c.headDim; // QKᵀ and PV
  const heads = 2 * headRows * c.dim * c.vocabSize;
  return rows * (linear + attention + heads);
}

/**
 * Useful FLOPs of a whole generation along `ordering`: the prefill reads every head at the last
 * condition position; a decode pass computes a head at a fed position only where some token
 * reads it (what OrtNarEngine does after useOrdering). With `images`
 * (the sampler's TargetRequests, as OrtNarEngine answers them), a fusable pass instead projects
 * each target's guided parent mix once per image and parent head (sampler/generate.ts fusableSteps).
 */
export function narGenerationFlops(c: NarConfig, rows: number, ordering: TokenOrdering, passes = ordering.steps.length, images?: number): number {
  const read = new Set<number>(); // source · heads + head
  for (let q = 0; q < c.numTokens; q++) for (const l of ordering.parents(q)) if (l.source !== CONDITION) read.add(l.source * c.heads.length + l.head);
  const fusable = images ? fusableSteps(ordering) : [];
  const targetFlops = (k: number) => {
    let links = 0;
    for (const q of ordering.steps[k]) links += ordering.parents(q).length;
    return 2 * images! * links * c.dim * c.vocabSize;
  };
  let flops = fusable[0] ? narPassFlops(c, rows, c.clsTokenNum, 0, 0) + targetFlops(0) : narPassFlops(c, rows, c.clsTokenNum, 0, c.heads.length);
  let cached = c.clsTokenNum;
  for (let k = 1; k < passes; k++) {
    const fed = ordering.steps[k - 1];
    if (fusable[k]) {
      flops += narPassFlops(c, rows, fed.length, cached, 0) + targetFlops(k);
    } else {
      let headRows = 0;
      for (let h = 0; h < c.heads.length; h++) {
        let n = 0;
        for (const p of fed) if (read.has(p * c.heads.length + h)) n++;
        headRows += n;
      }
      flops += narPassFlops(c, rows, fed.length, cached, headRows);
    }
    cached += fed.length;
  }
  return flops;
}

/** A rate in GFLOP/s per wall-clock second and per CPU-second (all threads of this process). */
export interface FlopRate {
  wall: number;
  cpu: number;
}

/** Best rate of `reps` runs of `once`, which does `flops` of work. */
export async function bestRate(flops: number, once: () => Promise<void>, reps = 8): Promise<FlopRate> {
  let wall = Infinity;
  let cpu = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await once();
    const c = process.cpuUsage(c0);
    wall = Math.min(wall, (performance.now() - t0) / 1000);
    cpu = Math.min(cpu, (c.user + c.system) / 1e6);
  }
  return { wall: flops / wall / 1e9, cpu: flops / cpu / 1e9 };
}

/** GFLOP/s of an [M, K] × [K, N] MatMul (constant weights) on onnxruntime-node, after a warm-up. */
export async function ortMatmulRate(M: number, K: number, N: number, session: SessionConfig = {}): Promise<FlopRate> {
  const g = new GraphBuilder('matmul');
  const x = g.input('x', 'float', [M, K]);
  const w = g.initializer('w', Float32Array.from({ length: K * N }, (_, i) => ((i % 97) - 48) / 480), [K, N]);
  g.output(g.op('MatMul', [x, w]), 'y', 'float', [M, N]);
  const s = await createSession(g.toBytes(), session);
  const feeds = { x: floatTensor(Float32Array.from({ length: M * K }, (_, i) => ((i % 89) - 44) / 440), [M, K]) };
  await s.run(feeds);
  try {
    return await bestRate(2 * M * K * N, async () => void (await s.run(feeds)));
  } finally {
    await s.release();
  }
}

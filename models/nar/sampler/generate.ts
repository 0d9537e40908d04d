// The sampler loop, shared by every engine: prefill → decode steps along the ordering, parent
// merging, classifier-free guidance with cfg_interval, token choice with our Rng, progress callback.
import { Rng } from '../../rng';
import type { NarConfig } from '../config';
import type { EngineCondition, HeadLogits, NarStepEngine } from '../engine';
import { CONDITION, type TokenOrdering } from '../ordering';
import { chooseToken, mixGuidance, type SamplingOptions } from './sampling';

/** A condition for B images, as the caller gives it. */
export type SampleCondition =
  | { kind: 'class'; classIds: ArrayLike<number> }
  /** features [B, tokens, captionDim] row-major; mask [B, tokens] (1 valid, 0 padding; captions are left-padded) */
  | { kind: 'text'; features: Float32Array; mask?: Float32Array };

export interface StepInfo {
  /** pass index, 0 = prefill */
  step: number;
  passes: number;
  /** flat raster positions sampled in this pass */
  positions: Int32Array;
  /** [B, N] tokens so far (raster order), -1 where not yet sampled */
  tokens: Int32Array;
  batch: number;
}

export interface GenerateRequest extends SamplingOptions {
  cond: SampleCondition;
  ordering: TokenOrdering;
  /** guidance scale; > 1 doubles the batch with null conditions */
  cfgScale?: number;
  /** guidance stops once more than this many tokens were generated (counted before a step); -1 = always */
  cfgInterval?: number;
  /** random source for sampling (not needed when greedy) */
  rng?: Rng;
  onStep?: (info: StepInfo) => void | Promise<void>;
}

interface Run {
  B: number;
  N: number;
  V: number;
  guided: boolean;
  tokens: Int32Array;
  generated: number;
  cfgOn: boolean;
  /** head logits available for parent lookups: source → (logits of its call, row in that call, rows per batch) */
  sources: Map<number, { logits: HeadLogits; index: number; perRow: number }>;
}

export function batchSize(c: SampleCondition, config: NarConfig): number {
  if (c.kind === 'class') return c.classIds.length;
  if (config.condition.kind !== 'text') throw new Error(`a text condition was given to a ${config.condition.kind}-conditioned model`);
  const per = config.condition.tokens * config.condition.captionDim;
  if (c.features.length % per !== 0 || c.features.length === 0) {
    throw new Error(`caption features must be [B, ${config.condition.tokens}, ${config.condition.captionDim}], got ${c.features.length} values`);
  }
  return c.features.length / per;
}

/** Engine condition for the (possibly doubled) batch: rows [B, 2B) use the null condition. */
export function engineCondition(c: SampleCondition, B: number, guided: boolean): EngineCondition {
  const rows = guided ? 2 * B : B;
  const nullRows = Uint8Array.from({ length: rows }, (_, r) => (r >= B ? 1 : 0));
  if (c.kind === 'class') {
    const ids = Int32Array.from({ length: rows }, (_, r) => c.classIds[r % B]);
    return { kind: 'class', classIds: ids, nullRows };
  }
  const features = guided ? concat(c.features, c.features) : c.features;
  return { kind: 'text', features, nullRows };
}

function concat(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Merged (and guided) logits of target q for batch row b. */
function targetLogits(run: Run, ordering: TokenOrdering, q: number, b: number, guide: number): Float32Array {
  const links = ordering.parents(q);
  const rowOf = (r: number) => {
    const acc = new Float32Array(run.V);
    for (const l of links) {
      const src = run.sources.get(l.source);
      if (!src) throw new Error(`sampler: logits of parent ${l.source} of token ${q} are not available`);
      const off = (r * src.perRow + src.index) * run.V;
      const head = src.logits[l.head];
      for (let v = 0; v < run.V; v++) acc[v] += head[off + v];
    }
    for (let v = 0; v < run.V; v++) acc[v] /= links.length;
    return acc;
  };
  const cond = rowOf(b);
  return guide > 0 ? mixGuidance(cond, rowOf(b + run.B), guide) : cond;
}

/** Samples every target of one pass and records it. */
async function sampleStep(run: Run, req: GenerateRequest, step: number, rng: Rng): Promise<void> {
  const targets = req.ordering.steps[step];
  const guide = run.guided && run.cfgOn ? (req.cfgScale ?? 1) : 0;
  for (let b = 0; b < run.B; b++) {
    for (const q of targets) run.tokens[b * run.N + q] = chooseToken(targetLogits(run, req.ordering, q, b, guide), req, rng);
  }
  run.generated += targets.length;
  await req.onStep?.({ step, passes: req.ordering.steps.length, positions: targets, tokens: Int32Array.from(run.tokens), batch: run.B });
}

/** Pass 0: condition → logits at the last condition position → the first token(s). */
export async function prefill(engine: NarStepEngine, run: Run, req: GenerateRequest, rng: Rng): Promise<void> {
  const logits = await engine.prefill(engineCondition(req.cond, run.B, run.guided));
  run.sources.set(CONDITION, { logits, index: 0, perRow: 1 });
  await sampleStep(run, req, 0, rng);
}

/** Pass k: feed the tokens of pass k−1, then sample the tokens of pass k. */
export async function decodeStep(engine: NarStepEngine, run: Run, req: GenerateRequest, step: number, rng: Rng): Promise<void> {
  const fed = req.ordering.steps[step - 1];
  const rows = run.guided ? 2 * run.B : run.B;
  const tokens = new Int32Array(rows * fed.length);
  for (let r = 0; r < rows; r++) fed.forEach((q, s) => (tokens[r * fed.length + s] = run.tokens[(r % run.B) * run.N + q]));
  if (req.cfgInterval !== undefined && req.cfgInterval > -1 && run.generated > req.cfgInterval) run.cfgOn = false;
  const logits = await engine.decodeStep(fed, tokens);
  fed.forEach((q, s) => run.sources.set(q, { logits, index: s, perRow: fed.length }));
  await sampleStep(run, req, step, rng);
  forgetUsedSources(run, req.ordering, step);
}

/** Drops logits no later target needs (keeps memory flat on long generations). */
function forgetUsedSources(run: Run, ordering: TokenOrdering, step: number): void {
  const needed = new Set<number>();
  for (let k = step + 1; k < ordering.steps.length; k++) for (const q of ordering.steps[k]) for (const l of ordering.parents(q)) needed.add(l.source);
  for (const s of [...run.sources.keys()]) if (!needed.has(s)) run.sources.delete(s);
}

/** Generates B token grids; returns tokens [B][N] in raster order. */
export async function generate(engine: NarStepEngine, req: GenerateRequest): Promise<number[][]> {
  const config = engine.config;
  const B = batchSize(req.cond, config);
  const N = config.numTokens;
  if (req.ordering.rank.length !== N) throw new Error(`ordering covers ${req.ordering.rank.length} tokens, the model's grid has ${N}`);
  const guided = (req.cfgScale ?? 1) > 1;
  const condMask = req.cond.kind === 'text' && req.cond.mask ? expandMask(req.cond.mask, B, config, guided) : undefined;
  const rng = req.rng ?? new Rng(0);
  const run: Run = { B, N, V: config.vocabSize, guided, tokens: new Int32Array(B * N).fill(-1), generated: 0, cfgOn: true, sources: new Map() };
  await engine.setup({ batch: guided ? 2 * B : B, condMask });
  try {
    await prefill(engine, run, req, rng);
    for (let step = 1; step < req.ordering.steps.length; step++) await decodeStep(engine, run, req, step, rng);
  } finally {
    engine.dispose();
  }
  return Array.from({ length: B }, (_, b) => Array.from(run.tokens.subarray(b * N, (b + 1) * N)));
}

/** Caption mask [B, tokens] → engine condition mask [rows, clsTokenNum] (the null rows share it, as published). */
function expandMask(mask: Float32Array, B: number, config: NarConfig, guided: boolean): Float32Array {
  if (config.condition.kind !== 'text') throw new Error('a caption mask was given to a class-conditioned model');
  const T = config.condition.tokens;
  const C = config.clsTokenNum;
  if (mask.length !== B * T) throw new Error(`caption mask must be [${B}, ${T}], got ${mask.length} values`);
  const rows = guided ? 2 * B : B;
  const out = new Float32Array(rows * C);
  for (let r = 0; r < rows; r++) for (let j = 0; j < C; j++) out[r * C + j] = mask[(r % B) * T + j];
  return out;
}

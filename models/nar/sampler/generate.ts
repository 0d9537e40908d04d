// The sampler loop, shared by every engine: prefill → decode steps along the ordering, parent
// merging, classifier-free guidance with cfg_interval, token choice with our Rng, progress callback.
import { Rng } from '../../rng';
import type { NarConfig } from '../config';
import { headRowOffset, type EngineCondition, type HeadLogits, type NarStepEngine, type TargetRequest } from '../engine';
import { CONDITION, type ParentLink, type TokenOrdering } from '../ordering';
import { TokenChooser, type SamplingOptions } from './sampling';

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
  /** [B, N] tokens so far (raster order), -1 where not yet sampled (kept tokens are there from the start) */
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
  /**
   * Tokens to keep (inpainting / outpainting): where `keep` is 1 the grid takes `tokens` instead of
   * the sampled token, and later passes read it as context. Both [B, N] raster order, or [N] for
   * every image. A kept token is still chosen (and discarded), so the random stream, and every
   * token the kept ones do not change, are those of the same seed without keeping.
   */
  fixed?: FixedTokens;
  onStep?: (info: StepInfo) => void | Promise<void>;
}

export interface FixedTokens {
  tokens: ArrayLike<number>;
  keep: ArrayLike<number>;
}

/** Where a position's head logits live: the call's logits, its row in that call, rows per batch row. */
interface LogitSource {
  logits: HeadLogits;
  index: number;
  perRow: number;
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
  sources: Map<number, LogitSource>;
  /** lastUse.get(source): the last pass whose targets read that source's logits */
  lastUse: Map<number, number>;
  chooser: TokenChooser;
  /** [B, N]: the token to keep at each position, −1 = sample it */
  fixed?: Int32Array;
  /** per pass: its targets' logits may come from the engine (TargetRequest; see fusableSteps) */
  fusable: boolean[];
  /** scratch rows [V]: merged conditional, merged unconditional, guided */
  condRow: Float32Array;
  uncondRow: Float32Array;
  mixedRow: Float32Array;
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

/**
 * Mean over parents of row r's head logits into `out` (float32 accumulation, as published);
 * a single parent is returned as a view without copying.
 */
function mergeParents(run: Run, links: readonly ParentLink[], q: number, r: number, out: Float32Array): Float32Array {
  const V = run.V;
  if (links.length === 1) {
    const [head, off] = parentRow(run, links[0], q, r);
    return head.subarray(off, off + V);
  }
  out.fill(0);
  for (const l of links) {
    const [head, off] = parentRow(run, l, q, r);
    for (let v = 0; v < V; v++) out[v] += head[off + v];
  }
  const n = links.length;
  for (let v = 0; v < V; v++) out[v] /= n;
  return out;
}

/** The head logits array holding batch row r of parent `link` of token q, and the row's offset in it. */
function parentRow(run: Run, link: ParentLink, q: number, r: number): [Float32Array, number] {
  const src = run.sources.get(link.source);
  if (!src) throw new Error(`sampler: logits of parent ${link.source} of token ${q} are not available`);
  const off = headRowOffset(src.logits, link.head, r, src.index, src.perRow, run.V);
  if (off < 0) throw new Error(`sampler: the engine did not compute head ${link.head} at parent ${link.source} of token ${q}`);
  return [src.logits[link.head], off];
}

/** Merged (and guided) logits of target q for batch row b, in the run's scratch rows. */
function targetLogits(run: Run, ordering: TokenOrdering, q: number, b: number, guide: number): Float32Array {
  const links = ordering.parents(q);
  const cond = mergeParents(run, links, q, b, run.condRow);
  if (!(guide > 0)) return cond;
  const uncond = mergeParents(run, links, q, b + run.B, run.uncondRow);
  const out = run.mixedRow;
  for (let v = 0; v < run.V; v++) out[v] = uncond[v] + (cond[v] - uncond[v]) * guide;
  return out;
}

/**
 * targetLogits(...)[v] / divisor into dst, in one pass for the common cases (one or two parents):
 * the same float32 roundings in the same order as mergeParents, the guidance mix and the
 * chooser's temperature division, so the tokens are exactly those of the general path.
 */
function fillTarget(run: Run, ordering: TokenOrdering, q: number, b: number, guide: number, dst: Float32Array, divisor: number): void {
  const links = ordering.parents(q);
  const n = links.length;
  if (n > 2) {
    const row = targetLogits(run, ordering, q, b, guide);
    for (let v = 0; v < run.V; v++) dst[v] = row[v] / divisor;
    return;
  }
  const V = run.V;
  const fround = Math.fround;
  const at = (link: ParentLink, r: number): [Float32Array, number] => parentRow(run, link, q, r);
  const [c0, o0] = at(links[0], b);
  if (n === 1) {
    if (!(guide > 0)) {
      for (let v = 0; v < V; v++) dst[v] = c0[o0 + v] / divisor;
      return;
    }
    const [u0, p0] = at(links[0], b + run.B);
    for (let v = 0; v < V; v++) {
      const c = c0[o0 + v];
      const u = u0[p0 + v];
      dst[v] = fround(u + (c - u) * guide) / divisor;
    }
    return;
  }
  const [c1, o1] = at(links[1], b);
  if (!(guide > 0)) {
    for (let v = 0; v < V; v++) dst[v] = fround(fround(c0[o0 + v] + c1[o1 + v]) / 2) / divisor;
    return;
  }
  const [u0, p0] = at(links[0], b + run.B);
  const [u1, p1] = at(links[1], b + run.B);
  for (let v = 0; v < V; v++) {
    const c = fround(fround(c0[o0 + v] + c1[o1 + v]) / 2);
    const u = fround(fround(u0[p0 + v] + u1[p1 + v]) / 2);
    dst[v] = fround(u + (c - u) * guide) / divisor;
  }
}

/** Samples every target of one pass (from `targets`, logits or probabilities, when the engine computed them) and records it. */
async function sampleStep(run: Run, req: GenerateRequest, step: number, rng: Rng, targetLogits?: Float32Array): Promise<void> {
  const targets = req.ordering.steps[step];
  const guide = guideNow(run, req);
  const V = run.V;
  for (let b = 0; b < run.B; b++) {
    if (targetLogits) {
      targets.forEach((q, t) => {
        const off = (b * targets.length + t) * V;
        const row = targetLogits.subarray(off, off + V);
        run.tokens[b * run.N + q] = run.chooser.plainSampling ? run.chooser.chooseFromProbabilities(row, rng) : run.chooser.chooseOwned(row, rng);
      });
    } else {
      for (const q of targets) {
        run.tokens[b * run.N + q] = run.chooser.chooseFilled((dst, divisor) => fillTarget(run, req.ordering, q, b, guide, dst, divisor), rng);
      }
    }
    if (run.fixed) {
      for (const q of targets) {
        const kept = run.fixed[b * run.N + q];
        if (kept >= 0) run.tokens[b * run.N + q] = kept;
      }
    }
  }
  run.generated += targets.length;
  await req.onStep?.({ step, passes: req.ordering.steps.length, positions: targets, tokens: Int32Array.from(run.tokens), batch: run.B });
}

/**
 * Fixed tokens as [B, N] (−1 = sample), checked against the batch and vocabulary; undefined when
 * nothing is kept.
 */
export function fixedGrid(f: FixedTokens | undefined, B: number, N: number, V: number): Int32Array | undefined {
  if (!f) return undefined;
  const { tokens, keep } = f;
  for (const [name, a] of [['tokens', tokens], ['keep', keep]] as const) {
    if (a.length !== N && a.length !== B * N) throw new Error(`fixed ${name} must be [${N}] or [${B}, ${N}] (batch ${B}, grid of ${N}), got ${a.length} values`);
  }
  const out = new Int32Array(B * N).fill(-1);
  let any = false;
  for (let i = 0; i < B * N; i++) {
    if (!keep[keep.length === N ? i % N : i]) continue;
    const t = tokens[tokens.length === N ? i % N : i];
    if (!Number.isInteger(t) || t < 0 || t >= V) throw new Error(`fixed token ${t} at position ${i % N} of image ${Math.floor(i / N)} is outside the vocabulary 0..${V - 1}`);
    out[i] = t;
    any = true;
  }
  return any ? out : undefined;
}

/** The guidance scale of the coming tokens (0 when off). */
function guideNow(run: Run, req: GenerateRequest): number {
  return run.guided && run.cfgOn ? (req.cfgScale ?? 1) : 0;
}

/** The TargetRequest for the targets of pass `step`, when that pass is fusable. */
function targetRequest(run: Run, req: GenerateRequest, step: number): TargetRequest | undefined {
  if (!run.fusable[step]) return undefined;
  const fed = step === 0 ? null : req.ordering.steps[step - 1];
  const parents = Array.from(req.ordering.steps[step], (q) =>
    req.ordering.parents(q).map((l) => ({ head: l.head, index: fed ? fed.indexOf(l.source) : 0 })),
  );
  return { images: run.B, parents, guide: guideNow(run, req), divisor: run.chooser.divisor, probabilities: run.chooser.plainSampling };
}

/**
 * Per pass k, whether the engine may merge and guide its targets itself (TargetRequest): they read
 * only positions fed in pass k (the condition for pass 0), at most one parent per head, and no
 * other pass reads those positions. True for every pass of the NAR orderings and raster AR, and
 * for all but the first passes of PAR-4X (whose first tokens are read again four passes later).
 */
export function fusableSteps(ordering: TokenOrdering, lastUse: Map<number, number> = lastUses(ordering)): boolean[] {
  return ordering.steps.map((targets, k) => {
    const fed = k === 0 ? [CONDITION] : Array.from(ordering.steps[k - 1]);
    if (fed.some((s) => (lastUse.get(s) ?? k) !== k)) return false;
    const fedSet = new Set(fed);
    for (const q of targets) {
      const links = ordering.parents(q);
      if (new Set(links.map((l) => l.head)).size !== links.length) return false;
      if (links.some((l) => !fedSet.has(l.source))) return false;
    }
    return true;
  });
}

/** Pass 0: condition → logits at the last condition position → the first token(s). */
export async function prefill(engine: NarStepEngine, run: Run, req: GenerateRequest, rng: Rng): Promise<void> {
  const logits = await engine.prefill(engineCondition(req.cond, run.B, run.guided), targetRequest(run, req, 0));
  await takeLogits(engine, run, req, 0, rng, logits, [CONDITION]);
}

/** Pass k: feed the tokens of pass k−1, then sample the tokens of pass k. */
export async function decodeStep(engine: NarStepEngine, run: Run, req: GenerateRequest, step: number, rng: Rng): Promise<void> {
  const fed = req.ordering.steps[step - 1];
  const rows = run.guided ? 2 * run.B : run.B;
  const tokens = new Int32Array(rows * fed.length);
  for (let r = 0; r < rows; r++) fed.forEach((q, s) => (tokens[r * fed.length + s] = run.tokens[(r % run.B) * run.N + q]));
  if (req.cfgInterval !== undefined && req.cfgInterval > -1 && run.generated > req.cfgInterval) run.cfgOn = false;
  const logits = await engine.decodeStep(fed, tokens, targetRequest(run, req, step));
  await takeLogits(engine, run, req, step, rng, logits, fed);
}

/** Samples pass `step` from a call's logits: the engine's target logits, or its head logits for `fed`. */
async function takeLogits(engine: NarStepEngine, run: Run, req: GenerateRequest, step: number, rng: Rng, logits: HeadLogits, fed: ArrayLike<number>): Promise<void> {
  if (logits.targets) {
    await sampleStep(run, req, step, rng, logits.targets);
    engine.recycle?.(logits); // no other pass reads this call's positions (fusableSteps)
    return;
  }
  const n = fed.length;
  for (let s = 0; s < n; s++) run.sources.set(fed[s], { logits, index: s, perRow: n });
  await sampleStep(run, req, step, rng);
  forgetUsedSources(run, step, engine);
}

/** For every source position, the last pass that reads it (computed once per generation). */
function lastUses(ordering: TokenOrdering): Map<number, number> {
  const last = new Map<number, number>();
  ordering.steps.forEach((targets, k) => {
    for (const q of targets) for (const l of ordering.parents(q)) last.set(l.source, Math.max(last.get(l.source) ?? -1, k));
  });
  return last;
}

/** Drops logits no later target needs (keeps memory flat on long generations). */
function forgetUsedSources(run: Run, step: number, engine: NarStepEngine): void {
  const dropped = new Set<HeadLogits>();
  for (const [s, src] of [...run.sources]) {
    if ((run.lastUse.get(s) ?? -1) <= step) {
      run.sources.delete(s);
      dropped.add(src.logits);
    }
  }
  if (!engine.recycle) return;
  for (const src of run.sources.values()) dropped.delete(src.logits); // still read through another source
  for (const logits of dropped) engine.recycle(logits);
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
  const V = config.vocabSize;
  const lastUse = lastUses(req.ordering);
  const fixed = fixedGrid(req.fixed, B, N, V);
  const run: Run = {
    B,
    N,
    V,
    guided,
    // kept tokens are known from the start (the preview shows them); a position is fed only after its pass
    tokens: fixed ? Int32Array.from(fixed) : new Int32Array(B * N).fill(-1),
    generated: 0,
    cfgOn: true,
    sources: new Map(),
    lastUse,
    chooser: new TokenChooser(V, req),
    fixed,
    fusable: engine.answersTargets ? fusableSteps(req.ordering, lastUse) : [],
    condRow: new Float32Array(V),
    uncondRow: new Float32Array(V),
    mixedRow: new Float32Array(V),
  };
  await engine.setup({ batch: guided ? 2 * B : B, condMask, ordering: req.ordering });
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
  // the model reads the last C of the T caption positions (see embedCondition)
  for (let r = 0; r < rows; r++) for (let j = 0; j < C; j++) out[r * C + j] = mask[(r % B) * T + (T - C) + j];
  return out;
}

// NarStepEngine on onnxruntime-node: the step graph (and, for text models, the caption graph)
// compiled once per checkpoint into the on-disk graph cache, a host KV cache read in place by
// every step, and embeddings gathered on the host (a row copy per token).
import type { HostTensor, StateDict } from '../checkpoint/safetensors';
import type { NarConfig } from '../nar/config';
import type { EngineCondition, EngineSetup, HeadLogits, NarStepEngine, TargetRequest } from '../nar/engine';
import { CONDITION, type TokenOrdering } from '../nar/ordering/types';
import { compileOrLoad, DEFAULT_ONNX_CACHE_DIR, graphCacheKey, stateDictHash } from './graphCache';
import { weight } from './layers';
import { buildCaptionGraph, CAPTION_GRAPH_VERSION } from './nar/captionGraph';
import { OrtKvCache, pow2AtLeast } from './nar/kvCache';
import { buildNarStepGraph, NAR_STEP_GRAPH_VERSION, NAR_STEP_NAMES as N } from './nar/stepGraph';
import { prefillBias, ropeRows } from './nar/stepInputs';
import { ortExecutionProviders } from '../device/processDevice';
import { createSession, floatTensor, int64Tensor, OrtSession, OrtTensor, SessionConfig } from './session';

export interface OrtNarEngineOptions extends SessionConfig {
  /** compiled-graph cache folder (default `.cache/onnx`) */
  cacheDir?: string;
  /** content hash of the checkpoint (default: sha256 over the state dict) */
  checkpointHash?: string;
  /**
   * Feed one ignored row where an index tensor would be empty (default: when a provider other
   * than the CPU's is asked for: ORT's WebGPU provider fails on empty tensors).
   */
  padEmptyTensors?: boolean;
}

/** Counts of forward passes and of graphs built (vs loaded) by this engine. */
export interface OrtEngineStats {
  forwardPasses: number;
  /** logits arrays allocated (the others reused recycled buffers) */
  logitArraysAllocated: number;
  /** KV caches allocated (setup() reuses the last one for the same batch) */
  kvCachesAllocated: number;
  /** wall-clock ms spent inside ORT's run() by the step graph */
  ortMs: number;
  graphsCompiled: number;
  graphsLoaded: number;
}

/** Recycled logits buffers kept at most (a NAR pass holds one per head; older passes are rarely read). */
const MAX_FREE_LOGITS = 8;


/**
 * Step-graph feeds that ask for no target logits, for head-logit passes: empty target indices,
 * or with `padded` one target of weight 0 whose output is ignored (for providers that reject
 * empty tensors).
 */
export function noTargetFeeds(c: NarConfig, padded = false): Record<string, OrtTensor> {
  const feeds: Record<string, OrtTensor> = {};
  const P = padded ? 1 : 0;
  c.heads.forEach((_, h) => {
    feeds[N.targetSrc(h)] = int64Tensor(new Array<number>(P).fill(0), [P]);
    feeds[N.targetWeight(h)] = floatTensor(new Float32Array(P), [P, 1]);
  });
  feeds[N.condRows] = int64Tensor([0], [1]);
  feeds[N.uncondRows] = int64Tensor([0], [1]);
  feeds[N.guidance] = floatTensor(new Float32Array(1), [1]);
  return feeds;
}

export class OrtNarEngine implements NarStepEngine {
  readonly answersTargets = true;
  readonly stats: OrtEngineStats;
  private cache: OrtKvCache | null = null;
  /** the last generation's cache, kept by dispose() for reuse (see trim) */
  private spareCache: OrtKvCache | null = null;
  private condMask: Float32Array | undefined;
  /** [heads][numTokens] 1 = some token reads this head at this position (see useOrdering) */
  private neededByHead: Uint8Array[] | null = null;
  /** buffers of recycled logits, smallest first */
  private freeLogits: ArrayBuffer[] = [];
  private readonly tokEmb: HostTensor;
  private readonly absPe: HostTensor | null;

  private constructor(
    readonly config: NarConfig,
    private readonly sd: StateDict,
    private readonly step: OrtSession,
    private readonly caption: OrtSession | null,
    compiled: number,
    loaded: number,
    /** feed one unused row instead of an empty index tensor (GPU providers reject empty dispatches) */
    private readonly padEmpty: boolean,
  ) {
    const c = config;
    this.tokEmb = weight(sd, 'tok_embeddings.weight', [c.vocabSize, c.dim]);
    this.absPe = c.positions === 'abs' ? weight(sd, 'abs_pe', [1, c.maxSeqLen + c.clsTokenNum, c.dim]) : null;
    this.stats = { forwardPasses: 0, logitArraysAllocated: 0, kvCachesAllocated: 0, ortMs: 0, graphsCompiled: compiled, graphsLoaded: loaded };
  }

  /** Loads (or compiles on first use) the graphs of this checkpoint and opens their sessions. */
  static async create(sd: StateDict, config: NarConfig, options: OrtNarEngineOptions = {}): Promise<OrtNarEngine> {
    const dir = options.cacheDir ?? DEFAULT_ONNX_CACHE_DIR;
    const hash = options.checkpointHash ?? stateDictHash(sd);
    const meta = { graph: 'nar', checkpoint: hash };
    const step = compileOrLoad(dir, graphCacheKey(hash, config, NAR_STEP_GRAPH_VERSION), () => buildNarStepGraph(sd, config), meta);
    const cap =
      config.condition.kind === 'text'
        ? compileOrLoad(dir, graphCacheKey(hash, config, CAPTION_GRAPH_VERSION), () => buildCaptionGraph(sd, config), meta)
        : null;
    const built = [step, cap].filter((x) => x?.compiled).length;
    const loaded = [step, cap].filter((x) => x && !x.compiled).length;
    const stepSession = await createSession(step.file, options);
    const capSession = cap ? await createSession(cap.file, options) : null;
    // ORT's WebGPU provider fails on empty tensors ("Invalid dispatch group size (0, 1, 1)"), measured
    // on Mesa lavapipe; the CPU provider runs them as no-ops
    const padEmpty = options.padEmptyTensors ?? (options.providers ?? ortExecutionProviders()).some((p) => p !== 'cpu');
    return new OrtNarEngine(config, sd, stepSession, capSession, built, loaded, padEmpty);
  }

  async setup(options: EngineSetup): Promise<void> {
    const c = this.config;
    const { batch } = options;
    if (!Number.isInteger(batch) || batch < 1) throw new Error(`setup: batch must be a positive integer, got ${batch}`);
    if (options.condMask && options.condMask.length !== batch * c.clsTokenNum) {
      throw new Error(`setup: condMask has ${options.condMask.length} values, expected batch·clsTokenNum = ${batch * c.clsTokenNum}`);
    }
    this.condMask = options.condMask;
    if (options.ordering) this.useOrdering(options.ordering);
    const slots = c.clsTokenNum + c.numTokens;
    const maxFed = Math.max(c.clsTokenNum, ...(options.ordering?.steps.map((s) => s.length) ?? []));
    const kept = this.cache ?? this.spareCache;
    this.spareCache = null;
    const s = kept?.shape;
    if (kept && s!.batch === batch && (s!.maxFed ?? 0) >= maxFed) {
      kept.clear();
      this.cache = kept;
    } else {
      this.cache = new OrtKvCache({ blocks: c.totalBlocks, batch, kvHeads: c.nKvHead, headDim: c.headDim, slots, maxFed });
      this.stats.kvCachesAllocated++;
    }
  }

  async prefill(cond: EngineCondition, targets?: TargetRequest): Promise<HeadLogits> {
    const cache = this.requireCache('prefill');
    if (cache.filled !== 0) throw new Error(`prefill: the cache already holds ${cache.filled} positions; call setup() first`);
    const c = this.config;
    const B = cache.shape.batch;
    const C = c.clsTokenNum;
    const x = await this.conditionEmbeddings(cond, B);
    this.addAbsPe(x, B, Array.from({ length: C }, (_, i) => i));
    const mask = this.condMask;
    const seedIndex = c.heads.map(() => [C - 1]);
    const visible = (b: number, s: number) => !mask || mask[b * C + s] !== 0;
    return this.run(x, new Int32Array(C).fill(-1), prefillBias(B, C, mask), targets ? { request: targets, at: [C - 1] } : seedIndex, visible);
  }

  async decodeStep(positions: Int32Array, tokens: Int32Array, targets?: TargetRequest): Promise<HeadLogits> {
    const cache = this.requireCache('decodeStep');
    const c = this.config;
    const B = cache.shape.batch;
    const S = positions.length;
    if (tokens.length !== B * S) throw new Error(`decodeStep: tokens has ${tokens.length} values, expected batch·positions = ${B}·${S}`);
    if (cache.filled < c.clsTokenNum) throw new Error('decodeStep: call prefill() first');
    const x = new Float32Array(B * S * c.dim);
    for (let i = 0; i < B * S; i++) {
      const t = tokens[i];
      if (!Number.isInteger(t) || t < 0 || t >= c.vocabSize) throw new Error(`decodeStep: token ${t} at ${i} is outside [0, ${c.vocabSize})`);
      x.set(this.tokEmb.data.subarray(t * c.dim, (t + 1) * c.dim), i * c.dim);
    }
    for (const p of positions) {
      if (p < 0 || p >= c.numTokens) throw new Error(`decodeStep: position ${p} is outside the grid of ${c.numTokens} tokens`);
    }
    this.addAbsPe(x, B, Array.from(positions, (p) => c.clsTokenNum + p));
    if (targets) return this.run(x, positions, new Float32Array(B * S * S), { request: targets, at: Array.from(positions, (_, s) => s) });
    const needed = this.neededLogits(positions);
    const logits = await this.run(x, positions, new Float32Array(B * S * S), needed);
    if (needed.every((index) => index.length === S)) return logits;
    const rowOf = needed.map((index) => {
      const map = new Int32Array(S).fill(-1);
      index.forEach((s, i) => (map[s] = i));
      return map;
    });
    return Object.assign(logits, { compact: { rowOf, count: needed.map((index) => index.length) } });
  }

  /**
   * Tells the engine which ordering the sampler follows, so that a decode step computes each head's
   * logits only at the positions some later token reads them from (ordering.parents), returned
   * compact (HeadLogits.compact). Without an ordering (the default, or null) every
   * head is computed at every fed position. Kept across setup() calls; `EngineSetup.ordering`,
   * when the sampler passes one, takes precedence.
   */
  useOrdering(ordering: TokenOrdering | null): void {
    const c = this.config;
    if (!ordering) {
      this.neededByHead = null;
      return;
    }
    if (ordering.rank.length !== c.numTokens) throw new Error(`ordering covers ${ordering.rank.length} tokens, the model's grid has ${c.numTokens}`);
    const need = c.heads.map(() => new Uint8Array(c.numTokens));
    for (let q = 0; q < c.numTokens; q++) {
      for (const link of ordering.parents(q)) {
        if (link.head < 0 || link.head >= c.heads.length) throw new Error(`ordering links token ${q} to head ${link.head}; the model has ${c.heads.length} heads`);
        if (link.source !== CONDITION) need[link.head][link.source] = 1;
      }
    }
    this.neededByHead = need;
  }

  /** Per head, the indices into `positions` whose logits are read later (on GPU providers at least one: see padEmptyTensors). */
  private neededLogits(positions: Int32Array): number[][] {
    const all = Array.from(positions, (_, s) => s);
    const need = this.neededByHead;
    if (!need) return this.config.heads.map(() => all);
    return need.map((n) => {
      const keep = all.filter((s) => n[positions[s]] === 1);
      return keep.length || !this.padEmpty ? keep : [0]; // one ignored row where empty tensors fail
    });
  }

  /**
   * Ends the generation. The KV-cache buffers are kept for the next setup() of the same batch
   * (fresh buffers cost a page fault per 4 KiB on first touch: about 14 ms per image at NAR-B,
   * batch 8); release() or trim() frees them.
   */
  dispose(): void {
    this.spareCache = this.cache ?? this.spareCache;
    this.cache = null;
    this.freeLogits = [];
    this.condMask = undefined;
  }

  /** Frees the KV-cache buffers dispose() kept. */
  trim(): void {
    this.spareCache = null;
  }

  /** Ends ORT profiling of the step graph (sessions opened with `profileFilePrefix`), which writes the profile file. */
  endProfiling(): void {
    this.step.endProfiling();
  }

  /** Frees the sessions (the engine is unusable afterwards). */
  async release(): Promise<void> {
    this.dispose();
    this.trim();
    await this.step.release();
    await this.caption?.release();
  }

  private requireCache(what: string): OrtKvCache {
    if (!this.cache) throw new Error(`${what}: call setup() first`);
    return this.cache;
  }

  /**
   * One forward pass over S fed positions; appends their K/V; returns per-head logits [B, L_h, V]
   * at `logits` (indices into the positions), or for a TargetRequest its target logits (`at`
   * maps a parent's index to a fed position) and empty head logits.
   */
  private async run(
    x: Float32Array,
    positions: ArrayLike<number>,
    biasNew: Float32Array,
    logits: number[][] | { request: TargetRequest; at: number[] },
    visible?: (b: number, s: number) => boolean,
  ): Promise<HeadLogits> {
    const c = this.config;
    const cache = this.cache!;
    const B = cache.shape.batch;
    const S = positions.length;
    cache.reserve(S);
    // ORT writes the new keys/values into the cache's staging area (before the past tensors are
    // taken: making room there may replace the cache's buffers) and logits into buffers the
    // sampler handed back (recycle) or new ones
    const staged = cache.stagingViews(S);
    const feeds: Record<string, OrtTensor> = {
      [N.x]: floatTensor(x, [B, S, c.dim]),
      [N.biasPast]: cache.biasTensor,
      [N.biasNew]: floatTensor(biasNew, [B, 1, S, S]),
    };
    if (c.positions === 'rope') {
      const { cos, sin } = ropeRows(c, positions);
      feeds[N.ropeCos] = floatTensor(cos, [S, c.headDim / 2]);
      feeds[N.ropeSin] = floatTensor(sin, [S, c.headDim / 2]);
    }
    for (let l = 0; l < c.totalBlocks; l++) {
      feeds[N.pastK(l)] = cache.keyTensors[l];
      feeds[N.pastV(l)] = cache.valueTensors[l];
    }
    const kvDims = [B, c.nKvHead, S, c.headDim];
    const fetches: Record<string, OrtTensor | null> = {};
    for (let l = 0; l < c.totalBlocks; l++) {
      fetches[N.newK(l)] = floatTensor(staged.keys[l], kvDims);
      fetches[N.newV(l)] = floatTensor(staged.values[l], kvDims);
    }
    let result: HeadLogits;
    if (Array.isArray(logits)) {
      logits.forEach((index, h) => (feeds[N.logitIndex(h)] = int64Tensor(index, [index.length])));
      Object.assign(feeds, this.targetFeeds(null, B, []));
      result = logits.map((index) => this.logitsArray(B * index.length * c.vocabSize));
      c.heads.forEach((_, i) => (fetches[N.logits(i)] = floatTensor(result[i], [B, logits[i].length, c.vocabSize])));
    } else {
      const { request, at } = logits;
      const unused = this.padEmpty ? [0] : []; // no head logits (one ignored row where empty tensors fail)
      c.heads.forEach((_, h) => (feeds[N.logitIndex(h)] = int64Tensor(unused, [unused.length])));
      Object.assign(feeds, this.targetFeeds(request, B, at));
      const P = request.parents.length;
      const targets = this.logitsArray(request.images * P * c.vocabSize);
      fetches[request.probabilities ? N.targetProbs : N.targetLogits] = floatTensor(targets, [request.images, P, c.vocabSize]);
      result = Object.assign(c.heads.map(() => new Float32Array(0)), { targets });
    }
    const t0 = performance.now();
    await this.step.run(feeds, fetches);
    this.stats.ortMs += performance.now() - t0;
    this.stats.forwardPasses++;
    cache.appendStaged(S, visible);
    return result;
  }

  /**
   * The target inputs of the step graph for `request` over a batch of B rows (`at`: the fed
   * position of each parent index), or empty ones (no target logits) when request is null.
   */
  private targetFeeds(request: TargetRequest | null, B: number, at: number[]): Record<string, OrtTensor> {
    const c = this.config;
    const H = c.heads.length;
    const feeds: Record<string, OrtTensor> = {};
    if (!request) return noTargetFeeds(c, this.padEmpty);
    const { images: I, parents, guide, divisor } = request;
    const guided = guide > 0;
    if (!(Number.isInteger(I) && I >= 1 && (guided ? 2 * I === B : I === B || 2 * I === B))) {
      throw new Error(`target request: ${I} images ${guided ? 'with' : 'without'} guidance do not fit a batch of ${B} rows`);
    }
    if (!(divisor > 0)) throw new Error(`target request: divisor must be positive, got ${divisor}`);
    const P = parents.length;
    const src = Array.from({ length: H }, () => new Array<number>(P).fill(0));
    const share = Array.from({ length: H }, () => new Float32Array(P));
    parents.forEach((links, t) => {
      if (links.length === 0) throw new Error(`target request: target ${t} has no parent`);
      for (const { head, index } of links) {
        if (!(head >= 0 && head < H)) throw new Error(`target request: target ${t} reads head ${head}; the model has ${H}`);
        if (!(index >= 0 && index < at.length)) throw new Error(`target request: target ${t} reads position index ${index}; the call feeds ${at.length}`);
        if (share[head][t] !== 0) throw new Error(`target request: target ${t} reads head ${head} twice`);
        src[head][t] = at[index];
        share[head][t] = 1 / (links.length * divisor);
      }
    });
    for (let h = 0; h < H; h++) {
      feeds[N.targetSrc(h)] = int64Tensor(src[h], [P]);
      feeds[N.targetWeight(h)] = floatTensor(share[h], [P, 1]);
    }
    const rows = Array.from({ length: I }, (_, b) => b);
    feeds[N.condRows] = int64Tensor(rows, [I]);
    feeds[N.uncondRows] = int64Tensor(guided ? rows.map((b) => b + I) : rows, [I]);
    feeds[N.guidance] = floatTensor(Float32Array.of(guide), [1]);
    return feeds;
  }

  /** An array of n floats for logits: a view into a recycled buffer when one is free and large enough. */
  private logitsArray(n: number): Float32Array {
    if (n === 0) return new Float32Array(0);
    const i = this.freeLogits.findIndex((b) => b.byteLength >= 4 * n);
    if (i < 0) {
      // room to grow (rings widen pass by pass): a power of two of floats, so one buffer serves several passes
      this.stats.logitArraysAllocated++;
      return new Float32Array(new ArrayBuffer(4 * pow2AtLeast(n)), 0, n);
    }
    const [buffer] = this.freeLogits.splice(i, 1);
    return new Float32Array(buffer, 0, n);
  }

  /** Takes back logits this engine returned (see NarStepEngine.recycle); their buffers serve later steps. */
  recycle(logits: HeadLogits): void {
    for (const a of logits.targets ? [...logits, logits.targets] : logits) {
      if (a.length > 0 && a.byteOffset === 0 && !this.freeLogits.some((b) => b === a.buffer)) this.freeLogits.push(a.buffer as ArrayBuffer);
    }
    this.freeLogits.sort((a, b) => a.byteLength - b.byteLength); // smallest that fits first
    if (this.freeLogits.length > MAX_FREE_LOGITS) this.freeLogits.splice(0, this.freeLogits.length - MAX_FREE_LOGITS);
  }

  /** [B, C, dim] condition embeddings (null rows → null class / null caption). */
  private async conditionEmbeddings(cond: EngineCondition, B: number): Promise<Float32Array> {
    const c = this.config;
    const C = c.clsTokenNum;
    if (cond.kind !== c.condition.kind) throw new Error(`prefill: a ${c.condition.kind}-conditioned model got a ${cond.kind} condition`);
    if (cond.nullRows && cond.nullRows.length !== B) throw new Error(`prefill: nullRows has ${cond.nullRows.length} values, expected batch ${B}`);
    if (cond.kind === 'class' && c.condition.kind === 'class') {
      const n = c.condition.numClasses;
      const table = weight(this.sd, 'cls_embedding.embedding_table.weight', [n + 1, c.dim]);
      if (cond.classIds.length !== B) throw new Error(`prefill: classIds has ${cond.classIds.length} values, expected batch ${B}`);
      const x = new Float32Array(B * c.dim);
      for (let b = 0; b < B; b++) {
        const id = cond.nullRows?.[b] ? n : cond.classIds[b];
        if (!Number.isInteger(id) || id < 0 || id > n) throw new Error(`prefill: class id ${id} (row ${b}) is outside [0, ${n})`);
        x.set(table.data.subarray(id * c.dim, (id + 1) * c.dim), b * c.dim);
      }
      return x;
    }
    if (cond.kind !== 'text' || c.condition.kind !== 'text' || !this.caption) throw new Error('prefill: text condition without a caption graph');
    const { tokens: T, captionDim: capDim } = c.condition;
    if (cond.features.length !== B * T * capDim) {
      throw new Error(`prefill: caption features have ${cond.features.length} values, expected [${B}, ${T}, ${capDim}]`);
    }
    // The model reads the last C of the T caption positions (captions are left-padded); the
    // projection is per position, so only those rows are projected. Null rows take the null
    // caption's last C rows.
    const uncond = weight(this.sd, 'cls_embedding.uncond_embedding', [T, capDim]);
    const skip = (T - C) * capDim;
    const per = C * capDim;
    const feats = new Float32Array(B * per);
    for (let b = 0; b < B; b++) {
      const src = cond.nullRows?.[b] ? uncond.data.subarray(skip, skip + per) : cond.features.subarray(b * T * capDim + skip, (b + 1) * T * capDim);
      feats.set(src, b * per);
    }
    const out = await this.caption.run({ features: floatTensor(feats, [B, C, capDim]) });
    return Float32Array.from(out.cond.data as Float32Array);
  }

  private addAbsPe(x: Float32Array, B: number, seqPositions: number[]): void {
    if (!this.absPe) return;
    const dim = this.config.dim;
    const S = seqPositions.length;
    for (let b = 0; b < B; b++) {
      for (let s = 0; s < S; s++) {
        const src = seqPositions[s] * dim;
        const dst = (b * S + s) * dim;
        for (let d = 0; d < dim; d++) x[dst + d] += this.absPe.data[src + d];
      }
    }
  }
}

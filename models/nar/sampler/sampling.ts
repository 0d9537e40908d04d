// Token choice from logits, as pure functions on host arrays: guidance mixing, temperature,
// top-k, top-p (nucleus, keeping the first token past the threshold), greedy, sampling with our Rng.
import type { Rng } from '../../rng';

export interface SamplingOptions {
  /** argmax instead of sampling (reproduces the published greedy runs) */
  greedy?: boolean;
  /** logits are divided by max(temperature, 1e-5) */
  temperature?: number;
  /** keep the k largest logits (0 = off) */
  topK?: number;
  /** keep the smallest prefix of sorted tokens whose probability reaches topP, plus the first token past it (1 = off) */
  topP?: number;
}

/** uncond + (cond − uncond)·scale, element-wise into `out`. */
export function mixGuidance(cond: Float32Array, uncond: Float32Array, scale: number, out = new Float32Array(cond.length)): Float32Array {
  for (let i = 0; i < cond.length; i++) out[i] = uncond[i] + (cond[i] - uncond[i]) * scale;
  return out;
}

/** Index of the largest value (the first one on ties). */
export function argmax(x: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
}

/** The k-th largest value of x (1 ≤ k ≤ x.length), by partial selection in `scratch` (O(n) on average). */
export function kthLargest(x: ArrayLike<number>, k: number, scratch: Float32Array = new Float32Array(x.length)): number {
  const n = x.length;
  if (!(k >= 1 && k <= n)) throw new Error(`kthLargest: k must be in 1..${n}, got ${k}`);
  const a = scratch.length === n ? scratch : scratch.subarray(0, n);
  for (let i = 0; i < n; i++) a[i] = x[i];
  // quickselect with a three-way partition (ties are common in logits) for index n − k ascending
  const target = n - k;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1];
    let lt = lo;
    let i = lo;
    let gt = hi;
    while (i <= gt) {
      const v = a[i];
      if (v < pivot) {
        a[i++] = a[lt];
        a[lt++] = v;
      } else if (v > pivot) {
        a[i] = a[gt];
        a[gt--] = v;
      } else i++;
    }
    if (target < lt) hi = lt - 1;
    else if (target > gt) lo = gt + 1;
    else return pivot;
  }
  return a[target];
}

/** Sets every logit below the k-th largest to −Infinity (in place). */
export function topKFilter(logits: Float32Array, k: number, scratch?: Float32Array): Float32Array {
  if (!(k > 0) || k >= logits.length) return logits;
  const threshold = kthLargest(logits, k, scratch);
  for (let i = 0; i < logits.length; i++) if (logits[i] < threshold) logits[i] = -Infinity;
  return logits;
}

/** Nucleus filter (in place): remove tokens whose preceding cumulative probability already exceeds p. */
export function topPFilter(logits: Float32Array, p: number): Float32Array {
  if (!(p < 1)) return logits;
  const order = Array.from({ length: logits.length }, (_, i) => i).filter((i) => logits[i] !== -Infinity);
  order.sort((a, b) => logits[b] - logits[a] || a - b);
  const probs = softmax(Float32Array.from(order, (i) => logits[i]));
  let cum = 0;
  for (let r = 0; r < order.length; r++) {
    // token r is removed when the mass before it already exceeds p (the first one past p stays)
    if (r > 0 && cum > p) logits[order[r]] = -Infinity;
    cum += probs[r];
  }
  return logits;
}

/** 2^−k for k = 0 … 1074 */
const EXP2_NEG = Float64Array.from({ length: 1075 }, (_, k) => 2 ** -k);
/** ln 2 split so that k · LN2_HI is exact for |k| < 2^11 (fdlibm's constants) */
const LN2_HI = 6.93147180369123816490e-1;
const LN2_LO = 1.90821492927058770002e-10;

/**
 * e^x for x ≤ 0 (a logit minus the row's maximum), within 1e-9 relative of Math.exp and about
 * twice as fast in V8: x = k·ln 2 + r with |r| ≤ ln2/2, e^r by its degree-8 Taylor polynomial,
 * 2^k from a table. −Infinity gives 0; below −700 (and NaN) it defers to Math.exp.
 */
export function expNonPositive(x: number): number {
  if (!(x > -700)) return x === -Infinity ? 0 : Math.exp(x);
  const k = Math.round(x * Math.LOG2E);
  const r = x - k * LN2_HI - k * LN2_LO;
  const p = 1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720 + r * (1 / 5040 + r / 40320)))))));
  return p * EXP2_NEG[-k];
}

export function softmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const e = expNonPositive(logits[i] - max);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}

/** Draws an index from probabilities with one uniform number from `rng`. */
export function drawFrom(probs: ArrayLike<number>, rng: Rng): number {
  const u = rng.next();
  let cum = 0;
  let last = 0;
  for (let i = 0; i < probs.length; i++) {
    if (probs[i] <= 0) continue;
    cum += probs[i];
    last = i;
    if (u < cum) return i;
  }
  return last;
}

/** Chooses one token from a logits row (the row is not modified). */
export function chooseToken(row: Float32Array, o: SamplingOptions, rng: Rng): number {
  return new TokenChooser(row.length, o).choose(row, rng);
}

/**
 * Token choice with preallocated buffers, for the sampler's inner loop: no allocation per token,
 * top-k by partial selection. Gives exactly the tokens of chooseToken (same arithmetic, same
 * single uniform draw per token).
 */
export class TokenChooser {
  private readonly logits: Float32Array;
  private readonly exps: Float64Array;
  private readonly scratch: Float32Array;
  private readonly t: number;

  constructor(
    readonly vocabSize: number,
    readonly options: SamplingOptions,
  ) {
    this.logits = new Float32Array(vocabSize);
    this.exps = new Float64Array(vocabSize);
    this.scratch = new Float32Array(vocabSize);
    this.t = Math.max(options.temperature ?? 1, 1e-5);
  }

  choose(row: Float32Array, rng: Rng): number {
    if (row.length !== this.vocabSize) throw new Error(`TokenChooser: logits row has ${row.length} values, expected ${this.vocabSize}`);
    if (this.options.greedy) return argmax(row);
    return this.chooseFilled((dst, divisor) => {
      for (let i = 0; i < row.length; i++) dst[i] = row[i] / divisor;
    }, rng);
  }

  /**
   * The same choice as choose(row) for a row that `fill` writes itself: fill(dst, divisor) must
   * store row[i] / divisor at dst[i] for every i (divisor 1 when greedy). Lets a caller that
   * computes the row (parent merging, guidance) write it straight into the chooser's buffer.
   */
  chooseFilled(fill: (dst: Float32Array, divisor: number) => void, rng: Rng): number {
    const o = this.options;
    const logits = this.logits;
    if (o.greedy) {
      fill(logits, 1);
      return argmax(logits);
    }
    fill(logits, this.t);
    return this.chooseOwned(logits, rng);
  }

  /** What fill divides by: the temperature, or 1 when greedy. */
  get divisor(): number {
    return this.options.greedy ? 1 : this.t;
  }

  /**
   * The choice for a row already divided by `divisor` that the caller gives up: top-k and top-p
   * filter it in place. Lets an engine that computed the row (TargetRequest) hand it over as is.
   */
  chooseOwned(row: Float32Array, rng: Rng): number {
    if (row.length !== this.vocabSize) throw new Error(`TokenChooser: logits row has ${row.length} values, expected ${this.vocabSize}`);
    const o = this.options;
    if (o.greedy) return argmax(row);
    if ((o.topK ?? 0) > 0) topKFilter(row, o.topK!, this.scratch);
    if ((o.topP ?? 1) < 1) topPFilter(row, o.topP!);
    return this.draw(row, rng);
  }

  /** True when choices need only the probabilities (plain sampling: no greedy, top-k or top-p). */
  get plainSampling(): boolean {
    const o = this.options;
    return !o.greedy && !((o.topK ?? 0) > 0) && !((o.topP ?? 1) < 1);
  }

  /**
   * Plain sampling from a row's probabilities (softmax of the row ÷ temperature, computed by the
   * caller; see plainSampling): drawFrom's rule on float32 probabilities, one uniform draw.
   */
  chooseFromProbabilities(probs: Float32Array, rng: Rng): number {
    if (probs.length !== this.vocabSize) throw new Error(`TokenChooser: probability row has ${probs.length} values, expected ${this.vocabSize}`);
    return drawFrom(probs, rng);
  }

  /** softmax + drawFrom without the probability array: cum += e_i / sum, as drawFrom does. */
  private draw(logits: Float32Array, rng: Rng): number {
    const exps = this.exps;
    const n = logits.length;
    let max = -Infinity;
    for (let i = 0; i < n; i++) if (logits[i] > max) max = logits[i];
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const e = expNonPositive(logits[i] - max);
      exps[i] = e;
      sum += e;
    }
    const u = rng.next();
    let cum = 0;
    let last = 0;
    for (let i = 0; i < n; i++) {
      const p = exps[i] / sum;
      if (p <= 0) continue;
      cum += p;
      last = i;
      if (u < cum) return i;
    }
    return last;
  }
}

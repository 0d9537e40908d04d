// The sampler's fused merge → guidance → temperature pass (generate.ts fillTarget) must choose
// exactly the tokens of the plain path: mean of the parents' head logits in float32, mixGuidance,
// chooseToken. A scripted engine returns logits that are a pure function of (row, position, head),
// so the reference below can rebuild every parent's logits without running a model.
import { buildNarConfig, type NarConfig } from '../../models/nar/config';
import { headRowOffset, type EngineCondition, type EngineSetup, type HeadLogits, type NarStepEngine, type TargetRequest } from '../../models/nar/engine';
import { CONDITION, orderingFor, par4xOrdering, type TokenOrdering } from '../../models/nar/ordering';
import { fusableSteps, generate } from '../../models/nar/sampler/generate';
import { chooseToken, mixGuidance, softmax, type SamplingOptions } from '../../models/nar/sampler/sampling';
import { Rng } from '../../models/rng';

/** Logit v of head h at position p (CONDITION for the prefill) for row r: a hash, spread over ±4. */
function logit(r: number, p: number, h: number, v: number): number {
  let x = Math.imul(r + 1, 0x9e3779b1) ^ Math.imul(p + 7, 0x85ebca6b) ^ Math.imul(h + 3, 0xc2b2ae35) ^ Math.imul(v + 11, 0x27d4eb2f);
  x ^= x >>> 15;
  x = Math.imul(x, 0x2c1b3c6d);
  x ^= x >>> 12;
  return Math.fround(((x >>> 0) / 4294967296 - 0.5) * 8);
}

class ScriptedEngine implements NarStepEngine {
  private rows = 0;
  /** compact output: per head, the positions whose logits are returned (all when null) */
  constructor(
    readonly config: NarConfig,
    private readonly keep: ((position: number, head: number) => boolean) | null = null,
  ) {}
  async setup(o: EngineSetup): Promise<void> {
    this.rows = o.batch;
  }
  private logits(positions: number[]): HeadLogits {
    const V = this.config.vocabSize;
    const S = positions.length;
    const kept = this.config.heads.map((_, h) => positions.filter((p) => !this.keep || p === CONDITION || this.keep(p, h)));
    const heads: HeadLogits = kept.map((ps, h) => {
      const out = new Float32Array(this.rows * ps.length * V);
      for (let r = 0; r < this.rows; r++) ps.forEach((p, i) => { for (let v = 0; v < V; v++) out[(r * ps.length + i) * V + v] = logit(r, p, h, v); });
      return out;
    });
    if (this.keep) heads.compact = { rowOf: kept.map((ps) => Int32Array.from(positions, (p) => ps.indexOf(p))), count: kept.map((ps) => ps.length) };
    return heads;
  }
  async prefill(_cond: EngineCondition, _targets?: TargetRequest): Promise<HeadLogits> {
    return this.logits([CONDITION]);
  }
  async decodeStep(positions: Int32Array, _tokens?: Int32Array, _targets?: TargetRequest): Promise<HeadLogits> {
    return this.logits(Array.from(positions));
  }
  dispose(): void {}
}

/** A scripted engine that answers TargetRequests with the plain path's arithmetic, and counts them. */
class TargetEngine extends ScriptedEngine {
  readonly answersTargets = true;
  answered = 0;
  private setupRows = 0;
  /** requests that asked for probabilities */
  probabilityRequests = 0;
  override async setup(o: EngineSetup): Promise<void> {
    this.setupRows = o.batch;
    await super.setup(o);
  }
  private answer(positions: number[], t: TargetRequest): HeadLogits {
    this.answered++;
    if (t.probabilities) this.probabilityRequests++;
    const V = this.config.vocabSize;
    const I = t.images;
    expect([I, 2 * I]).toContain(this.setupRows);
    const out = new Float32Array(I * t.parents.length * V);
    const merged = (r: number, links: TargetRequest['parents'][number]): Float32Array => {
      const row = new Float32Array(V);
      for (const l of links) for (let v = 0; v < V; v++) row[v] += logit(r, positions[l.index], l.head, v);
      for (let v = 0; v < V; v++) row[v] /= links.length;
      return row;
    };
    for (let b = 0; b < I; b++) {
      t.parents.forEach((links, k) => {
        const row = t.guide > 0 ? mixGuidance(merged(b, links), merged(b + I, links), t.guide) : merged(b, links);
        const divided = Float32Array.from(row, (x) => x / t.divisor);
        out.set(t.probabilities ? softmax(divided) : divided, (b * t.parents.length + k) * V);
      });
    }
    return Object.assign(this.config.heads.map(() => new Float32Array(0)), { targets: out });
  }
  override async prefill(cond: EngineCondition, t?: TargetRequest): Promise<HeadLogits> {
    return t ? this.answer([CONDITION], t) : super.prefill(cond);
  }
  override async decodeStep(positions: Int32Array, tokens: Int32Array, t?: TargetRequest): Promise<HeadLogits> {
    return t ? this.answer(Array.from(positions), t) : super.decodeStep(positions);
  }
}

/** The plain path, written out: per target, the float32 mean over parents, guidance, chooseToken. */
function reference(c: NarConfig, ordering: TokenOrdering, B: number, cfg: number, o: SamplingOptions, seed: number): number[][] {
  const V = c.vocabSize;
  const rng = new Rng(seed);
  const tokens = Array.from({ length: B }, () => new Array<number>(c.numTokens).fill(-1));
  const merged = (r: number, q: number): Float32Array => {
    const links = ordering.parents(q);
    const out = new Float32Array(V);
    for (const l of links) for (let v = 0; v < V; v++) out[v] += logit(r, l.source, l.head, v);
    for (let v = 0; v < V; v++) out[v] /= links.length;
    return out;
  };
  for (const targets of ordering.steps) {
    for (let b = 0; b < B; b++) {
      for (const q of targets) {
        const row = cfg > 1 ? mixGuidance(merged(b, q), merged(b + B, q), cfg) : merged(b, q);
        tokens[b][q] = chooseToken(row, o, rng);
      }
    }
  }
  return tokens;
}

const base = { dim: 12, nLayer: 1, nHead: 1, vocabSize: 97, condition: { kind: 'class' as const, numClasses: 3 } };
const cases: Array<[string, NarConfig, 'corner' | 'center']> = [
  ['corner, two parents', buildNarConfig({ ...base, grid: [5, 6] }), 'corner'],
  ['centre, four heads', buildNarConfig({ ...base, grid: [5, 5], heads: 'all' }), 'center'],
  ['video, three parents', buildNarConfig({ ...base, grid: [3, 3, 4] }), 'corner'],
];
const samplings: Array<[string, number, SamplingOptions]> = [
  ['guided, temperature 0.7', 2.5, { temperature: 0.7 }],
  ['unguided, plain', 1, {}],
  ['unguided, top-k 5', 1, { temperature: 1.3, topK: 5 }],
  ['guided, top-p 0.8', 1.5, { topP: 0.8 }],
  ['guided, greedy', 3, { greedy: true }],
];

describe.each(cases)('generate on a scripted engine: %s', (_name, c, seed) => {
  it.each(samplings)('chooses the tokens of the plain path (%s)', async (_s, cfgScale, o) => {
    const ordering = orderingFor(c, seed);
    const got = await generate(new ScriptedEngine(c), { cond: { kind: 'class', classIds: [0, 2] }, ordering, cfgScale, rng: new Rng(5), ...o });
    const want = reference(c, ordering, 2, cfgScale, o, 5);
    expect(got).toEqual(want);
    expect(got.flat().every((t) => t >= 0 && t < c.vocabSize)).toBe(true);
  });
});

const par = buildNarConfig({ ...base, grid: [4, 6] });
describe.each([...cases.map(([n, c, seed]) => [n, c, orderingFor(c, seed)] as const), ['PAR-4X', par, par4xOrdering(par.grid)] as const])(
  'an engine that answers TargetRequest: %s',
  (_name, c, ordering) => {
    it.each(samplings)('chooses the tokens of the plain path (%s)', async (_s, cfgScale, o) => {
      const engine = new TargetEngine(c);
      const got = await generate(engine, { cond: { kind: 'class', classIds: [0, 2] }, ordering, cfgScale, rng: new Rng(5), ...o });
      expect(got).toEqual(reference(c, ordering, 2, cfgScale, o, 5));
      expect(engine.answered).toBe(fusableSteps(ordering).filter(Boolean).length);
      expect(engine.answered).toBeGreaterThan(ordering.steps.length / 2);
      // plain sampling asks for probabilities; greedy, top-k and top-p need the logits
      expect(engine.probabilityRequests).toBe(o.greedy || o.topK || (o.topP ?? 1) < 1 ? 0 : engine.answered);
    });
  },
);

it('with a guidance interval, target requests switch guidance off when the plain path does', async () => {
  const c = cases[0][1];
  const request = { cond: { kind: 'class' as const, classIds: [1, 0, 2] }, ordering: orderingFor(c, 'corner'), cfgScale: 3, cfgInterval: 6, temperature: 0.8 };
  const fused = await generate(new TargetEngine(c), { ...request, rng: new Rng(9) });
  expect(fused).toEqual(await generate(new ScriptedEngine(c), { ...request, rng: new Rng(9) }));
  expect(fused).not.toEqual(await generate(new TargetEngine(c), { ...request, cfgInterval: -1, rng: new Rng(9) }));
});

it('fusableSteps: NAR and raster passes read only the previous pass; PAR-4X reads its first tokens again later', () => {
  expect(fusableSteps(orderingFor(cases[0][1], 'corner')).every(Boolean)).toBe(true);
  expect(fusableSteps(par4xOrdering(par.grid))).toEqual(par4xOrdering(par.grid).steps.map((_, k) => k === 0 || k > 4));
});

describe('compact head logits (HeadLogits.compact)', () => {
  const c = buildNarConfig({ ...base, grid: [5, 6] });
  const ordering = orderingFor(c, 'corner');
  const read = new Set<string>();
  for (let q = 0; q < c.numTokens; q++) for (const l of ordering.parents(q)) read.add(`${l.source}/${l.head}`);
  const request = { cond: { kind: 'class' as const, classIds: [1, 2] }, ordering, cfgScale: 2, temperature: 0.9, rng: new Rng(3) };

  it('an engine that returns only the head rows some token reads gives the tokens of a full one', async () => {
    const compact = new ScriptedEngine(c, (p, h) => read.has(`${p}/${h}`));
    const full = new ScriptedEngine(c);
    expect(await generate(compact, { ...request, rng: new Rng(3) })).toEqual(await generate(full, { ...request, rng: new Rng(3) }));
  });

  it('a missing row that a token needs is a clear error', async () => {
    const lossy = new ScriptedEngine(c, (p, h) => !(p === 7 && h === 0));
    await expect(generate(lossy, request)).rejects.toThrow(/did not compute head 0 at parent 7 of token 8/);
  });

  it('headRowOffset reads both layouts', () => {
    const V = 3;
    const plain: HeadLogits = [new Float32Array(2 * 4 * V)];
    expect(headRowOffset(plain, 0, 1, 2, 4, V)).toBe((1 * 4 + 2) * V);
    const compact: HeadLogits = Object.assign([new Float32Array(2 * 2 * V)], { compact: { rowOf: [Int32Array.from([-1, 0, -1, 1])], count: [2] } });
    expect(headRowOffset(compact, 0, 1, 3, 4, V)).toBe((1 * 2 + 1) * V);
    expect(headRowOffset(compact, 0, 0, 2, 4, V)).toBe(-1);
  });
});

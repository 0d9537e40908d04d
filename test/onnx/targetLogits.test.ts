// The step graph's target logits (TargetRequest): for every fixture model and a four-head model,
// the engine's merged, guided, temperature-divided rows equal within 1e-4 what the sampler builds
// from the same engine's head logits (mean over parents, u + (c − u)·g, ÷ temperature) — at the
// prefill and at a decode step, with and without guidance. Bad requests are named errors.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { NarConfig } from '../../models/nar/config';
import { buildNarConfig } from '../../models/nar/config';
import type { EngineCondition, HeadLogits, TargetRequest } from '../../models/nar/engine';
import { NarModel } from '../../models/nar';
import { orderingFor, type TokenOrdering } from '../../models/nar/ordering';
import { OrtNarEngine } from '../../models/onnx/narEngine';
import { Rng } from '../../models/rng';
import { softmax } from '../../models/nar/sampler/sampling';
import type { StateDict } from '../../models/checkpoint/safetensors';
import { engineCondition, loadNarFixture, maxAbsDiff, NAR_FIXTURES } from './fixtures';

const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-targets-'));
afterAll(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

/** The request for pass `step` of `ordering` (parents as indices into the previous pass). */
function requestFor(ordering: TokenOrdering, step: number, images: number, guide: number, divisor: number): TargetRequest {
  const fed = step === 0 ? null : ordering.steps[step - 1];
  const parents = Array.from(ordering.steps[step], (q) => ordering.parents(q).map((l) => ({ head: l.head, index: fed ? fed.indexOf(l.source) : 0 })));
  return { images, parents, guide, divisor };
}

/** What the sampler computes from full head logits [rows, S, V] for a request. */
function expected(logits: HeadLogits, t: TargetRequest, S: number, V: number): Float32Array {
  const I = t.images;
  const out = new Float32Array(I * t.parents.length * V);
  const merged = (r: number, links: TargetRequest['parents'][number]) => {
    const row = new Float32Array(V);
    for (const l of links) for (let v = 0; v < V; v++) row[v] += logits[l.head][(r * S + l.index) * V + v];
    for (let v = 0; v < V; v++) row[v] /= links.length;
    return row;
  };
  for (let b = 0; b < I; b++) {
    t.parents.forEach((links, k) => {
      const c = merged(b, links);
      const u = t.guide > 0 ? merged(b + I, links) : c;
      for (let v = 0; v < V; v++) out[(b * t.parents.length + k) * V + v] = (u[v] + (c[v] - u[v]) * t.guide) / t.divisor;
    });
  }
  return out;
}

async function compare(sd: StateDict, c: NarConfig, cond: (rows: number) => EngineCondition, seed: 'corner' | 'center', images: number): Promise<void> {
  const ordering = orderingFor(c, seed);
  const engine = await OrtNarEngine.create(sd, c, { cacheDir });
  const rng = new Rng(4);
  for (const [guide, divisor] of [[2.5, 0.7], [0, 1]] as const) {
    const rows = guide > 0 ? 2 * images : images;
    const fed = ordering.steps[0];
    const tokens = Int32Array.from({ length: rows * fed.length }, () => rng.int(c.vocabSize));
    // head logits (the sampler's own merge), then the same passes with target requests
    await engine.setup({ batch: rows });
    const heads0 = await engine.prefill(cond(rows));
    const heads1 = await engine.decodeStep(fed, tokens);
    await engine.setup({ batch: rows });
    const r0 = requestFor(ordering, 0, images, guide, divisor);
    const r1 = requestFor(ordering, 1, images, guide, divisor);
    const t0 = await engine.prefill(cond(rows), r0);
    const t1 = await engine.decodeStep(fed, tokens, r1);
    const want0 = expected(heads0, r0, 1, c.vocabSize);
    const want1 = expected(heads1, r1, fed.length, c.vocabSize);
    expect(t0.targets!.length).toBe(want0.length);
    expect(t1.targets!.length).toBe(want1.length);
    expect(maxAbsDiff(t0.targets!, want0)).toBeLessThan(1e-4);
    expect(maxAbsDiff(t1.targets!, want1)).toBeLessThan(1e-4);
    expect(maxAbsDiff(want1, new Float32Array(want1.length))).toBeGreaterThan(0.01); // not trivially zero
    expect(t1.every((a) => a.length === 0)).toBe(true); // no head logits computed for the sampler
    // probabilities: the softmax of each row
    await engine.setup({ batch: rows });
    await engine.prefill(cond(rows), r0);
    const p1 = (await engine.decodeStep(fed, tokens, { ...r1, probabilities: true })).targets!;
    const V = c.vocabSize;
    const wantP = new Float32Array(want1.length);
    for (let o = 0; o < want1.length; o += V) wantP.set(softmax(want1.subarray(o, o + V)), o);
    expect(maxAbsDiff(p1, wantP)).toBeLessThan(1e-5);
    expect(Math.abs(p1.subarray(0, V).reduce((a, x) => a + x, 0) - 1)).toBeLessThan(1e-5);
  }
  await engine.release();
}

describe('ORT target logits equal the sampler merge of head logits', () => {
  it.each(NAR_FIXTURES)('%s', async (name) => {
    const f = loadNarFixture(name);
    const I = f.cases.train.tokens.length;
    await compare(f.sd, f.config, (rows) => engineCondition(f, I, rows > I), 'corner', I);
  });

  it('a four-head model seeded at the centre', async () => {
    const c = buildNarConfig({ dim: 64, nLayer: 2, nHead: 4, vocabSize: 128, grid: [7, 6], heads: 'all', condition: { kind: 'class', numClasses: 10 } });
    const model = NarModel.random(c, 9);
    const cond = (rows: number): EngineCondition => ({ kind: 'class', classIds: Int32Array.from({ length: rows }, (_, i) => i % 10), nullRows: Uint8Array.from({ length: rows }, (_, i) => (rows > 3 && i >= 3 ? 1 : 0)) });
    await compare(model.toStateDict(), c, cond, 'center', 3);
    model.dispose();
  });

  it('names what is wrong with a bad request', async () => {
    const f = loadNarFixture('c2i-4x4');
    const engine = await OrtNarEngine.create(f.sd, f.config, { cacheDir });
    const ordering = orderingFor(f.config, 'corner');
    const I = f.cases.train.tokens.length;
    const cond = engineCondition(f, I, true);
    const bad = async (t: TargetRequest, want: RegExp) => {
      await engine.setup({ batch: 2 * I });
      await expect(engine.prefill(cond, t)).rejects.toThrow(want);
    };
    const good = requestFor(ordering, 0, I, 2, 1);
    await bad({ ...good, images: I + 1 }, new RegExp(`${I + 1} images with guidance do not fit a batch of ${2 * I} rows`));
    await bad({ ...good, parents: [[{ head: 9, index: 0 }]] }, /target 0 reads head 9; the model has 2/);
    await bad({ ...good, parents: [[{ head: 0, index: 0 }, { head: 0, index: 0 }]] }, /target 0 reads head 0 twice/);
    await bad({ ...good, parents: [[{ head: 0, index: 1 }]] }, /reads position index 1; the call feeds 1/);
    await bad({ ...good, divisor: 0 }, /divisor must be positive/);
    await engine.release();
  });
});

// The step graph run once over a whole training sequence (condition + every grid token, the
// spec's attention mask) reproduces the fixtures' merged training logits.
import { buildNarStepGraph, NAR_STEP_NAMES as N } from '../../models/onnx/nar/stepGraph';
import { fullSequenceBias, gridCoords, HIDDEN, ropeRows } from '../../models/onnx/nar/stepInputs';
import { buildCaptionGraph } from '../../models/onnx/nar/captionGraph';
import { noTargetFeeds } from '../../models/onnx/narEngine';
import { createSession, floatTensor, int64Tensor, OrtTensor } from '../../models/onnx/session';
import { loadNarFixture, maxAbsDiff, NAR_FIXTURES, NarFixture } from './fixtures';

async function conditionRows(f: NarFixture, B: number): Promise<Float32Array> {
  const c = f.config;
  if (c.condition.kind === 'text') {
    const feats = Float32Array.from((f.cases.train.cond as number[][][]).flat(2));
    const s = await createSession(buildCaptionGraph(f.sd, c).toBytes());
    const out = await s.run({ features: floatTensor(feats, [B, c.clsTokenNum, c.condition.captionDim]) });
    return Float32Array.from(out.cond.data as Float32Array);
  }
  const table = f.sd.get('cls_embedding.embedding_table.weight')!.data;
  const x = new Float32Array(B * c.dim);
  (f.cases.train.cond as number[]).forEach((id, b) => x.set(table.subarray(id * c.dim, (id + 1) * c.dim), b * c.dim));
  return x;
}

/** Merged logits [B, N, V] from per-head logits at [last condition, grid 0..N-1], corner seed. */
function mergeCorner(f: NarFixture, heads: Float32Array[], B: number): Float32Array {
  const c = f.config;
  const V = c.vocabSize;
  const Nt = c.numTokens;
  const out = new Float32Array(B * Nt * V);
  for (let b = 0; b < B; b++) {
    for (let q = 0; q < Nt; q++) {
      const coords = gridCoords(c.grid, q);
      const links: { at: number; head: number }[] = [];
      if (q === 0) c.heads.forEach((_, h) => links.push({ at: 0, head: h }));
      c.heads.forEach((head, h) => {
        if (q !== 0 && coords[head.axis] > 0) {
          const stride = c.grid.slice(head.axis + 1).reduce((a, v) => a * v, 1);
          links.push({ at: 1 + q - stride, head: h });
        }
      });
      for (const { at, head } of links) {
        const src = heads[head].subarray((b * (Nt + 1) + at) * V, (b * (Nt + 1) + at + 1) * V);
        for (let v = 0; v < V; v++) out[(b * Nt + q) * V + v] += src[v] / links.length;
      }
    }
  }
  return out;
}

describe.each(NAR_FIXTURES)('NAR step graph, full sequence: %s', (name) => {
  it('matches the fixture training logits within 1e-4', async () => {
    const f = loadNarFixture(name);
    const c = f.config;
    const B = f.cases.train.tokens.length;
    const C = c.clsTokenNum;
    const Nt = c.numTokens;
    const L = C + Nt;
    const x = new Float32Array(B * L * c.dim);
    const cond = await conditionRows(f, B);
    const tok = f.sd.get('tok_embeddings.weight')!.data;
    for (let b = 0; b < B; b++) {
      x.set(cond.subarray(b * C * c.dim, (b + 1) * C * c.dim), b * L * c.dim);
      f.cases.train.tokens[b].forEach((t, i) => x.set(tok.subarray(t * c.dim, (t + 1) * c.dim), (b * L + C + i) * c.dim));
    }
    const pe = f.sd.get('abs_pe');
    if (pe) for (let b = 0; b < B; b++) for (let i = 0; i < L * c.dim; i++) x[b * L * c.dim + i] += pe.data[i];
    const distance = Array.from({ length: Nt }, (_, q) => gridCoords(c.grid, q).reduce((a, v) => a + v, 0));
    const feeds: Record<string, OrtTensor> = {
      [N.x]: floatTensor(x, [B, L, c.dim]),
      [N.biasPast]: floatTensor(new Float32Array(B).fill(HIDDEN), [B, 1, 1, 1]),
      [N.biasNew]: floatTensor(fullSequenceBias(B, C, distance), [B, 1, L, L]),
      ...noTargetFeeds(c),
    };
    c.heads.forEach((_, h) => (feeds[N.logitIndex(h)] = int64Tensor(Array.from({ length: Nt + 1 }, (_, i) => C - 1 + i), [Nt + 1])));
    if (c.positions === 'rope') {
      const { cos, sin } = ropeRows(c, [...new Array(C).fill(-1), ...Array.from({ length: Nt }, (_, i) => i)]);
      feeds[N.ropeCos] = floatTensor(cos, [L, c.headDim / 2]);
      feeds[N.ropeSin] = floatTensor(sin, [L, c.headDim / 2]);
    }
    for (let l = 0; l < c.totalBlocks; l++) {
      feeds[N.pastK(l)] = floatTensor(new Float32Array(B * c.nKvHead * c.headDim), [B, c.nKvHead, 1, c.headDim]);
      feeds[N.pastV(l)] = floatTensor(new Float32Array(B * c.nKvHead * c.headDim), [B, c.nKvHead, 1, c.headDim]);
    }
    const session = await createSession(buildNarStepGraph(f.sd, c).toBytes());
    const out = await session.run(feeds);
    const merged = mergeCorner(f, c.heads.map((_, h) => out[N.logits(h)].data as Float32Array), B);
    const diff = maxAbsDiff(merged, f.cases.train.logits.flat(2));
    expect(diff).toBeLessThan(1e-4);
  });
});

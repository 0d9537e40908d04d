// FLOP accounting of the bench (models/onnx/perf.ts): a pass's linear/attention/head terms, and how
// target logits (TargetRequest) change the head term.
import { buildNarConfig } from '../../models/nar/config';
import { orderingFor, par4xOrdering, rasterOrdering } from '../../models/nar/ordering';
import { blockLinearFlopsPerToken, narGenerationFlops, narPassFlops } from '../../models/onnx/perf';

const c = buildNarConfig({ dim: 32, nLayer: 2, nHead: 2, vocabSize: 50, grid: [4, 4], ordering: 'raster', condition: { kind: 'class', numClasses: 3 } });

it('a pass costs rows × (linear + attention + head rows · 2·dim·vocab)', () => {
  const linear = c.totalBlocks * 3 * blockLinearFlopsPerToken(c);
  const attention = c.totalBlocks * 4 * 3 * (5 + 3) * c.nHead * c.headDim;
  expect(narPassFlops(c, 2, 3, 5, 4)).toBe(2 * (linear + attention + 4 * 2 * c.dim * c.vocabSize));
});

it('raster AR with target logits projects once per image and token instead of once per row', () => {
  const images = 3;
  const rows = 2 * images; // guidance
  const ordering = rasterOrdering(c.grid);
  const perRow = narGenerationFlops(c, rows, ordering);
  const perImage = narGenerationFlops(c, rows, ordering, ordering.steps.length, images);
  expect(perRow - perImage).toBe((rows - images) * c.numTokens * 2 * c.dim * c.vocabSize);
});

it('NAR corner with target logits counts one projection per image and parent link', () => {
  const nar = buildNarConfig({ dim: 32, nLayer: 2, nHead: 2, vocabSize: 50, grid: [4, 4], condition: { kind: 'class', numClasses: 3 } });
  const ordering = orderingFor(nar, 'corner');
  const links = Array.from({ length: nar.numTokens }, (_, q) => ordering.parents(q).length).reduce((a, b) => a + b, 0);
  const noHeads = narGenerationFlops({ ...nar, vocabSize: 0 }, 4, ordering, ordering.steps.length, 2);
  expect(narGenerationFlops(nar, 4, ordering, ordering.steps.length, 2) - noHeads).toBe(2 * links * 2 * nar.dim * nar.vocabSize);
  // PAR-4X's first passes are read again later: they keep per-row head logits, so it costs more than all-fused
  const par = par4xOrdering(nar.grid);
  const parLinks = Array.from({ length: nar.numTokens }, (_, q) => par.parents(q).length).reduce((a, b) => a + b, 0);
  const parNoHeads = narGenerationFlops({ ...nar, vocabSize: 0 }, 4, par, par.steps.length, 2);
  expect(narGenerationFlops(nar, 4, par, par.steps.length, 2) - parNoHeads).toBeGreaterThan(2 * parLinks * 2 * nar.dim * nar.vocabSize);
});

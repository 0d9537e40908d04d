// conditionInformation: nats a class saves per token, split into background, object tokens and
// object starts by the model's own ordering; zero for a model whose classes all embed like the
// null class.
import { initBackend } from '../../models/backend';
import { buildNarConfig, NarModel } from '../../models/nar';
import { conditionInformation, mostFrequentCode } from '../../models/metrics/evaluator/conditionInformation';

beforeAll(() => initBackend('wasm'));

const base = { dim: 16, nLayer: 1, nHead: 2, vocabSize: 5, grid: [3, 3], condition: { kind: 'class' as const, numClasses: 3 }, multipleOf: 16 };
// background 0; grid 1 has objects at (0,1), (1,1) and (2,2); grid 2 at (1,0) only
const tokens = [0, 2, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0, 0];
const batch = { classIds: [1, 2], tokens };

it('counts object tokens and object starts by the ordering: NAR parents, raster predecessors', async () => {
  expect(mostFrequentCode([batch])).toBe(0);
  const nar = NarModel.random(buildNarConfig(base), 1);
  const n = await conditionInformation(nar, [batch]);
  expect(n.all.tokens).toBe(18);
  expect(n.objects.tokens).toBe(4);
  // corner seed: (1,1) has parent (0,1), an object; (0,1), (2,2) and (1,0) start objects
  expect(n.objectStarts.tokens).toBe(3);
  nar.dispose();
  const raster = NarModel.random(buildNarConfig({ ...base, ordering: 'raster' }), 1);
  const r = await conditionInformation(raster, [batch]);
  // raster: only the first object token of each grid in scan order starts an object
  expect(r.objectStarts.tokens).toBe(2);
  raster.dispose();
  const center = NarModel.random(buildNarConfig({ ...base, heads: 'all', trainedSeed: [1, 1] }), 1);
  const c = await conditionInformation(center, [batch]);
  // from the centre (1,1): grid 1's (1,1) is the seed (an object start), (0,1) has it as parent,
  // (2,2) has parents (1,2) and (2,1), background; grid 2's (1,0) has parent (1,1), background
  expect(c.objectStarts.tokens).toBe(3);
  center.dispose();
});

it('is zero for a model whose classes embed like the null class, and positive once they differ', async () => {
  const model = NarModel.random(buildNarConfig(base), 2);
  const table = model.params.get('cls_embedding.embedding_table.weight')!;
  const rows = table.arraySync() as number[][];
  const nullRow = rows[rows.length - 1];
  table.assign(table.mul(0).add(nullRow.map((v) => v)));
  const same = await conditionInformation(model, [batch]);
  expect(same.all.gain).toBe(0);
  expect(same.objects.gain).toBe(0);
  expect(same.all.withClass).toBeGreaterThan(0);
  rows[1] = rows[1].map((v, i) => v + (i % 2 ? 3 : -3));
  rows[2] = rows[2].map((v, i) => v - (i % 3 ? 2 : -2));
  rows[rows.length - 1] = nullRow;
  table.assign(table.mul(0).add(rows));
  const differ = await conditionInformation(model, [batch]);
  expect(differ.all.gain).not.toBe(0);
  expect(differ.all.withNull).toBeCloseTo(same.all.withNull, 6); // the null rows did not move
  model.dispose();
});

it('refuses a caption-conditioned model and a batch of the wrong size', async () => {
  const text = NarModel.random(buildNarConfig({ ...base, condition: { kind: 'text', captionDim: 8, tokens: 4 } }), 1);
  await expect(conditionInformation(text, [batch])).rejects.toThrow(/needs a class-conditioned model, got a 'text' one/);
  text.dispose();
  const model = NarModel.random(buildNarConfig(base), 1);
  await expect(conditionInformation(model, [{ classIds: [1], tokens }])).rejects.toThrow(/a batch of 1 class ids needs 1·9 tokens, got 18/);
  model.dispose();
});

// workflows/compare-nar-raster.json runs end to end in-process on tiny random models (under the
// bundled names) with a random Shapes classifier: the three samplers (NAR from the corner, raster AR,
// NAR trained from the centre) draw every class, each gets an FID-shapes table and a ShapeEval
// table with one row per sampled image.
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../../models/backend';
import { NUM_IMAGE_CLASSES } from '../../models/data/shapesSpec';
import { saveShapesClassifier } from '../../models/metrics/shapesClassifier/extractor';
import { DEFAULT_SHAPES_CLASSIFIER, disposeParams, initParams } from '../../models/metrics/shapesClassifier/model';
import { objectInfo } from '../../server/engine/registry/objectInfo';
import { editorToApi } from '../../server/engine/workflow/convert';
import type { EditorWorkflow } from '../../server/engine/workflow/schema';
import { nodeHarness, type NodeHarness } from '../nodes/helpers';
import { WORKFLOWS_DIR } from '../workflows/generate';

let h: NodeHarness;
beforeAll(async () => {
  await initBackend('wasm');
  h = nodeHarness();
  const metrics = path.join(h.root, 'weights', 'metrics');
  fs.mkdirSync(metrics, { recursive: true });
  const params = initParams(DEFAULT_SHAPES_CLASSIFIER, 4);
  saveShapesClassifier(path.join(metrics, 'shapes-classifier.safetensors'), params, DEFAULT_SHAPES_CLASSIFIER);
  disposeParams(params);
  h.paths.models.metrics = [metrics];
});
afterAll(() => fs.rmSync(h.root, { recursive: true, force: true }));

it('compare-nar-raster: FID-shapes and ShapeEval tables for each of the three samplers over every class', async () => {
  const workflow = JSON.parse(fs.readFileSync(path.join(WORKFLOWS_DIR, 'compare-nar-raster.json'), 'utf8')) as EditorWorkflow;
  const { prompt, problems } = editorToApi(workflow, objectInfo(h.registry, h.paths));
  expect(problems).toEqual([]);
  const byType = (t: string) => Object.entries(prompt).filter(([, n]) => n.class_type === t);
  for (const [, n] of byType('EvaluateImages')) n.inputs.reference_count = 64;
  const perClass = Number(byType('NARSampler')[0][1].inputs.batch);
  const r = await h.run(prompt);
  if (r.status !== 'success') throw new Error(`${r.status} ${JSON.stringify(r.error)}`);

  const evals = byType('EvaluateImages').map(([id]) => r.outputs[id]);
  expect(evals).toHaveLength(3);
  for (const ui of evals) {
    const rows = ui.table as { metric: string; value: number }[];
    const fid = rows.find((row) => row.metric === 'FID-shapes')!;
    expect(Number.isFinite(fid.value) && fid.value >= 0).toBe(true);
  }
  const shapeEvals = byType('ShapeEval').map(([id]) => r.outputs[id]);
  expect(shapeEvals).toHaveLength(3);
  for (const ui of shapeEvals) {
    expect(ui.table).toHaveLength(NUM_IMAGE_CLASSES * perClass);
    const summary = JSON.parse(ui.text![0]) as { images: number; overall: number };
    expect(summary.images).toBe(NUM_IMAGE_CLASSES * perClass);
    expect(summary.overall >= 0 && summary.overall <= 1).toBe(true);
  }
  // each model's images are scored on their own
  const sampled = (title: string) => byType('EvaluateImages').find(([, n]) => n._meta?.title === title)![1].inputs.images;
  const inputs = ['FID-shapes: NAR', 'FID-shapes: raster AR', 'FID-shapes: NAR from the centre'].map(sampled);
  expect(new Set(inputs.map((i) => JSON.stringify(i))).size).toBe(3);
}, 120_000);

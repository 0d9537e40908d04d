// The eval node pack: EvaluateImages and ShapeEval executed in-process with a host context.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pack } from '../../nodes/eval';
import type { ExecContext, NodeDefinition } from '../../server/engine/nodeApi';
import { initBackend } from '../../models/backend';
import { DEFAULT_SHAPES_CLASSIFIER, initParams, disposeParams } from '../../models/metrics/shapesClassifier/model';
import { saveShapesClassifier } from '../../models/metrics/shapesClassifier/extractor';
import { generateShapesImages } from '../../models/data/shapes';
import { generateShapesVideos } from '../../models/data/shapesVideo';

let root: string;
const progress: number[][] = [];

function ctx(): ExecContext {
  return {
    promptId: 'p',
    nodeId: '1',
    progress: (v, m) => progress.push([v, m]),
    signal: new AbortController().signal,
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    paths: { output: path.join(root, 'out'), input: path.join(root, 'in'), temp: path.join(root, 'temp'), models: { metrics: [path.join(root, 'metrics')] } },
  };
}

function node(type: string): NodeDefinition {
  const n = pack.nodes.find((d) => d.type === type);
  if (!n) throw new Error(`no node ${type}`);
  return n;
}

function defaults(def: NodeDefinition): Record<string, unknown> {
  return Object.fromEntries(Object.entries(def.inputs).filter(([, s]) => s.default !== undefined).map(([k, s]) => [k, s.default]));
}

beforeAll(async () => {
  await initBackend('wasm');
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'eval-nodes-'));
  fs.mkdirSync(path.join(root, 'metrics'));
  const params = initParams(DEFAULT_SHAPES_CLASSIFIER, 3);
  saveShapesClassifier(path.join(root, 'metrics', 'shapes-classifier.safetensors'), params, DEFAULT_SHAPES_CLASSIFIER);
  disposeParams(params);
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('eval node pack', () => {
  it('exports EvaluateImages, EvaluateVideos and ShapeEval', () => {
    expect(pack.name).toBe('eval');
    expect(pack.nodes.map((n) => n.type)).toEqual(['EvaluateImages', 'EvaluateVideos', 'ShapeEval']);
  });

  it('EvaluateVideos: FVD-shapes of generator clips against the Shapes video generator', async () => {
    const def = node('EvaluateVideos');
    const same = generateShapesVideos(30, 4321).videos;
    const other = generateShapesVideos(30, 77).videos;
    const base = { ...defaults(def), reference_count: 30 };
    const r1 = await def.execute({ ...base, videos: same }, ctx());
    const r2 = await def.execute({ ...base, videos: other }, ctx());
    const fvd = (r: typeof r1) => (r.ui!.table as { metric: string; value: number }[]).find((x) => x.metric === 'FVD-shapes')!.value;
    expect(Math.abs(fvd(r1))).toBeLessThan(1e-6); // the reference itself (same seed, size and frames)
    expect(fvd(r2)).toBeGreaterThan(fvd(r1) + 1e-3);
    expect((r2.outputs[0] as { referenceFromCache: boolean }).referenceFromCache).toBe(true);
  });

  it('EvaluateImages: FID-shapes against the Shapes generator, with a table, JSON and progress', async () => {
    const def = node('EvaluateImages');
    const gen = generateShapesImages(40, 7, { objects: 'mixed' });
    const inputs = { ...defaults(def), images: gen.images, reference_count: 100, prompts: gen.captions.join('\n') };
    const res = await def.execute(inputs, ctx());
    const table = res.ui!.table as { metric: string; value: number; note: string }[];
    const fid = table.find((r) => r.metric === 'FID-shapes')!;
    expect(fid.value).toBeGreaterThan(0);
    expect(fid.note).toMatch(/NOT comparable with ImageNet FID/);
    expect(table.find((r) => r.metric === 'ShapeEval overall')!.value).toBe(1);
    expect(JSON.parse(res.ui!.text![0]).fid).toBe(fid.value);
    expect(progress[progress.length - 1]).toEqual([140, 140]);
    expect(fs.readdirSync(path.join(root, 'temp', 'reference-stats')).length).toBeGreaterThanOrEqual(1);
  });

  it('EvaluateImages: says what is missing', async () => {
    const def = node('EvaluateImages');
    await expect(def.execute({ ...defaults(def) }, ctx())).rejects.toThrow(/no generated images/);
    await expect(def.execute({ ...defaults(def), images: generateShapesImages(4, 1).images, extractor: 'inception (ONNX)' }, ctx())).rejects.toThrow(/needs inception_onnx/);
  });

  it('ShapeEval: per-image rows and a summary', async () => {
    const def = node('ShapeEval');
    const gen = generateShapesImages(3, 2);
    const prompts = [gen.captions[0], gen.captions[1], 'a red circle at the center'];
    const res = await def.execute({ images: gen.images, prompts: prompts.join('\n') }, ctx());
    const rows = res.ui!.table as { correct: boolean }[];
    expect(rows.map((r) => r.correct).slice(0, 2)).toEqual([true, true]);
    expect((res.outputs[0] as { images: number }).images).toBe(3);
  });
});

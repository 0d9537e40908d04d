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

  it('FID / FVD of one image or clip: refused up front saying that each side needs at least 2', async () => {
    const images = node('EvaluateImages');
    const one = generateShapesImages(1, 1).images;
    const err = await images.execute({ ...defaults(images), images: one, reference_count: 20 }, ctx()).catch((e: Error) => e);
    expect((err as Error).message).toBe(
      'FID-shapes needs at least 2 generated and 2 reference images (it compares their means and covariances), got 1 generated and 20 reference: give at least 2 images on each side',
    );
    const videos = node('EvaluateVideos');
    await expect(videos.execute({ ...defaults(videos), videos: generateShapesVideos(1, 1).videos, reference_count: 20 }, ctx())).rejects.toThrow(
      /^FVD-shapes needs at least 2 generated and 2 reference videos .* got 1 generated and 20 reference: give at least 2 videos on each side$/,
    );
  });

  it('IS with fewer than 2 images per split and precision/recall with images ≤ k are left out with a note saying why, not silently', async () => {
    const def = node('EvaluateImages');
    const res = await def.execute({ ...defaults(def), images: generateShapesImages(3, 2).images, reference_count: 20, is_splits: 10, k: 3 }, ctx());
    const report = res.outputs[0] as { inceptionScore?: unknown; precision?: unknown; fid?: number; notes: string[] };
    expect(report.inceptionScore).toBeUndefined();
    expect(report.precision).toBeUndefined();
    expect(report.fid).toBeGreaterThan(0);
    const isNote = 'IS-shapes left out: 3 generated image(s) over is_splits = 10 leaves fewer than 2 images per split (a split of one image always scores exactly 1): give at least 20 images or lower is_splits';
    const prNote = 'precision / recall left out: k-NN precision/recall need more than k = 3 images on each side, got 20 reference and 3 generated: give more images or lower k';
    expect(report.notes).toEqual([isNote, prNote]);
    expect(res.ui!.text!.slice(1)).toEqual([isNote, prNote]);
    const table = res.ui!.table as { metric: string; value: unknown; note: string }[];
    expect(table.filter((r) => r.metric === 'not scored').map((r) => r.note)).toEqual([isNote, prNote]);
    // 15 images over 10 splits would also be one image per split (the remainder is dropped); 20 give two each
    const fifteen = await def.execute({ ...defaults(def), images: generateShapesImages(15, 2).images, reference: 'none' }, ctx());
    expect((fifteen.outputs[0] as { notes?: string[] }).notes).toEqual([expect.stringContaining('IS-shapes left out: 15 generated image(s)')]);
    const twenty = await def.execute({ ...defaults(def), images: generateShapesImages(20, 2).images, reference: 'none' }, ctx());
    expect((twenty.outputs[0] as { inceptionScore: { splits: number }; notes?: string[] }).inceptionScore.splits).toBe(10);
    expect((twenty.outputs[0] as { notes?: string[] }).notes).toBeUndefined();
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

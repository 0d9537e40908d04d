// The evaluator end to end with the Shapes extractor (random weights: the mechanics, not the
// quality): reference cache, progress, FID of a set with itself, ShapeEval from captions, and the
// side-by-side sampler comparison.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../models/backend';
import { DEFAULT_SHAPES_CLASSIFIER, initParams } from '../../models/metrics/shapesClassifier/model';
import { ShapesFeatureExtractor } from '../../models/metrics/shapesClassifier/extractor';
import { evaluate, reportTable } from '../../models/metrics/evaluator/evaluate';
import { memorySource, shapesSource } from '../../models/metrics/evaluator/imageSource';
import { compareSamplers, comparisonMarkdown } from '../../models/metrics/evaluator/comparison';
import { generateShapesImages, renderScenes } from '../../models/data/shapes';
import { parseShapesPrompt } from '../../models/metrics/shapeEval/prompt';
import { imageBatch } from '../../models/image/types';
import { Rng } from '../../models/rng';

let dir: string;
let ext: ShapesFeatureExtractor;
beforeAll(async () => {
  await initBackend('wasm');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eval-'));
  ext = new ShapesFeatureExtractor(initParams(DEFAULT_SHAPES_CLASSIFIER, 11), DEFAULT_SHAPES_CLASSIFIER, 32);
});
afterAll(async () => {
  await ext.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('evaluate', () => {
  it('caches reference statistics and reports FID, IS, precision/recall and ShapeEval', async () => {
    const reference = shapesSource({ count: 300, seed: 1 });
    const gen = generateShapesImages(120, 99, { objects: 'mixed' });
    const progress: [number, number, string][] = [];
    const opts = {
      extractor: ext,
      extractorFingerprint: 'random-11',
      reference,
      generated: memorySource(gen.images, gen.captions),
      cacheDir: dir,
      batchSize: 32,
      onProgress: (d: number, n: number, p: string) => progress.push([d, n, p]),
    };
    const first = await evaluate(opts);
    expect(first.referenceFromCache).toBe(false);
    expect(progress.filter((p) => p[2] === 'generated').map((p) => p[0])).toEqual([32, 64, 96, 120]);
    expect(progress[progress.length - 1]).toEqual([300, 300, 'reference']);
    const second = await evaluate(opts);
    expect(second.referenceFromCache).toBe(true);
    expect(second.fid).toBe(first.fid);
    expect(first.fid!).toBeGreaterThan(0);
    expect(first.shapeEval!.overall).toBe(1);
    expect(first.inceptionScore!.splits).toBe(10);
    expect(first.precision! > 0 && first.recall! > 0).toBe(true);
    expect(first.note).toMatch(/NOT comparable with ImageNet FID/);
    expect(reportTable(first).map((r) => r.metric)).toEqual(expect.arrayContaining(['FID-shapes', 'IS-shapes', 'precision', 'recall', 'ShapeEval overall']));
  });

  it('a set against itself has FID ≈ 0 and precision = recall = 1', async () => {
    const src = shapesSource({ count: 200, seed: 5 });
    const r = await evaluate({ extractor: ext, extractorFingerprint: 'random-11', reference: src, generated: src, shapeEval: false });
    expect(Math.abs(r.fid!)).toBeLessThan(1e-6);
    expect([r.precision, r.recall]).toEqual([1, 1]);
  });

  it('needs one prompt per generated image (or one for all)', async () => {
    const gen = generateShapesImages(4, 1);
    await expect(evaluate({ extractor: ext, extractorFingerprint: 'x', generated: memorySource(gen.images), prompts: ['a red circle', 'a blue square'] })).rejects.toThrow(
      /4 generated images but 2 prompts/,
    );
  });
});

describe('compareSamplers', () => {
  it('puts a sampler that follows the prompts ahead of one that draws nothing', async () => {
    const prompts = generateShapesImages(40, 3).captions;
    const faithful = {
      name: 'faithful',
      sample: async (ps: string[], seed: number) =>
        renderScenes(
          ps.map((p) => parseShapesPrompt(p).objects.map((o) => ({ shape: o.shape, color: o.color, row: o.cell!.row, col: o.cell!.col, size: 'large' as const }))),
          32,
          4,
          0,
          new Rng(seed),
        ),
    };
    const blank = { name: 'blank', sample: async (ps: string[]) => imageBatch(ps.length, 32, 32, new Float32Array(ps.length * 32 * 32 * 3).fill(16 / 255)) };
    let clock = 0;
    const rows = await compareSamplers({
      samplers: [faithful, blank],
      prompts,
      reference: shapesSource({ count: 200, seed: 8, objects: 1 }),
      extractor: ext,
      extractorFingerprint: 'random-11',
      seed: 1,
      now: () => (clock += 500),
    });
    expect(rows.map((r) => r.sampler)).toEqual(['faithful', 'blank']);
    expect(rows[0].shapeEvalOverall).toBe(1);
    expect(rows[1].shapeEvalOverall).toBe(0);
    expect(rows[0].fidShapes).toBeLessThan(rows[1].fidShapes);
    expect(rows[0].imagesPerSecond).toBeCloseTo(40 / 0.5, 6);
    expect(comparisonMarkdown(rows, new Date('2025-01-02T00:00:00Z'))).toMatch(/2025-01-02[\s\S]*\| faithful \| 40 \| 80\.00 \|/);
  });
});

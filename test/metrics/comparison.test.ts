// The bundled-model comparison harness (bench/compare.bench.ts) on the repository's NAR and
// raster-AR class-to-image models: a small run gives a well-formed table with both rows, metrics
// in their valid ranges, non-blank images, the same images for the same seed, and no leaked
// tensors. Which model wins is not asserted: that is the bench's job.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../models/backend';
import { NUM_IMAGE_CLASSES } from '../../models/data/shapesSpec';
import { renderScenes } from '../../models/data/shapes';
import { type ImageBatch, imageBatch } from '../../models/image/types';
import { Rng } from '../../models/rng';
import { loadNar, type NarModel } from '../../models/nar';
import { shapesSource } from '../../models/metrics/evaluator/imageSource';
import { classOfPrompt, classPrompt, classPrompts, compareNarModels, DEFAULT_SAMPLING, layoutSpread, narClassSampler, type NarComparisonResult } from '../../models/metrics/evaluator/narComparison';
import { narComparisonMarkdown } from '../../models/metrics/evaluator/narComparisonTable';
import { ShapesFeatureExtractor } from '../../models/metrics/shapesClassifier/extractor';
import { loadTokenizer } from '../../models/vq/io';
import type { Tokenizer } from '../../models/vq/tokenizer';

const WEIGHTS = path.resolve(__dirname, '../../weights');
const FILES = {
  nar: path.join(WEIGHTS, 'nar', 'shapes-c2i.safetensors'),
  raster: path.join(WEIGHTS, 'nar', 'shapes-raster-c2i.safetensors'),
  tokenizer: path.join(WEIGHTS, 'tokenizer', 'shapes-vq.safetensors'),
  classifier: path.join(WEIGHTS, 'metrics', 'shapes-classifier.safetensors'),
};
const missing = Object.values(FILES).filter((f) => !fs.existsSync(f));
if (missing.length) process.stdout.write(`comparison on the bundled models skipped: missing ${missing.join(', ')}\n`);
const withBundled = missing.length ? describe.skip : describe;

describe('class prompts', () => {
  it('every Shapes class round-trips through its prompt; other prompts are refused', () => {
    const ids = Array.from({ length: NUM_IMAGE_CLASSES }, (_, i) => i);
    expect(ids.map((i) => classOfPrompt(classPrompt(i)))).toEqual(ids);
    expect(new Set(ids.map(classPrompt)).size).toBe(NUM_IMAGE_CLASSES);
    expect(classPrompts([3, 7], 2).map(classOfPrompt)).toEqual([3, 3, 7, 7]);
    expect(() => classOfPrompt('two red circles')).toThrow(/one object/);
    expect(() => classPrompts([1], 0)).toThrow(/positive integer, got 0/);
  });
});

describe('layoutSpread', () => {
  const scene = (cell: number) => [{ shape: 'square' as const, color: 'red' as const, row: Math.floor(cell / 3), col: cell % 3, size: 'large' as const }];
  const render = (cells: number[]) => renderScenes(cells.map(scene), 32, 4, 0, new Rng(1));
  it('is 1 for objects spread evenly over the 3×3 layout, 0 for one cell, NaN for no objects', () => {
    expect(layoutSpread(render([0, 1, 2, 3, 4, 5, 6, 7, 8]))).toBeCloseTo(1, 12);
    expect(layoutSpread(render([4, 4, 4, 4]))).toBe(0);
    expect(layoutSpread(render([0, 8]))).toBeCloseTo(Math.log(2) / Math.log(9), 12);
    expect(layoutSpread(imageBatch(2, 32, 32, new Float32Array(2 * 32 * 32 * 3).fill(16 / 255)))).toBeNaN();
  });
});

/** Fraction of pixels that differ from the image's first pixel by more than 0.1 in some channel. */
function nonBackground(images: ImageBatch, i: number): number {
  const px = images.height * images.width;
  const d = images.data.subarray(i * px * 3, (i + 1) * px * 3);
  let differ = 0;
  for (let p = 0; p < px; p++) if ([0, 1, 2].some((c) => Math.abs(d[p * 3 + c] - d[c]) > 0.1)) differ++;
  return differ / px;
}

withBundled('comparison of the bundled NAR and raster-AR models', () => {
  let nar: NarModel;
  let raster: NarModel;
  let tokenizer: Tokenizer;
  let extractor: ShapesFeatureExtractor;
  let dir: string;
  let result: NarComparisonResult;
  let tensorsBefore = 0;
  let tensorsAfter = 0;
  const images = new Map<string, ImageBatch>();

  beforeAll(async () => {
    await initBackend('wasm');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-compare-'));
    nar = loadNar(FILES.nar);
    raster = loadNar(FILES.raster);
    tokenizer = loadTokenizer(FILES.tokenizer);
    extractor = ShapesFeatureExtractor.load(FILES.classifier);
    const size = nar.config.grid[0] * tokenizer.downsample;
    tensorsBefore = tf.memory().numTensors;
    result = await compareNarModels({
      contenders: [
        { name: 'NAR', model: nar, seedPosition: 'corner' },
        { name: 'raster AR', model: raster },
      ],
      tokenizer,
      extractor,
      extractorFingerprint: 'bundled',
      reference: shapesSource({ count: 64, seed: 5, size, objects: 1 }),
      perClass: 1,
      sampling: DEFAULT_SAMPLING,
      seed: 3,
      engine: 'tfjs',
      sampleBatch: 18,
      speed: { engines: ['ort', 'tfjs'], batches: [1, 4], minImages: 1 },
      dataRow: true,
      cacheDir: path.join(dir, 'reference'),
      onnxCacheDir: path.join(dir, 'onnx'),
      onImages: (name, im) => images.set(name, im),
    });
    tensorsAfter = tf.memory().numTensors;
  }, 120_000);

  afterAll(async () => {
    nar?.dispose();
    raster?.dispose();
    tokenizer?.dispose();
    await extractor?.dispose();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('has one row per model, in order, with its passes and engine, then the data row, and leaks no tensors', () => {
    expect(result.rows.map((r) => r.sampler)).toEqual(['NAR', 'raster AR', 'Shapes data (fresh images)']);
    expect(result.rows.map((r) => r.kind)).toEqual(['model', 'model', 'data']);
    expect(result.rows.map((r) => r.passes)).toEqual([nar.passes('corner'), raster.passes('corner'), undefined]);
    expect(result.rows[1].passes).toBe(raster.config.numTokens);
    expect(result.rows.map((r) => r.engine)).toEqual(['tfjs', 'tfjs', undefined]);
    expect(result.prompts).toHaveLength(NUM_IMAGE_CLASSES);
    expect(tensorsAfter).toBe(tensorsBefore);
  });

  it('gives metrics in their valid ranges', () => {
    for (const r of result.rows) {
      expect(r.images).toBe(NUM_IMAGE_CLASSES);
      for (const v of [r.shapeEvalOverall, r.shapeEvalColor, r.shapeEvalShape, r.shapeEvalCount]) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
      expect(r.shapeEvalOverall).toBeLessThanOrEqual(Math.min(r.shapeEvalColor, r.shapeEvalShape, r.shapeEvalCount));
      expect(r.shapeEvalPosition).toBeNaN(); // class prompts say nothing about position
      expect(r.layoutSpread >= 0 && r.layoutSpread <= 1 + 1e-12).toBe(true);
      expect(Number.isFinite(r.fidShapes) && r.fidShapes >= 0).toBe(true);
      expect(Number.isFinite(r.imagesPerSecond) && r.imagesPerSecond > 0).toBe(true);
    }
    // the calibration row: the generator's own images are what ShapeEval was built to read
    expect(result.rows[2].shapeEvalOverall).toBeGreaterThanOrEqual(0.9);
    expect(result.speed.map((s) => `${s.sampler} ${s.engine} ${s.batch}`)).toEqual(
      ['NAR ort 1', 'NAR ort 4', 'raster AR ort 1', 'raster AR ort 4', 'NAR tfjs 1', 'NAR tfjs 4', 'raster AR tfjs 1', 'raster AR tfjs 4'],
    );
    for (const s of result.speed) {
      expect(s.images).toBe(s.batch);
      expect(Number.isFinite(s.imagesPerSecond) && s.imagesPerSecond > 0).toBe(true);
    }
  });

  it('samples non-blank images in [0, 1] for every prompt', () => {
    expect([...images.keys()]).toEqual(['NAR', 'raster AR', 'Shapes data (fresh images)']);
    for (const name of ['NAR', 'raster AR']) {
      const im = images.get(name)!;
      expect([im.batch, im.height, im.width]).toEqual([NUM_IMAGE_CLASSES, 32, 32]);
      expect(im.data.every((v) => v >= 0 && v <= 1)).toBe(true);
      const drawn = Array.from({ length: im.batch }, (_, i) => nonBackground(im, i));
      expect(drawn.filter((f) => f > 0.002).length).toBeGreaterThan(im.batch / 2);
    }
  });

  it('prints one Markdown table: the date, every row, every column filled', () => {
    const md = narComparisonMarkdown(result, { date: new Date('2026-01-02T03:04:05Z'), machine: 'test machine', sampling: DEFAULT_SAMPLING, seed: 3, perClass: 1, classes: 18, referenceDescription: 'Shapes generator' });
    expect(md.split('\n')[0]).toBe('Shapes class-to-image comparison, 2026-01-02, test machine');
    const table = md.split('\n').filter((l) => l.startsWith('|'));
    expect(table).toHaveLength(5);
    const cells = table.map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
    expect(cells[0]).toEqual(['model', 'order', 'passes', 'ShapeEval overall', 'colour', 'shape', 'count', 'position', 'layout spread', 'FID-shapes', 'img/s ort b1', 'img/s ort b4', 'img/s tfjs b1', 'img/s tfjs b4']);
    for (const row of cells) expect(row).toHaveLength(cells[0].length);
    expect(cells.slice(2).map((r) => [r[0], r[1], r[2], r[7]])).toEqual([
      ['NAR', 'NAR from corner', String(nar.passes('corner')), 'n/a'],
      ['raster AR', 'raster', String(raster.config.numTokens), 'n/a'],
      ['Shapes data (fresh images)', 'generator', '—', 'n/a'],
    ]);
    for (const row of cells.slice(2, 4)) for (const c of [...row.slice(3, 7), ...row.slice(8)]) expect(Number.isFinite(Number(c))).toBe(true);
    expect(cells[4].slice(10)).toEqual(['—', '—', '—', '—']); // no speed for the generator
    expect(md).toMatch(/NOT comparable with ImageNet FID/);
  });

  it('gives the same images for the same seed', async () => {
    const prompts = classPrompts([0, 9, 17], 1);
    const engine = nar.createEngine();
    const sampler = narClassSampler({ name: 'NAR', model: nar }, engine, tokenizer, DEFAULT_SAMPLING, 2);
    const a = await sampler.sample(prompts, 11);
    const b = await sampler.sample(prompts, 11);
    engine.dispose();
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
  });
});

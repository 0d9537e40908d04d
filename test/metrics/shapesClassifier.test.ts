// The built-in Shapes classifier: shapes of its outputs, tfjs memory, save/load, video features,
// a short training run lowering the loss, and the accuracy of the bundled weights.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../models/backend';
import { DEFAULT_SHAPES_CLASSIFIER, initParams } from '../../models/metrics/shapesClassifier/model';
import { ShapesFeatureExtractor, ShapesVideoFeatureExtractor, saveShapesClassifier } from '../../models/metrics/shapesClassifier/extractor';
import { labelledShapes, trainShapesClassifier } from '../../models/metrics/shapesClassifier/train';
import { generateShapesImages } from '../../models/data/shapes';
import { generateShapesVideos } from '../../models/data/shapesVideo';

const BUNDLED = path.resolve(__dirname, '../../weights/metrics/shapes-classifier.safetensors');

beforeAll(async () => {
  await initBackend('wasm');
});

describe('Shapes classifier extractor', () => {
  it('gives [N, 64] features and [N, 18] logits for images of any size, without leaking tensors', async () => {
    const ext = new ShapesFeatureExtractor(initParams(DEFAULT_SHAPES_CLASSIFIER, 1), DEFAULT_SHAPES_CLASSIFIER, 4);
    const before = tf.memory().numTensors;
    const out = await ext.extractImages(generateShapesImages(6, 3, { size: 48 }).images);
    expect(tf.memory().numTensors).toBe(before);
    expect([out.count, out.features.length, out.logits!.length]).toEqual([6, 6 * 64, 6 * 18]);
    await ext.dispose();
  });

  it('saves and loads to the same features (config travels in the file)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapes-cls-'));
    const file = path.join(dir, 'w.safetensors');
    const params = initParams(DEFAULT_SHAPES_CLASSIFIER, 2);
    saveShapesClassifier(file, params, DEFAULT_SHAPES_CLASSIFIER);
    const a = new ShapesFeatureExtractor(params, DEFAULT_SHAPES_CLASSIFIER);
    const b = ShapesFeatureExtractor.load(file);
    const images = generateShapesImages(3, 4).images;
    expect(Array.from((await b.extractImages(images)).features)).toEqual(Array.from((await a.extractImages(images)).features));
    expect(fs.statSync(file).size).toBeLessThan(1024 * 1024);
    await a.dispose();
    await b.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('video features: frame mean and mean frame-to-frame change (2 × 64)', async () => {
    const ext = new ShapesFeatureExtractor(initParams(DEFAULT_SHAPES_CLASSIFIER, 3), DEFAULT_SHAPES_CLASSIFIER);
    const video = new ShapesVideoFeatureExtractor(ext);
    expect(video.featureDim).toBe(128);
    const v = generateShapesVideos(2, 5).videos;
    const out = await video.extractVideos(v);
    const frames = await ext.extractImages({ batch: v.batch * v.frames, height: v.height, width: v.width, channels: 3, data: v.data });
    const T = v.frames;
    for (const d of [0, 17, 63]) {
      const f = (t: number) => frames.features[(1 * T + t) * 64 + d];
      const mean = Array.from({ length: T }, (_, t) => f(t)).reduce((a, x) => a + x, 0) / T;
      expect(out.features[128 + d]).toBeCloseTo(mean, 5);
      expect(out.features[128 + 64 + d]).toBeCloseTo((f(T - 1) - f(0)) / (T - 1), 5);
    }
    await video.dispose();
  });

  it('a short training run lowers the loss and leaves only its parameters allocated', () => {
    const before = tf.memory().numTensors;
    const losses: number[] = [];
    const params = trainShapesClassifier(DEFAULT_SHAPES_CLASSIFIER, { steps: 60, batchSize: 32, lr: 3e-3, seed: 5, poolSize: 400, onStep: (_s, l) => losses.push(l) });
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] * 0.6);
    for (const v of params.values()) v.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the bundled weights classify held-out Shapes images (shape × colour) above 90%', async () => {
    expect(fs.existsSync(BUNDLED)).toBe(true);
    const ext = ShapesFeatureExtractor.load(BUNDLED);
    const data = labelledShapes(500, 424242, 32);
    const { logits } = await ext.extractImages(data.images);
    let ok = 0;
    for (let i = 0; i < 500; i++) {
      const row = Array.from(logits!.subarray(i * 18, (i + 1) * 18));
      if (row.indexOf(Math.max(...row)) === data.cls[i]) ok++;
    }
    expect(ok / 500).toBeGreaterThan(0.9);
    await ext.dispose();
  });
});

describe('Shapes classifier memory', () => {
  it('loading and disposing an extractor leaves no tensors behind', async () => {
    const before = tf.memory().numTensors;
    const ext = new ShapesFeatureExtractor(initParams(DEFAULT_SHAPES_CLASSIFIER, 9), DEFAULT_SHAPES_CLASSIFIER);
    await ext.extractImages(generateShapesImages(2, 1).images);
    await ext.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

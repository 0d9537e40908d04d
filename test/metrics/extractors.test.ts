// The ONNX extractors with small models the test builds: Inception-like (global average pool →
// pool3, then a matmul → logits) and I3D-like (mean over T, H, W). Expected features are computed
// here from the documented preprocessing.
import { GraphBuilder } from '../../models/onnx/builder';
import { OnnxInceptionExtractor } from '../../models/metrics/extractors/onnxInception';
import { OnnxI3dExtractor } from '../../models/metrics/extractors/onnxI3d';
import { resizeBilinearNCHW } from '../../models/metrics/preprocess/resizeBilinear';
import { imageBatch, VideoBatch } from '../../models/image/types';
import { Rng } from '../../models/rng';

const W = Float32Array.from([1, 0, -1, 2, 0.5, 0, 1, 1, 0, -2, 3, 0, 0, 1, 1]); // [3, 5]

function inceptionLike(): Uint8Array {
  const g = new GraphBuilder('inception-like');
  const x = g.input('x', 'float', ['B', 3, 299, 299]);
  const pooled = g.op('GlobalAveragePool', [x]);
  const pool3 = g.op('Flatten', [pooled], { axis: 1 }, { name: 'pool3' });
  g.output(pool3, 'pool3', 'float', ['B', 3]);
  const logits = g.op('MatMul', [pool3, g.initializer('w', W, [3, 5])], {}, { name: 'logits' });
  g.output(logits, 'logits', 'float', ['B', 5]);
  return g.toBytes();
}

function i3dLike(): Uint8Array {
  const g = new GraphBuilder('i3d-like');
  const x = g.input('video', 'float', [1, 3, 16, 224, 224]);
  const y = g.op('ReduceMean', [x], { axes: [2, 3, 4], keepdims: 0 }, { name: 'logits' });
  g.output(y, 'logits', 'float', [1, 3]);
  return g.toBytes();
}

function randomImages(n: number, h: number, w: number, seed: number) {
  const rng = new Rng(seed);
  return imageBatch(n, h, w, Float32Array.from({ length: n * h * w * 3 }, () => rng.next()));
}

/** Per-channel mean of 2·resize(x) − 1 for image i, computed plane by plane. */
function expectedPool(images: ReturnType<typeof randomImages>, i: number, size: number): number[] {
  const { height: h, width: w } = images;
  return [0, 1, 2].map((c) => {
    const plane = new Float32Array(h * w);
    for (let p = 0; p < h * w; p++) plane[p] = images.data[(i * h * w + p) * 3 + c];
    const r = resizeBilinearNCHW(plane, [1, 1, h, w], size, size);
    return r.reduce((a, v) => a + (2 * v - 1), 0) / r.length;
  });
}

describe('ONNX feature extractors', () => {
  it('Inception: pool3 features and logits with pytorch-fid preprocessing, batched', async () => {
    const ext = await OnnxInceptionExtractor.create({ model: inceptionLike(), batchSize: 2 });
    const images = randomImages(3, 17, 23, 5);
    const out = await ext.extractImages(images);
    await ext.dispose();
    expect(out.count).toBe(3);
    expect(ext.featureDim).toBe(3);
    expect(ext.classes).toBe(5);
    for (let i = 0; i < 3; i++) {
      const f = expectedPool(images, i, 299);
      f.forEach((v, c) => expect(out.features[i * 3 + c]).toBeCloseTo(v, 5));
      for (let k = 0; k < 5; k++) {
        const l = f.reduce((a, v, c) => a + v * W[c * 5 + k], 0);
        expect(out.logits![i * 5 + k]).toBeCloseTo(l, 4);
      }
    }
  });

  it('Inception: names the outputs it found when the features output is missing', async () => {
    await expect(OnnxInceptionExtractor.create({ model: inceptionLike(), featuresOutput: 'pool_3' })).rejects.toThrow(/outputs \[pool3, logits\].*'pool_3'/);
  });

  it('I3D: 16 frames resized to 224, scaled to [−1, 1], NCTHW', async () => {
    const ext = await OnnxI3dExtractor.create({ model: i3dLike() });
    const frames = randomImages(32, 12, 12, 8); // 2 clips × 16 frames
    const videos: VideoBatch = { batch: 2, frames: 16, height: 12, width: 12, channels: 3, fps: 8, data: frames.data };
    const out = await ext.extractVideos(videos);
    expect(out.count).toBe(2);
    for (let b = 0; b < 2; b++) {
      const per = Array.from({ length: 16 }, (_, t) => expectedPool(frames, b * 16 + t, 224));
      for (let c = 0; c < 3; c++) expect(out.features[b * 3 + c]).toBeCloseTo(per.reduce((a, f) => a + f[c], 0) / 16, 5);
    }
    await expect(ext.extractVideos({ ...videos, frames: 8, batch: 4 })).rejects.toThrow(/expects clips of 16 frames, got 8/);
    await ext.dispose();
  });
});

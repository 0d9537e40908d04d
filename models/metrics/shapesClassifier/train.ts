// Trains the Shapes classifier on Shapes images (one object each): the sum of cross-entropies
// of the class, cell and size heads, AdamW with warm-up + cosine learning rate. A pool of
// images is rendered once; each step draws a mini-batch from it with the seeded Rng.
import * as tf from '@tensorflow/tfjs';
import { AdamW } from '../../train/adamw';
import { warmupCosineLr } from '../../train/schedule';
import { generateShapesImages } from '../../data/shapes';
import { classOf, SIZES } from '../../data/shapesSpec';
import { ImageBatch, imageBatch } from '../../image/types';
import { Rng } from '../../rng';
import { ShapesClassifierConfig, ShapesClassifierParams, forward, imagePatches, initParams } from './model';

export interface TrainShapesClassifierOptions {
  steps: number;
  batchSize: number;
  lr: number;
  seed: number;
  /** images rendered once and sampled from (default 6000) */
  poolSize?: number;
  /** Shapes image side used for training data (default 32) */
  imageSize?: number;
  onStep?(step: number, loss: number, accuracy: number): void;
}

/** Labelled Shapes images: class, cell (row·3 + col) and size index of the single object. */
export interface LabelledShapes {
  images: ImageBatch;
  cls: Int32Array;
  cell: Int32Array;
  size: Int32Array;
}

export function labelledShapes(count: number, seed: number, imageSize: number): LabelledShapes {
  const s = generateShapesImages(count, seed, { size: imageSize, objects: 1 });
  const objs = s.objects.map((o) => o[0]);
  return {
    images: s.images,
    cls: Int32Array.from(objs.map((o) => classOf(o.shape, o.color))),
    cell: Int32Array.from(objs.map((o) => o.row * 3 + o.col)),
    size: Int32Array.from(objs.map((o) => SIZES.indexOf(o.size))),
  };
}

function subset(pool: LabelledShapes, idx: number[]): LabelledShapes {
  const { height: H, width: W } = pool.images;
  const px = H * W * 3;
  const images = imageBatch(idx.length, H, W);
  idx.forEach((j, i) => images.data.set(pool.images.data.subarray(j * px, (j + 1) * px), i * px));
  const pick = (a: Int32Array) => Int32Array.from(idx.map((j) => a[j]));
  return { images, cls: pick(pool.cls), cell: pick(pool.cell), size: pick(pool.size) };
}

function patchTensor(images: ImageBatch, c: ShapesClassifierConfig): tf.Tensor2D {
  const x = imagePatches(images, c);
  const width = c.patch * c.patch * 3;
  return tf.tensor2d(x, [x.length / width, width]);
}

function crossEntropy(logits: tf.Tensor2D, labels: Int32Array): tf.Scalar {
  const oneHot = tf.oneHot(tf.tensor1d(labels, 'int32'), logits.shape[1]);
  return tf.mean(tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1)));
}

/** Fraction of correct class predictions. */
export function classAccuracy(params: ShapesClassifierParams, config: ShapesClassifierConfig, data: LabelledShapes): number {
  return tf.tidy(() => {
    const pred = tf.argMax(forward(params, config, patchTensor(data.images, config)).classLogits, 1).dataSync();
    let ok = 0;
    for (let i = 0; i < pred.length; i++) if (pred[i] === data.cls[i]) ok++;
    return ok / pred.length;
  });
}

export function trainShapesClassifier(config: ShapesClassifierConfig, o: TrainShapesClassifierOptions): ShapesClassifierParams {
  const pool = labelledShapes(o.poolSize ?? 6000, o.seed, o.imageSize ?? 32);
  const rng = new Rng(o.seed + 1);
  const params = initParams(config, o.seed);
  const opt = new AdamW(params as Map<string, tf.Variable>, { weightDecay: 1e-4, beta2: 0.999 });
  const vars = [...params.values()];
  for (let step = 0; step < o.steps; step++) {
    const batch = subset(pool, Array.from({ length: o.batchSize }, () => rng.int(pool.cls.length)));
    const lossT = tf.tidy(() => {
      const x = patchTensor(batch.images, config);
      const { value, grads } = tf.variableGrads(() => {
        const out = forward(params, config, x);
        return tf.addN([crossEntropy(out.classLogits, batch.cls), crossEntropy(out.cellLogits, batch.cell), crossEntropy(out.sizeLogits, batch.size)]) as tf.Scalar;
      }, vars);
      const named = new Map<string, tf.Tensor>();
      for (const [name, v] of params) named.set(name, grads[v.name]);
      opt.apply(named, warmupCosineLr(step, { maxLr: o.lr, minLr: o.lr * 0.05, warmupSteps: Math.min(50, o.steps), totalSteps: o.steps }));
      return value;
    });
    const loss = lossT.dataSync()[0];
    lossT.dispose();
    if (o.onStep && (step % 50 === 0 || step === o.steps - 1)) o.onStep(step, loss, classAccuracy(params, config, batch));
  }
  opt.dispose();
  return params;
}

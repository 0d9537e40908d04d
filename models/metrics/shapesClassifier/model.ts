// The built-in Shapes feature network, trained here on the Shapes generator to predict class
// (shape × colour), layout cell and size. Its 64-d hidden layer is the feature space of
// FID-shapes / FVD-shapes (never comparable with ImageNet FID). A convolution written as host-side
// im2col + one 2-D matmul (tfjs-wasm trains plain matmuls fast and needs no conv gradient then):
//   image 32×32 → patches 8×8 stride 4: P [B·49, 192]
//   h = relu(P W1 + b1)                  [B, 7, 7, hidden]
//   what  = max over the 49 positions    [B, hidden]
//   where = region max (3×3 regions) of relu(h Wr + br)   [B, 9·whereChannels]
//   features = relu([what, where] W2 + b2)                 [B, features]
//   heads: class [B, 18], cell [B, 9], size [B, 2]
import * as tf from '@tensorflow/tfjs';
import { matMul2d } from '../../tensor/fastMatMul';
import { StateDict } from '../../checkpoint/safetensors';
import { ImageBatch } from '../../image/types';
import { Rng } from '../../rng';
import { NUM_IMAGE_CLASSES, SIZES } from '../../data/shapesSpec';
import { resizeBilinearNCHW, imagesToNCHW } from '../preprocess/resizeBilinear';

export interface ShapesClassifierConfig {
  image: number; // input side (32)
  patch: number; // 8
  stride: number; // 4
  hidden: number; // 96
  whereChannels: number; // 8
  features: number; // 64
  classes: number; // 18
  cells: number; // 9
  sizes: number; // 2
}

export const DEFAULT_SHAPES_CLASSIFIER: ShapesClassifierConfig = {
  image: 32,
  patch: 8,
  stride: 4,
  hidden: 96,
  whereChannels: 8,
  features: 64,
  classes: NUM_IMAGE_CLASSES,
  cells: 9,
  sizes: SIZES.length,
};

/** Patch grid side: (image − patch) / stride + 1. */
export function gridSide(c: ShapesClassifierConfig): number {
  return Math.floor((c.image - c.patch) / c.stride) + 1;
}

export const PARAM_NAMES = ['w1', 'b1', 'wWhere', 'bWhere', 'w2', 'b2', 'wClass', 'bClass', 'wCell', 'bCell', 'wSize', 'bSize'] as const;
export type ParamName = (typeof PARAM_NAMES)[number];
export type ShapesClassifierParams = Map<ParamName, tf.Variable>;

export function paramShapes(c: ShapesClassifierConfig): Record<ParamName, number[]> {
  return {
    w1: [c.patch * c.patch * 3, c.hidden],
    b1: [c.hidden],
    wWhere: [c.hidden, c.whereChannels],
    bWhere: [c.whereChannels],
    w2: [c.hidden + 9 * c.whereChannels, c.features],
    b2: [c.features],
    wClass: [c.features, c.classes],
    bClass: [c.classes],
    wCell: [c.features, c.cells],
    bCell: [c.cells],
    wSize: [c.features, c.sizes],
    bSize: [c.sizes],
  };
}

/** He-normal weights from our seeded Rng, zero biases. */
export function initParams(c: ShapesClassifierConfig, seed: number): ShapesClassifierParams {
  const rng = new Rng(seed);
  const params: ShapesClassifierParams = new Map();
  for (const [name, shape] of Object.entries(paramShapes(c)) as [ParamName, number[]][]) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (shape.length === 2) {
      const std = Math.sqrt(2 / shape[0]);
      for (let i = 0; i < n; i++) data[i] = rng.normal() * std;
    }
    params.set(name, tf.tidy(() => tf.variable(tf.tensor(data, shape), true)));
  }
  return params;
}

export function paramsFromStateDict(c: ShapesClassifierConfig, sd: StateDict): ShapesClassifierParams {
  const shapes = paramShapes(c);
  const params: ShapesClassifierParams = new Map();
  for (const name of PARAM_NAMES) {
    const t = sd.get(name);
    if (!t) throw new Error(`Shapes classifier weights: missing tensor '${name}' (found ${[...sd.keys()].join(', ')})`);
    if (t.shape.join(',') !== shapes[name].join(',')) throw new Error(`Shapes classifier weights: '${name}' has shape [${t.shape}], expected [${shapes[name]}]`);
    params.set(name, tf.tidy(() => tf.variable(tf.tensor(t.data, t.shape), false)));
  }
  return params;
}

export function paramsToStateDict(params: ShapesClassifierParams): StateDict {
  const sd: StateDict = new Map();
  for (const [name, v] of params) sd.set(name, { shape: [...v.shape], data: v.dataSync() as Float32Array });
  return sd;
}

/**
 * Images [B, H, W, 3] in [0,1] → patches [B·G², patch²·3] in [−1, 1] (G = grid side), after a
 * bilinear resize to image×image when the images have another size.
 */
export function imagePatches(images: ImageBatch, c: ShapesClassifierConfig): Float32Array {
  const S = c.image;
  const B = images.batch;
  const planes = images.height === S && images.width === S
    ? imagesToNCHW(images)
    : resizeBilinearNCHW(imagesToNCHW(images), [B, 3, images.height, images.width], S, S); // [B, 3, S, S]
  const G = gridSide(c);
  const P = c.patch;
  const out = new Float32Array(B * G * G * P * P * 3);
  let o = 0;
  for (let b = 0; b < B; b++) {
    for (let gy = 0; gy < G; gy++) {
      for (let gx = 0; gx < G; gx++) {
        for (let y = 0; y < P; y++) {
          for (let x = 0; x < P; x++) {
            const px = (gy * c.stride + y) * S + gx * c.stride + x;
            for (let ch = 0; ch < 3; ch++) out[o++] = 2 * planes[(b * 3 + ch) * S * S + px] - 1;
          }
        }
      }
    }
  }
  return out;
}

export interface ShapesClassifierOutputs {
  features: tf.Tensor2D; // [B, features]
  classLogits: tf.Tensor2D; // [B, classes]
  cellLogits: tf.Tensor2D; // [B, cells]
  sizeLogits: tf.Tensor2D; // [B, sizes]
}


/** Forward pass on patches [B·G², patch²·3] (see imagePatches). Call inside tf.tidy. */
export function forward(params: ShapesClassifierParams, c: ShapesClassifierConfig, patches: tf.Tensor2D): ShapesClassifierOutputs {
  const p = (n: ParamName) => params.get(n) as tf.Variable;
  const G = gridSide(c);
  const B = patches.shape[0] / (G * G);
  const h = tf.relu(tf.add(matMul2d(patches, p('w1') as tf.Tensor2D), p('b1'))) as tf.Tensor2D; // [B·G², hidden]
  const what = tf.max(tf.reshape(h, [B, G * G, c.hidden]), 1); // [B, hidden]
  const w = tf.reshape(tf.relu(tf.add(matMul2d(h, p('wWhere') as tf.Tensor2D), p('bWhere'))), [B, G, G, c.whereChannels]);
  const span = Math.ceil(G / 3);
  const regions: tf.Tensor[] = [];
  for (let ry = 0; ry < 3; ry++) {
    for (let rx = 0; rx < 3; rx++) {
      const y0 = Math.min(ry * Math.floor(G / 3), G - span);
      const x0 = Math.min(rx * Math.floor(G / 3), G - span);
      regions.push(tf.max(tf.slice(w, [0, y0, x0, 0], [B, span, span, c.whereChannels]), [1, 2])); // [B, where]
    }
  }
  const joined = tf.concat([what, ...regions], 1) as tf.Tensor2D; // [B, hidden + 9·where]
  const features = tf.relu(tf.add(matMul2d(joined, p('w2') as tf.Tensor2D), p('b2'))) as tf.Tensor2D; // [B, features]
  const head = (wn: ParamName, bn: ParamName) => tf.add(matMul2d(features, p(wn) as tf.Tensor2D), p(bn)) as tf.Tensor2D;
  return { features, classLogits: head('wClass', 'bClass'), cellLogits: head('wCell', 'bCell'), sizeLogits: head('wSize', 'bSize') };
}

export function disposeParams(params: ShapesClassifierParams): void {
  for (const v of params.values()) v.dispose();
}

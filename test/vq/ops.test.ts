import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../models/backend';
import { Rng } from '../../models/rng';
import { conv2d, downsample, matMul2d, upsampleNearest2x } from '../../models/vq/ops';

function randn(rng: Rng, shape: number[]): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => rng.normal()), shape);
}

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

describe('VQ convolution forms', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('im2col 3×3 convolution equals tf.conv2d', () => {
    const rng = new Rng(1);
    const x = randn(rng, [2, 6, 5, 4]) as tf.Tensor4D;
    const w = randn(rng, [3, 3, 4, 7]) as tf.Tensor4D;
    const b = randn(rng, [7]) as tf.Tensor1D;
    const d = tf.tidy(() => maxAbsDiff(conv2d(x, w, b, 'native'), conv2d(x, w, b, 'im2col')));
    expect(d).toBeLessThan(1e-4);
    tf.dispose([x, w, b]);
  });

  it('im2col stride-2 downsample (pad bottom/right) equals the native one, for even and odd sides', () => {
    const rng = new Rng(2);
    for (const [h, wd] of [[8, 8], [7, 9]]) {
      const x = randn(rng, [1, h, wd, 3]) as tf.Tensor4D;
      const w = randn(rng, [3, 3, 3, 5]) as tf.Tensor4D;
      const b = randn(rng, [5]) as tf.Tensor1D;
      const [n, i] = tf.tidy(() => [downsample(x, w, b, 'native'), downsample(x, w, b, 'im2col')]);
      expect(i.shape).toEqual(n.shape);
      expect(maxAbsDiff(n, i)).toBeLessThan(1e-4);
      tf.dispose([x, w, b, n, i]);
    }
  });

  it('differentiates the im2col convolution (no Conv2DBackpropFilter needed) like the analytic gradient', () => {
    const rng = new Rng(3);
    const x = randn(rng, [1, 4, 4, 2]) as tf.Tensor4D;
    const w = randn(rng, [3, 3, 2, 3]) as tf.Tensor4D;
    const b = tf.zeros([3]) as tf.Tensor1D;
    // d/dw of sum(conv) = sum over positions of the patches: compare with a finite difference
    const f = (ww: tf.Tensor4D) => tf.sum(tf.square(conv2d(x, ww, b, 'im2col')));
    const g = tf.grad((ww: tf.Tensor) => f(ww as tf.Tensor4D))(w);
    const eps = 1e-2;
    const k = 5;
    const bump = tf.tidy(() => tf.oneHot(tf.tensor1d([k], 'int32'), w.size).toFloat().reshape(w.shape).mul(eps));
    const numeric = tf.tidy(() => (f(tf.add(w, bump) as tf.Tensor4D).dataSync()[0] - f(tf.sub(w, bump) as tf.Tensor4D).dataSync()[0]) / (2 * eps));
    expect(Math.abs(g.dataSync()[k] - numeric)).toBeLessThan(1e-2 * Math.max(1, Math.abs(numeric)));
    tf.dispose([x, w, b, g, bump]);
  });

  it('matMul2d has the gradients of a matmul', () => {
    const rng = new Rng(4);
    const a = randn(rng, [5, 3]) as tf.Tensor2D;
    const b = randn(rng, [3, 4]) as tf.Tensor2D;
    const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(matMul2d(x as tf.Tensor2D, y as tf.Tensor2D))))([a, b]);
    const [ra, rb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, y))))([a, b]);
    expect(maxAbsDiff(ga, ra)).toBeLessThan(1e-4);
    expect(maxAbsDiff(gb, rb)).toBeLessThan(1e-4);
    tf.dispose([a, b, ga, gb, ra, rb]);
  });

  it('upsamples nearest ×2', () => {
    const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const y = upsampleNearest2x(x);
    expect(Array.from(y.dataSync())).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
    tf.dispose([x, y]);
  });
});

import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../models/backend';
import { Rng } from '../../models/rng';
import { nearestCodes, quantizeStraightThrough } from '../../models/vq/quantizer';
import { sphericalKMeans } from '../../models/vq/codebookInit';

describe('quantizer', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('picks the nearest code (brute force agrees)', () => {
    const rng = new Rng(5);
    const z = Array.from({ length: 40 }, () => Array.from({ length: 4 }, () => rng.normal()));
    const e = Array.from({ length: 9 }, () => Array.from({ length: 4 }, () => rng.normal()));
    const idx = tf.tidy(() => Array.from(nearestCodes(tf.tensor2d(z), tf.tensor2d(e)).dataSync()));
    const brute = z.map((v) => {
      const d = e.map((c) => c.reduce((s, ci, i) => s + (ci - v[i]) ** 2, 0));
      return d.indexOf(Math.min(...d));
    });
    expect(idx).toEqual(brute);
  });

  it('passes gradients straight through to z and pulls the codebook towards z', () => {
    const z = tf.tensor2d([[0.9, 0.1], [0.1, 0.9], [0.8, 0.3]]);
    const e = tf.tensor2d([[1, 0], [0, 1], [-1, 0]]);
    const up = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
    const [gz, ge] = tf.grads((zz: tf.Tensor, ee: tf.Tensor) => {
      const q = quantizeStraightThrough(zz as tf.Tensor2D, ee as tf.Tensor2D, false);
      return tf.add(tf.sum(tf.mul(q.zq, up)), q.codebookLoss);
    })([z, e]);
    // zq's gradient is the upstream gradient itself (identity)
    expect(Array.from(gz.dataSync()).map((v) => +v.toFixed(5))).toEqual([1, 2, 3, 4, 5, 6]);
    // codebook loss: d/de mean((e_i − z)²) over 6 values; the unused code 2 gets none
    const g = Array.from(ge.dataSync());
    expect(g[4]).toBe(0);
    expect(g[0]).toBeCloseTo(((1 - 0.9) * 2 + (1 - 0.8) * 2) / 6, 5);
    expect(g[3]).toBeCloseTo(((1 - 0.9) * 2) / 6, 5);
    tf.dispose([z, e, up, gz, ge]);
  });

  it('spherical k-means is deterministic and finds separated directions', () => {
    const rng = new Rng(6);
    const centres = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
    const pts = new Float32Array(300 * 3);
    for (let i = 0; i < 300; i++) for (let d = 0; d < 3; d++) pts[i * 3 + d] = centres[i % 3][d] + 0.05 * rng.normal();
    const a = sphericalKMeans(pts, 3, 3, 10, new Rng(1));
    const b = sphericalKMeans(pts, 3, 3, 10, new Rng(1));
    expect(Array.from(a)).toEqual(Array.from(b));
    for (const c of centres) {
      const best = Math.max(...[0, 1, 2].map((j) => c[0] * a[j * 3] + c[1] * a[j * 3 + 1] + c[2] * a[j * 3 + 2]));
      expect(best).toBeGreaterThan(0.99);
    }
    expect(() => sphericalKMeans(pts.subarray(0, 6), 3, 3, 1, new Rng(1))).toThrow(/at least k = 3 vectors/);
  });
});

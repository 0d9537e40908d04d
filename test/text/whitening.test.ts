// The pooled-output whitening of the small text encoder: the eigen-decomposition it rests on, and
// what it does to features where one attribute has most of the variance.
import { Rng } from '../../models/rng';
import { pooledWhitening, symmetricEigen } from '../../models/text/shapes/whitening';

function covariance(rows: number[][], dim: number): Float64Array {
  const n = rows.length;
  const mean = new Float64Array(dim);
  for (const r of rows) r.forEach((x, i) => (mean[i] += x / n));
  const c = new Float64Array(dim * dim);
  for (const r of rows) for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) c[i * dim + j] += ((r[i] - mean[i]) * (r[j] - mean[j])) / (n - 1);
  return c;
}

function apply(rows: number[][], w: { weight: Float32Array; bias: Float32Array }, dim: number): number[][] {
  return rows.map((r) => Array.from({ length: dim }, (_, j) => r.reduce((s, x, i) => s + x * w.weight[i * dim + j], w.bias[j])));
}

describe('pooled-output whitening', () => {
  it('symmetricEigen: A·v = λ·v for every pair, eigenvalues descending, vectors orthonormal', () => {
    const n = 6;
    const rng = new Rng(3);
    const b = Array.from({ length: n * n }, () => rng.normal());
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) a[i * n + j] += b[i * n + k] * b[j * n + k];
    const { values, vectors } = symmetricEigen(a, n);
    for (let k = 1; k < n; k++) expect(values[k]).toBeLessThanOrEqual(values[k - 1]);
    for (let k = 0; k < n; k++) {
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let j = 0; j < n; j++) av += a[i * n + j] * vectors[j * n + k];
        expect(av).toBeCloseTo(values[k] * vectors[i * n + k], 8);
      }
      for (let l = 0; l < n; l++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += vectors[i * n + k] * vectors[i * n + l];
        expect(dot).toBeCloseTo(k === l ? 1 : 0, 10);
      }
    }
    expect(() => symmetricEigen(new Float64Array(5), 2)).toThrow(/2×2/);
  });

  it("gives a quiet attribute (a sixth of a loud one's variance) over half the loud one's, keeps noise small, zero mean and unit variance per channel", () => {
    // latent: 4 "position" directions (std 4), 4 "colour" (std 1.6) and 16 of noise (std 0.1), rotated
    // at random: the shape of the encoder's pooled features, whose variance sits in a few directions
    const dim = 24;
    const stds = [4, 4, 4, 4, 1.6, 1.6, 1.6, 1.6, ...new Array(16).fill(0.1)];
    const rng = new Rng(11);
    const mixing = new Array(dim * dim).fill(0); // orthonormal columns (Gram-Schmidt)
    for (let k = 0; k < dim; k++) {
      const v = Array.from({ length: dim }, () => rng.normal());
      for (let l = 0; l < k; l++) {
        const dot = v.reduce((s, x, i) => s + x * mixing[i * dim + l], 0);
        v.forEach((_, i) => (v[i] -= dot * mixing[i * dim + l]));
      }
      const norm = Math.hypot(...v);
      v.forEach((x, i) => (mixing[i * dim + k] = x / norm));
    }
    const rows = Array.from({ length: 6000 }, () => {
      const z = stds.map((s) => rng.normal() * s);
      return Array.from({ length: dim }, (_, i) => 5 + z.reduce((s, zk, k) => s + mixing[i * dim + k] * zk, 0));
    });
    const w = pooledWhitening(rows, dim);
    expect(w.eigenvalues[3]).toBeGreaterThan(w.eigenvalues[4] * 4);
    // output variance carried by latent direction k: |W·M·e_k|² · std_k²
    const carried = stds.map((s, k) => {
      let sq = 0;
      for (let j = 0; j < dim; j++) {
        let v = 0;
        for (let i = 0; i < dim; i++) v += mixing[i * dim + k] * w.weight[i * dim + j];
        sq += v * v;
      }
      return sq * s * s;
    });
    const loud = carried.slice(0, 4).reduce((a, b) => a + b) / 4;
    const quiet = carried.slice(4, 8).reduce((a, b) => a + b) / 4;
    const noise = Math.max(...carried.slice(8));
    expect(quiet / loud).toBeGreaterThan(0.5); // before: 1.6² / 4² = 0.16
    expect(noise / loud).toBeLessThan(0.05);
    const out = apply(rows, w, dim);
    const after = covariance(out, dim);
    for (let j = 0; j < dim; j++) expect(Math.abs(out.reduce((s, r) => s + r[j], 0) / out.length)).toBeLessThan(1e-3);
    let trace = 0;
    for (let j = 0; j < dim; j++) trace += after[j * dim + j];
    expect(trace / dim).toBeCloseTo(1, 2);
  });

  it('refuses too few rows or rows of the wrong size', () => {
    expect(() => pooledWhitening([[1, 2]], 2)).toThrow(/at least 2 rows/);
    expect(() => pooledWhitening([[1, 2], [3]], 2)).toThrow(/1 values, expected 2/);
  });
});

import { frechetDistance, traceSqrtProduct } from '../../models/metrics/frechet/frechetDistance';
import { featureStats } from '../../models/metrics/frechet/featureStats';
import { loadStats, readRawFloat32 } from '../../models/metrics/io/featureFiles';
import { symmetricEigenvalues } from '../../models/metrics/linalg/symmetricEigenvalues';
import { pivotedCholesky } from '../../models/metrics/linalg/pivotedCholesky';
import { Rng } from '../../models/rng';
import { fidCases, fidFixture, fidTolerance } from './helpers/sharedFixtures';

/** Q·diag(values)·Qᵀ with Q a product of two Householder reflections from a seeded Rng. */
function matrixWithEigenvalues(values: number[], seed: number): Float64Array {
  const n = values.length;
  const rng = new Rng(seed);
  let m = new Float64Array(n * n);
  values.forEach((v, i) => (m[i * n + i] = v));
  for (let r = 0; r < 2; r++) {
    const u = Array.from({ length: n }, () => rng.normal());
    const uu = u.reduce((a, b) => a + b * b, 0);
    // H = I − 2uuᵀ/uᵀu ; m ← H m H
    const h = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) h[i * n + j] = (i === j ? 1 : 0) - (2 * u[i] * u[j]) / uu;
    const mul = (a: Float64Array, b: Float64Array) => {
      const c = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) c[i * n + j] += a[i * n + k] * b[k * n + j];
      return c;
    };
    m = mul(mul(h, m), h);
  }
  return m;
}

describe('Fréchet distance against the shared fixtures', () => {
  const cases = fidCases().frechet;

  it.each(cases.map((c) => [c.name, c]))('%s matches pytorch-fid', (_name, c) => {
    const a = loadStats(fidFixture(c.a), c.shape_a[1]);
    const b = loadStats(fidFixture(c.b), c.shape_b[1]);
    const r = frechetDistance(a, b);
    expect(Math.abs(r.fid - c.fid)).toBeLessThanOrEqual(fidTolerance(c));
    expect(r.usedEpsilon).toBe(c.eps_path);
  });

  it.each(cases.map((c) => [c.name, c]))('%s: float64 mean and N−1 covariance match numpy', (_name, c) => {
    const s = featureStats(readRawFloat32(fidFixture(c.a), c.shape_a[1]));
    c.mu_a_first4.forEach((v, i) => expect(Math.abs(s.mean[i] - v)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(v))));
    expect(Math.abs(s.cov.data[0] - c.cov_a_00_01[0])).toBeLessThanOrEqual(1e-10 * Math.abs(c.cov_a_00_01[0]));
    expect(Math.abs(s.cov.data[1] - c.cov_a_00_01[1])).toBeLessThanOrEqual(1e-10 * Math.abs(c.cov_a_00_01[0]));
  });
});

describe('linear algebra', () => {
  it('finds the eigenvalues of a rotated diagonal matrix', () => {
    const values = [5, -2, 0.5, 3, 3, 1e-3, 7, 0];
    const eig = symmetricEigenvalues({ n: values.length, data: matrixWithEigenvalues(values, 3) });
    const sorted = [...values].sort((x, y) => x - y);
    eig.forEach((v, i) => expect(v).toBeCloseTo(sorted[i], 10));
  });

  it('pivoted Cholesky finds the rank of a singular covariance and reproduces it', () => {
    const values = [4, 2, 1, 0, 0, 0];
    const m = matrixWithEigenvalues(values, 9);
    const f = pivotedCholesky({ n: 6, data: m });
    expect(f.rank).toBe(3);
    // P A Pᵀ = Fᵀ F: entry (p, q) of the product is A[perm[p], perm[q]].
    for (let p = 0; p < 6; p++) {
      for (let q = 0; q < 6; q++) {
        let s = 0;
        for (let k = 0; k < f.rank; k++) s += f.rows[k * 6 + p] * f.rows[k * 6 + q];
        expect(s).toBeCloseTo(m[f.perm[p] * 6 + f.perm[q]], 10);
      }
    }
    for (let k = 0; k < f.rank; k++) for (let j = 0; j < k; j++) expect(f.rows[k * 6 + j]).toBe(0);
  });

  it('tr sqrtm(Σ₁Σ₂) of commuting matrices is Σ √(λᵢμᵢ)', () => {
    const s1 = [1, 4, 9, 0.25];
    const s2 = [16, 1, 4, 4];
    const diag = (v: number[]) => {
      const d = new Float64Array(16);
      v.forEach((x, i) => (d[i * 4 + i] = x));
      return { n: 4, data: d };
    };
    const t = traceSqrtProduct(diag(s1), diag(s2));
    expect(t.trace).toBeCloseTo(s1.reduce((a, x, i) => a + Math.sqrt(x * s2[i]), 0), 12);
  });

  it('rejects a covariance that is not positive semi-definite (imaginary square root)', () => {
    const eye = { dim: 3, count: 0, mean: new Float64Array(3), cov: { n: 3, data: Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]) } };
    const neg = { ...eye, cov: { n: 3, data: Float64Array.from([-1, 0, 0, 0, -1, 0, 0, 0, -1]) } };
    expect(() => frechetDistance(eye, neg)).toThrow(/imaginary component/);
  });

  it('names both sizes when the feature dimensions differ', () => {
    const a = featureStats({ count: 3, dim: 2, data: Float32Array.from([1, 2, 3, 4, 5, 7]) });
    const b = featureStats({ count: 3, dim: 3, data: Float32Array.from([1, 2, 3, 4, 5, 7, 1, 1, 2]) });
    expect(() => frechetDistance(a, b)).toThrow(/2 vs 3/);
  });
});

// Mean and covariance of a feature set in float64, as numpy's `np.mean(x, 0)` and
// `np.cov(x, rowvar=False)` give them (two passes: centre, then Xcᵀ·Xc / (N−1)).
import { SquareMatrix } from '../linalg/symmetricEigenvalues';

/** Features: N rows of D values, row-major. */
export interface FeatureSet {
  count: number;
  dim: number;
  data: Float32Array | Float64Array; // [N, D]
}

/** Gaussian statistics of a feature set (what pytorch-fid stores as mu / sigma). */
export interface FeatureStats {
  dim: number;
  count: number;
  mean: Float64Array; // [D]
  cov: SquareMatrix; // [D, D]
}

export function checkFeatureSet(f: FeatureSet, what: string): void {
  if (!Number.isInteger(f.count) || !Number.isInteger(f.dim) || f.dim < 1 || f.data.length !== f.count * f.dim) {
    throw new Error(`${what}: expected features [N, D] with N*D values, got N=${f.count}, D=${f.dim} and ${f.data.length} values`);
  }
}

const CHUNK = 512;

export function featureStats(f: FeatureSet): FeatureStats {
  checkFeatureSet(f, 'featureStats');
  const { count: N, dim: D, data } = f;
  if (N < 2) throw new Error(`featureStats: need at least 2 feature vectors for a covariance, got ${N}`);
  const mean = new Float64Array(D);
  for (let r = 0; r < N; r++) {
    const o = r * D;
    for (let j = 0; j < D; j++) mean[j] += data[o + j];
  }
  for (let j = 0; j < D; j++) mean[j] /= N;
  const cov = new Float64Array(D * D);
  // Chunks of rows, transposed to [D, chunk] so that each covariance entry is a contiguous dot product.
  const t = new Float64Array(D * CHUNK);
  for (let r0 = 0; r0 < N; r0 += CHUNK) {
    const rows = Math.min(CHUNK, N - r0);
    for (let r = 0; r < rows; r++) {
      const o = (r0 + r) * D;
      for (let j = 0; j < D; j++) t[j * CHUNK + r] = data[o + j] - mean[j];
    }
    accumulateLowerGram(t, D, CHUNK, rows, cov);
  }
  const scale = 1 / (N - 1);
  for (let i = 0; i < D; i++) {
    for (let j = 0; j <= i; j++) {
      const v = cov[i * D + j] * scale;
      cov[i * D + j] = v;
      cov[j * D + i] = v;
    }
  }
  return { dim: D, count: N, mean, cov: { n: D, data: cov } };
}

/** cov[i, j] += Σ_r t[i, r]·t[j, r] for j <= i, with 2×2 register blocks. t is [D, stride]. */
function accumulateLowerGram(t: Float64Array, D: number, stride: number, rows: number, cov: Float64Array): void {
  for (let i = 0; i < D; i += 2) {
    const i1 = Math.min(i + 1, D - 1);
    const a0 = i * stride;
    const a1 = i1 * stride;
    for (let j = 0; j <= i1; j += 2) {
      const j1 = Math.min(j + 1, D - 1);
      const b0 = j * stride;
      const b1 = j1 * stride;
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0;
      for (let r = 0; r < rows; r++) {
        const x0 = t[a0 + r], x1 = t[a1 + r], y0 = t[b0 + r], y1 = t[b1 + r];
        s00 += x0 * y0;
        s01 += x0 * y1;
        s10 += x1 * y0;
        s11 += x1 * y1;
      }
      if (j <= i) cov[i * D + j] += s00;
      if (j1 <= i && j1 !== j) cov[i * D + j1] += s01;
      if (i1 !== i) {
        cov[i1 * D + j] += s10;
        if (j1 !== j) cov[i1 * D + j1] += s11;
      }
    }
  }
}

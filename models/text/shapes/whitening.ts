// The small encoder's pooled output whitening: out = (pooled − mean) · W, W = V·diag(g/√(λ+ε))·Vᵀ
// from the eigen-decomposition of the pooled features' covariance over many captions. What the
// captions vary in then has about equal variance (in the bundled encoder, the caption's cell took
// 73 % of the variance, colour 15 %, shape 11 %); ε (half the mean eigenvalue) keeps directions the
// captions barely move from being blown up; g scales the result to unit variance per channel. Pure.

/** Eigenvalues (descending) and unit eigenvectors (columns of `vectors`, row-major n×n) of a symmetric matrix, by cyclic Jacobi rotations. */
export function symmetricEigen(matrix: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  if (matrix.length !== n * n) throw new Error(`symmetricEigen: expected ${n}×${n} values, got ${matrix.length}`);
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j * n + j] - a[i * n + i]);
  const values = Float64Array.from(order, (i) => a[i * n + i]);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src];
  });
  return { values, vectors };
}

export interface Whitening {
  /** [D, D], applied as x · weight (stored [in, out], symmetric) */
  weight: Float32Array;
  /** [D] */
  bias: Float32Array;
  /** covariance eigenvalues before whitening, descending */
  eigenvalues: number[];
}

/** Whitening of `rows` (N vectors of dimension D): zero mean and unit mean variance per channel after it. */
export function pooledWhitening(rows: ArrayLike<number>[], dim: number, epsilonScale = 0.5): Whitening {
  const N = rows.length;
  if (N < 2) throw new Error(`pooledWhitening: needs at least 2 rows, got ${N}`);
  const mean = new Float64Array(dim);
  for (const r of rows) {
    if (r.length !== dim) throw new Error(`pooledWhitening: a row has ${r.length} values, expected ${dim}`);
    for (let i = 0; i < dim; i++) mean[i] += r[i] / N;
  }
  const cov = new Float64Array(dim * dim);
  for (const r of rows) {
    for (let i = 0; i < dim; i++) {
      const di = r[i] - mean[i];
      for (let j = i; j < dim; j++) cov[i * dim + j] += (di * (r[j] - mean[j])) / (N - 1);
    }
  }
  for (let i = 0; i < dim; i++) for (let j = 0; j < i; j++) cov[i * dim + j] = cov[j * dim + i];
  const { values, vectors } = symmetricEigen(cov, dim);
  const trace = values.reduce((s, x) => s + Math.max(0, x), 0);
  const eps = (epsilonScale * trace) / dim;
  const scaleOf = Array.from(values, (l) => 1 / Math.sqrt(Math.max(0, l) + eps));
  // variance after whitening: Σ λ/(λ+ε); g makes it `dim` (unit per channel on average)
  const after = values.reduce((s, l, k) => s + Math.max(0, l) * scaleOf[k] ** 2, 0);
  const g = Math.sqrt(dim / after);
  const weight = new Float32Array(dim * dim);
  for (let i = 0; i < dim; i++) {
    for (let j = 0; j < dim; j++) {
      let s = 0;
      for (let k = 0; k < dim; k++) s += vectors[i * dim + k] * scaleOf[k] * vectors[j * dim + k];
      weight[i * dim + j] = g * s;
    }
  }
  const bias = new Float32Array(dim);
  for (let j = 0; j < dim; j++) {
    let s = 0;
    for (let i = 0; i < dim; i++) s += mean[i] * weight[i * dim + j];
    bias[j] = -s;
  }
  return { weight, bias, eigenvalues: Array.from(values) };
}

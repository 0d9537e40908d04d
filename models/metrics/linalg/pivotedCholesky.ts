// Pivoted Cholesky of a symmetric positive semi-definite matrix (right-looking, as LAPACK's
// dpstf2): at each step the largest remaining diagonal becomes the pivot, and the factorisation
// stops when it falls below `tolerance` (the numerical rank). This is how a singular covariance
// (fewer samples than dimensions) is factored without failing.
//   P·A·Pᵀ ≈ Fᵀ·F,  F [rank, n] upper trapezoidal (row k is zero before column k),
//   in pivot order: column p of F belongs to original index perm[p].
import { SquareMatrix, checkSquare } from './symmetricEigenvalues';

export interface LowRankFactor {
  /** Number of rows kept (the numerical rank). */
  rank: number;
  n: number;
  /** F [rank, n], row-major, columns in pivot order. */
  rows: Float64Array;
  /** perm[p] = original index of pivot-order position p. */
  perm: Int32Array;
}

/** Default tolerance: n · ε · max diagonal (LAPACK dpstrf's default). */
export function defaultPivotTolerance(m: SquareMatrix): number {
  let maxDiag = 0;
  for (let i = 0; i < m.n; i++) maxDiag = Math.max(maxDiag, m.data[i * m.n + i]);
  return m.n * Number.EPSILON * maxDiag;
}

/** Swaps index i and j of the symmetric matrix w (full storage). */
function symmetricSwap(w: Float64Array, n: number, i: number, j: number): void {
  if (i === j) return;
  for (let c = 0; c < n; c++) {
    const t = w[i * n + c];
    w[i * n + c] = w[j * n + c];
    w[j * n + c] = t;
  }
  for (let r = 0; r < n; r++) {
    const t = w[r * n + i];
    w[r * n + i] = w[r * n + j];
    w[r * n + j] = t;
  }
}

export function pivotedCholesky(m: SquareMatrix, tolerance = defaultPivotTolerance(m)): LowRankFactor {
  checkSquare(m, 'pivotedCholesky');
  const n = m.n;
  const w = Float64Array.from(m.data); // the trailing Schur complement lives in rows/cols k..n-1 (kept symmetric)
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  let rank = 0;
  for (; rank < n; rank++) {
    const k = rank;
    let p = k;
    for (let i = k + 1; i < n; i++) if (w[i * n + i] > w[p * n + p]) p = i;
    const pivot = w[p * n + p];
    if (!(pivot > tolerance)) break;
    symmetricSwap(w, n, k, p);
    const t = perm[k];
    perm[k] = perm[p];
    perm[p] = t;
    // Row k of F: w[k, k..n-1] / sqrt(pivot); then the Schur update of the trailing block
    // (both triangles, so that later symmetric swaps read current values).
    const root = Math.sqrt(pivot);
    const rk = k * n;
    w[rk + k] = root;
    for (let j = k + 1; j < n; j++) w[rk + j] /= root;
    for (let i = k + 1; i < n; i++) {
      const f = w[rk + i];
      if (f === 0) continue;
      const ri = i * n;
      for (let j = k + 1; j < n; j++) w[ri + j] -= f * w[rk + j];
    }
  }
  const rows = new Float64Array(rank * n);
  for (let k = 0; k < rank; k++) for (let j = k; j < n; j++) rows[k * n + j] = w[k * n + j];
  return { rank, n, rows, perm };
}

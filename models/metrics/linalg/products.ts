// Dense float64 products used by the Fréchet distance, written for row-major memory order.
import { SquareMatrix } from './symmetricEigenvalues';
import { LowRankFactor } from './pivotedCholesky';

/** S with rows and columns in pivot order: Sp[p, q] = S[perm[p], perm[q]]. */
function permuteSymmetric(s: SquareMatrix, perm: Int32Array): Float64Array {
  const n = s.n;
  const out = new Float64Array(n * n);
  for (let p = 0; p < n; p++) {
    const src = perm[p] * n;
    const dst = p * n;
    for (let q = 0; q < n; q++) out[dst + q] = s.data[src + perm[q]];
  }
  return out;
}

/**
 * C = F · (P S Pᵀ) · Fᵀ for the pivoted factor F [r, n] (upper trapezoidal) and a symmetric S:
 * an [r, r] symmetric matrix with the eigenvalues of Σ₁·S when Σ₁ = Pᵀ Fᵀ F P.
 * T = F·Sp is formed four rows at a time, skipping F's leading zeros.
 */
export function congruence(f: LowRankFactor, s: SquareMatrix): SquareMatrix {
  const { rank: r, n } = f;
  if (s.n !== n) throw new Error(`congruence: factor has ${n} columns but the matrix is [${s.n}, ${s.n}]`);
  const F = f.rows;
  const S = permuteSymmetric(s, f.perm);
  const T = new Float64Array(r * n);
  let i = 0;
  for (; i + 4 <= r; i += 4) {
    const o0 = i * n, o1 = o0 + n, o2 = o1 + n, o3 = o2 + n;
    for (let k = i; k < n; k++) {
      const a0 = F[o0 + k], a1 = F[o1 + k], a2 = F[o2 + k], a3 = F[o3 + k]; // zero where k < row
      const sk = k * n;
      for (let j = 0; j < n; j++) {
        const v = S[sk + j];
        T[o0 + j] += a0 * v;
        T[o1 + j] += a1 * v;
        T[o2 + j] += a2 * v;
        T[o3 + j] += a3 * v;
      }
    }
  }
  for (; i < r; i++) {
    const o = i * n;
    for (let k = i; k < n; k++) {
      const a = F[o + k];
      const sk = k * n;
      for (let j = 0; j < n; j++) T[o + j] += a * S[sk + j];
    }
  }
  // C[a, b] = T_a · F_b (F_b is zero before column b), for b <= a, mirrored.
  const C = new Float64Array(r * r);
  for (let a = 0; a < r; a++) {
    const ta = a * n;
    for (let b = 0; b <= a; b++) {
      const fb = b * n;
      let acc = 0;
      for (let k = b; k < n; k++) acc += T[ta + k] * F[fb + k];
      C[a * r + b] = acc;
      C[b * r + a] = acc;
    }
  }
  return { n: r, data: C };
}

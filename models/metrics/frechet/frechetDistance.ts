// The Fréchet distance between two Gaussians, as pytorch-fid computes it:
//   d² = |μ₁ − μ₂|² + tr Σ₁ + tr Σ₂ − 2·tr sqrtm(Σ₁Σ₂)
// pytorch-fid takes scipy's `sqrtm` of the (non-symmetric) product. For positive semi-definite
// Σ₁, Σ₂ the eigenvalues of Σ₁Σ₂ are those of F·Σ₂·Fᵀ, where Σ₁ = FᵀF (pivoted Cholesky, which
// also handles singular Σ₁), so tr sqrtm(Σ₁Σ₂) = Σ √λᵢ(F Σ₂ Fᵀ) — a symmetric eigenvalue problem.
// As in pytorch-fid: if the result is not finite, ε·I is added to both covariances; a square
// root with an imaginary part above 1e-3 (a covariance that is not PSD) is an error.
import { SquareMatrix, symmetricEigenvalues } from '../linalg/symmetricEigenvalues';
import { pivotedCholesky } from '../linalg/pivotedCholesky';
import { congruence } from '../linalg/products';
import { FeatureStats } from './featureStats';

export interface TraceSqrt {
  /** Real part of tr sqrtm(Σ₁Σ₂). */
  trace: number;
  /** Largest imaginary part among the eigenvalue square roots (from negative eigenvalues). */
  imaginary: number;
  /** Numerical rank of Σ₁ used in the factorisation. */
  rank: number;
}

export interface FrechetResult {
  fid: number;
  /** True when the ε·I fallback was used. */
  usedEpsilon: boolean;
  traceSqrt: number;
}

export function traceSqrtProduct(s1: SquareMatrix, s2: SquareMatrix): TraceSqrt {
  if (s1.n !== s2.n) throw new Error(`traceSqrtProduct: covariances differ in size, [${s1.n}, ${s1.n}] vs [${s2.n}, ${s2.n}]`);
  const factor = pivotedCholesky(s1);
  if (factor.rank === 0) return { trace: 0, imaginary: 0, rank: 0 };
  const eig = symmetricEigenvalues(congruence(factor, s2));
  let trace = 0;
  let imaginary = 0;
  for (const l of eig) {
    if (l >= 0) trace += Math.sqrt(l);
    else imaginary = Math.max(imaginary, Math.sqrt(-l));
  }
  return { trace, imaginary, rank: factor.rank };
}

function traceOf(m: SquareMatrix): number {
  let t = 0;
  for (let i = 0; i < m.n; i++) t += m.data[i * m.n + i];
  return t;
}

function withDiagonalOffset(m: SquareMatrix, eps: number): SquareMatrix {
  const data = Float64Array.from(m.data);
  for (let i = 0; i < m.n; i++) data[i * m.n + i] += eps;
  return { n: m.n, data };
}

function checkStats(s: FeatureStats, what: string): void {
  if (s.mean.length !== s.dim || s.cov.n !== s.dim || s.cov.data.length !== s.dim * s.dim) {
    throw new Error(`${what}: expected mean [${s.dim}] and covariance [${s.dim}, ${s.dim}], got mean [${s.mean.length}] and covariance [${s.cov.n}, ${s.cov.n}] with ${s.cov.data.length} values`);
  }
}

function safeTraceSqrt(s1: SquareMatrix, s2: SquareMatrix): TraceSqrt | null {
  try {
    const t = traceSqrtProduct(s1, s2);
    return Number.isFinite(t.trace) ? t : null;
  } catch {
    return null; // no convergence: treated like scipy's non-finite result
  }
}

export function frechetDistance(a: FeatureStats, b: FeatureStats, eps = 1e-6): FrechetResult {
  checkStats(a, 'frechetDistance (first set)');
  checkStats(b, 'frechetDistance (second set)');
  if (a.dim !== b.dim) throw new Error(`frechetDistance: feature dimensions differ, ${a.dim} vs ${b.dim}`);
  let usedEpsilon = false;
  let t = safeTraceSqrt(a.cov, b.cov);
  if (!t) {
    usedEpsilon = true;
    t = safeTraceSqrt(withDiagonalOffset(a.cov, eps), withDiagonalOffset(b.cov, eps));
    if (!t) throw new Error('frechetDistance: tr sqrtm(Σ₁Σ₂) is not finite even with the ε·I offset (non-finite statistics?)');
  }
  if (t.imaginary > 1e-3) throw new Error(`frechetDistance: imaginary component ${t.imaginary} (a covariance is not positive semi-definite)`);
  let diff2 = 0;
  for (let i = 0; i < a.dim; i++) {
    const d = a.mean[i] - b.mean[i];
    diff2 += d * d;
  }
  const fid = diff2 + traceOf(a.cov) + traceOf(b.cov) - 2 * t.trace;
  return { fid, usedEpsilon, traceSqrt: t.trace };
}

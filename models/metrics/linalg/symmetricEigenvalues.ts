// Eigenvalues of a real symmetric matrix, in float64: Householder reduction to tridiagonal form
// (working on the lower triangle, row by row so that memory is read contiguously), then the
// implicit QL iteration with Wilkinson shifts on the tridiagonal matrix. Eigenvectors are never
// formed, which keeps the cost at about (4/3)·n³ flops.

/** A square float64 matrix, row-major. */
export interface SquareMatrix {
  n: number;
  data: Float64Array; // [n, n]
}

export function checkSquare(m: SquareMatrix, what: string): void {
  if (!Number.isInteger(m.n) || m.n < 1 || m.data.length !== m.n * m.n) {
    throw new Error(`${what}: expected an [n, n] matrix with n*n values, got n=${m.n} and ${m.data.length} values`);
  }
}

/**
 * Reduces the symmetric matrix (only its lower triangle is read; `a` is overwritten) to a
 * tridiagonal matrix with diagonal `d` [n] and sub-diagonal `e` [n-1].
 */
export function tridiagonalize(a: Float64Array, n: number): { d: Float64Array; e: Float64Array } {
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(n - 1, 0));
  const v = new Float64Array(n);
  const p = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    d[k] = a[k * n + k];
    // x = A[k+1:n, k] (column k below the diagonal; lower triangle, so read a[i*n + k]).
    let sigma = 0;
    for (let i = k + 1; i < n; i++) {
      const x = a[i * n + k];
      v[i] = x;
      sigma += x * x;
    }
    const alpha = v[k + 1];
    if (sigma - alpha * alpha === 0) {
      e[k] = alpha; // already in tridiagonal form for this column
      continue;
    }
    const norm = Math.sqrt(sigma);
    const beta = alpha <= 0 ? norm : -norm;
    // v = x - beta·e1 scaled so that v[k+1] = 1; H = I - tau v vᵀ maps x to beta·e1.
    const v0 = alpha - beta;
    const tau = (beta - alpha) / beta;
    for (let i = k + 2; i < n; i++) v[i] /= v0;
    v[k + 1] = 1;
    e[k] = beta;
    // p = tau · S v, where S = A[k+1:, k+1:] is stored as its lower triangle.
    for (let i = k + 1; i < n; i++) p[i] = 0;
    for (let i = k + 1; i < n; i++) {
      const row = i * n;
      const vi = v[i];
      let acc = 0;
      for (let j = k + 1; j < i; j++) {
        const s = a[row + j];
        acc += s * v[j];
        p[j] += s * vi;
      }
      p[i] += acc + a[row + i] * vi;
    }
    let pv = 0;
    for (let i = k + 1; i < n; i++) {
      p[i] *= tau;
      pv += p[i] * v[i];
    }
    // w = p - (tau/2)(pᵀv) v ; S -= v wᵀ + w vᵀ (lower triangle only).
    const half = 0.5 * tau * pv;
    for (let i = k + 1; i < n; i++) p[i] -= half * v[i];
    for (let i = k + 1; i < n; i++) {
      const row = i * n;
      const vi = v[i];
      const wi = p[i];
      for (let j = k + 1; j <= i; j++) a[row + j] -= vi * p[j] + wi * v[j];
    }
  }
  if (n >= 2) {
    d[n - 2] = a[(n - 2) * n + (n - 2)];
    e[n - 2] = a[(n - 1) * n + (n - 2)];
  }
  d[n - 1] = a[(n - 1) * n + (n - 1)];
  return { d, e };
}

/**
 * Eigenvalues of the symmetric tridiagonal matrix (diagonal d [n], sub-diagonal e [n-1]) by the
 * implicit QL method. Returns them in ascending order. Throws if an eigenvalue does not converge.
 */
export function tridiagonalEigenvalues(dIn: Float64Array, eIn: Float64Array, maxIterations = 60): Float64Array {
  const n = dIn.length;
  const d = Float64Array.from(dIn);
  const e = new Float64Array(n);
  e.set(eIn.subarray(0, n - 1));
  for (let l = 0; l < n; l++) {
    let iter = 0;
    for (;;) {
      // Find a negligible sub-diagonal element e[m] to split the matrix.
      let m = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
        if (Math.abs(e[m]) <= Number.EPSILON * dd) break;
      }
      if (m === l) break;
      if (++iter > maxIterations) throw new Error(`symmetric eigenvalues: no convergence for eigenvalue ${l} after ${maxIterations} iterations`);
      // Wilkinson shift from the leading 2×2 block.
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = Math.hypot(g, 1);
      g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = m - 1;
      for (; i >= l; i--) {
        const f = s * e[i];
        const b = c * e[i];
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          // Underflow: deflate and restart this eigenvalue.
          d[i + 1] -= p;
          e[m] = 0;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
      }
      if (r === 0 && i >= l) continue;
      d[l] -= p;
      e[l] = g;
      e[m] = 0;
    }
  }
  return d.sort();
}

/** All eigenvalues (ascending) of a symmetric matrix; only the lower triangle is read. */
export function symmetricEigenvalues(m: SquareMatrix): Float64Array {
  checkSquare(m, 'symmetricEigenvalues');
  const { d, e } = tridiagonalize(Float64Array.from(m.data), m.n);
  return tridiagonalEigenvalues(d, e);
}

// A ridge-regression linear probe (one-hot targets, argmax readout) and cosine distance, for
// checking what pooled text features encode.

/** Solves (XᵀX + λI)·W = XᵀY by Gaussian elimination; X [n, d] gets a bias column. */
export function fitProbe(x: Float32Array[], labels: number[], classes: number, lambda = 1e-2): (f: Float32Array) => number {
  const d = x[0].length + 1;
  const a = Array.from({ length: d }, () => new Float64Array(d + classes));
  x.forEach((row, n) => {
    const r = [...row, 1];
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) a[i][j] += r[i] * r[j];
      a[i][d + labels[n]] += r[i];
    }
  });
  for (let i = 0; i < d; i++) a[i][i] += lambda;
  for (let c = 0; c < d; c++) {
    let p = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(a[r][c]) > Math.abs(a[p][c])) p = r;
    [a[c], a[p]] = [a[p], a[c]];
    for (let r = 0; r < d; r++) {
      if (r === c) continue;
      const f = a[r][c] / a[c][c];
      if (f !== 0) for (let k = c; k < d + classes; k++) a[r][k] -= f * a[c][k];
    }
  }
  const w = a.map((row, i) => Array.from({ length: classes }, (_, k) => row[d + k] / a[i][i]));
  return (f) => {
    const r = [...f, 1];
    let best = 0;
    let bestScore = -Infinity;
    for (let k = 0; k < classes; k++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += r[i] * w[i][k];
      if (s > bestScore) {
        bestScore = s;
        best = k;
      }
    }
    return best;
  };
}

export function accuracy(predict: (f: Float32Array) => number, x: Float32Array[], labels: number[]): number {
  return x.filter((f, i) => predict(f) === labels[i]).length / x.length;
}

export function cosineDistance(a: Float32Array, b: Float32Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return 1 - ab / Math.sqrt(aa * bb);
}


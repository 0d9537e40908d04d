// Inception Score from classifier logits: IS = exp(E_x KL(p(y|x) ‖ p(y))), computed on `splits`
// consecutive parts of N/splits samples each (remainder dropped, as in the reference code);
// reported as the mean and (population) standard deviation over the splits.

export interface InceptionScore {
  mean: number;
  std: number;
  splits: number;
}

/** Softmax of logits [N, K] in float64. */
export function softmaxRows(logits: Float32Array | Float64Array, count: number, classes: number): Float64Array {
  if (logits.length !== count * classes) throw new Error(`softmaxRows: expected [${count}, ${classes}] = ${count * classes} logits, got ${logits.length}`);
  const p = new Float64Array(count * classes);
  for (let i = 0; i < count; i++) {
    const o = i * classes;
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[o + c]);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += p[o + c] = Math.exp(logits[o + c] - max);
    for (let c = 0; c < classes; c++) p[o + c] /= sum;
  }
  return p;
}

export function inceptionScore(logits: Float32Array | Float64Array, count: number, classes: number, splits = 10): InceptionScore {
  if (!Number.isInteger(splits) || splits < 1 || count < splits) throw new Error(`inceptionScore: need at least one sample per split, got ${count} samples and ${splits} splits`);
  const p = softmaxRows(logits, count, classes);
  const part = Math.floor(count / splits);
  const scores: number[] = [];
  for (let s = 0; s < splits; s++) {
    const marginal = new Float64Array(classes);
    for (let i = s * part; i < (s + 1) * part; i++) for (let c = 0; c < classes; c++) marginal[c] += p[i * classes + c] / part;
    let kl = 0;
    for (let i = s * part; i < (s + 1) * part; i++) {
      for (let c = 0; c < classes; c++) {
        const q = p[i * classes + c];
        if (q > 0) kl += q * (Math.log(q) - Math.log(marginal[c]));
      }
    }
    scores.push(Math.exp(kl / part));
  }
  const mean = scores.reduce((a, b) => a + b, 0) / splits;
  const std = Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / splits);
  return { mean, std, splits };
}

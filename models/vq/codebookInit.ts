// Codebook initialisation and upkeep on the host: spherical k-means (k-means++ seeding) over
// L2-normalised encoder outputs, and re-seeding of codes the encoder stopped choosing.
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../rng';

function normalizeRows(v: Float32Array, dim: number): Float32Array {
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i += dim) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += v[i + d] * v[i + d];
    const inv = 1 / Math.max(Math.sqrt(s), 1e-12);
    for (let d = 0; d < dim; d++) out[i + d] = v[i + d] * inv;
  }
  return out;
}

/** Spherical k-means: `vectors` [N, dim] → k unit centroids [k, dim]. Deterministic given rng. */
export function sphericalKMeans(vectors: Float32Array, dim: number, k: number, iterations: number, rng: Rng): Float32Array {
  const n = vectors.length / dim;
  if (!Number.isInteger(n) || n < k) throw new Error(`k-means needs at least k = ${k} vectors of dimension ${dim}, got ${vectors.length / dim}`);
  const x = normalizeRows(vectors, dim);
  const c = new Float32Array(k * dim);
  // k-means++ seeding with distance 1 − cos
  const best = new Float64Array(n).fill(Infinity);
  let pick = rng.int(n);
  for (let j = 0; j < k; j++) {
    c.set(x.subarray(pick * dim, pick * dim + dim), j * dim);
    let total = 0;
    for (let i = 0; i < n; i++) {
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += x[i * dim + d] * c[j * dim + d];
      best[i] = Math.min(best[i], Math.max(0, 1 - dot));
      total += best[i];
    }
    let r = rng.next() * total;
    pick = n - 1;
    for (let i = 0; i < n; i++) if ((r -= best[i]) <= 0) { pick = i; break; }
  }
  const assign = new Int32Array(n);
  for (let it = 0; it < iterations; it++) {
    for (let i = 0; i < n; i++) assign[i] = nearestRow(x, i, c, k, dim);
    const sums = new Float64Array(k * dim);
    const counts = new Int32Array(k);
    for (let i = 0; i < n; i++) {
      counts[assign[i]]++;
      for (let d = 0; d < dim; d++) sums[assign[i] * dim + d] += x[i * dim + d];
    }
    for (let j = 0; j < k; j++) {
      if (!counts[j]) {
        const r = rng.int(n); // empty cluster: re-seed on a random vector
        c.set(x.subarray(r * dim, r * dim + dim), j * dim);
        continue;
      }
      for (let d = 0; d < dim; d++) c[j * dim + d] = sums[j * dim + d];
    }
    c.set(normalizeRows(c, dim));
  }
  return c;
}

function nearestRow(x: Float32Array, i: number, c: Float32Array, k: number, dim: number): number {
  let best = -Infinity, arg = 0;
  for (let j = 0; j < k; j++) {
    let dot = 0;
    for (let d = 0; d < dim; d++) dot += x[i * dim + d] * c[j * dim + d];
    if (dot > best) { best = dot; arg = j; }
  }
  return arg;
}

/** Overwrites the codebook variable [K, dim] with host values. */
export function setCodebook(codebook: tf.Variable, values: Float32Array): void {
  if (values.length !== codebook.size) throw new Error(`codebook has ${codebook.size} values ([${codebook.shape}]), got ${values.length}`);
  tf.tidy(() => codebook.assign(tf.tensor(values, codebook.shape)));
}

/**
 * Re-seeds every code with zero count onto a random recent latent (normalised). Returns how
 * many codes were re-seeded. `latents` [N, dim] host values; `counts` per code.
 */
export function reseedDeadCodes(codebook: tf.Variable, counts: ArrayLike<number>, latents: Float32Array, rng: Rng): number {
  const [k, dim] = codebook.shape;
  const n = latents.length / dim;
  const values = Float32Array.from(codebook.dataSync() as Float32Array);
  const unit = normalizeRows(latents, dim);
  let dead = 0;
  for (let j = 0; j < k; j++) {
    if (counts[j] > 0) continue;
    const r = rng.int(n);
    for (let d = 0; d < dim; d++) values[j * dim + d] = unit[r * dim + d] + 0.01 * rng.normal();
    dead++;
  }
  if (dead) setCodebook(codebook, values);
  return dead;
}

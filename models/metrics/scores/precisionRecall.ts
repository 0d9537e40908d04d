// Improved precision and recall (Kynkäänniemi et al. 2019): each set's manifold is the union of
// balls around its points with radius = distance to the point's k-th nearest neighbour in the
// same set (k = 3). Precision = fraction of generated points inside the real manifold; recall =
// fraction of real points inside the generated manifold. Distances in float64.
import { FeatureSet, checkFeatureSet } from '../frechet/featureStats';

export interface PrecisionRecall {
  precision: number;
  recall: number;
  k: number;
}

/** Squared distances between every row of a [Na, D] and b [Nb, D]: [Na, Nb]. */
function squaredDistances(a: FeatureSet, b: FeatureSet): Float64Array {
  const D = a.dim;
  const out = new Float64Array(a.count * b.count);
  for (let i = 0; i < a.count; i++) {
    const ai = i * D;
    for (let j = 0; j < b.count; j++) {
      const bj = j * D;
      let s = 0;
      for (let k = 0; k < D; k++) {
        const d = a.data[ai + k] - b.data[bj + k];
        s += d * d;
      }
      out[i * b.count + j] = s;
    }
  }
  return out;
}

/** Squared distance from each point to its k-th nearest other point in the same set. */
export function kthNeighbourRadii(set: FeatureSet, k: number): Float64Array {
  if (set.count <= k) throw new Error(`k-NN radii: need more than k=${k} points, got ${set.count}`);
  const d = squaredDistances(set, set);
  const radii = new Float64Array(set.count);
  const row = new Float64Array(set.count - 1);
  for (let i = 0; i < set.count; i++) {
    let w = 0;
    for (let j = 0; j < set.count; j++) if (j !== i) row[w++] = d[i * set.count + j];
    row.sort();
    radii[i] = row[k - 1];
  }
  return radii;
}

/** Fraction of `query` points within the radius of at least one `manifold` point. */
function coverage(manifold: FeatureSet, radii: Float64Array, query: FeatureSet): number {
  const d = squaredDistances(query, manifold);
  let inside = 0;
  for (let q = 0; q < query.count; q++) {
    for (let m = 0; m < manifold.count; m++) {
      if (d[q * manifold.count + m] <= radii[m]) {
        inside++;
        break;
      }
    }
  }
  return inside / query.count;
}

export function precisionRecall(real: FeatureSet, generated: FeatureSet, k = 3): PrecisionRecall {
  checkFeatureSet(real, 'precisionRecall (real)');
  checkFeatureSet(generated, 'precisionRecall (generated)');
  if (real.dim !== generated.dim) throw new Error(`precisionRecall: feature dimensions differ, real ${real.dim} vs generated ${generated.dim}`);
  const precision = coverage(real, kthNeighbourRadii(real, k), generated);
  const recall = coverage(generated, kthNeighbourRadii(generated, k), real);
  return { precision, recall, k };
}

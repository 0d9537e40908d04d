import { inceptionScore } from '../../models/metrics/scores/inceptionScore';
import { kthNeighbourRadii, precisionRecall } from '../../models/metrics/scores/precisionRecall';
import { Rng } from '../../models/rng';

function cloud(n: number, centre: number[], spread: number, rng: Rng) {
  const dim = centre.length;
  return { count: n, dim, data: Float32Array.from({ length: n * dim }, (_, i) => centre[i % dim] + rng.normal() * spread) };
}

describe('Inception Score', () => {
  it('is 1 when every prediction is the same distribution', () => {
    const logits = new Float32Array(40 * 4).fill(0.3);
    const s = inceptionScore(logits, 40, 4, 4);
    expect(s.mean).toBeCloseTo(1, 12);
    expect(s.std).toBeCloseTo(0, 12);
  });

  it('approaches the number of classes for confident, evenly spread predictions', () => {
    const K = 5;
    const logits = new Float32Array(50 * K);
    for (let i = 0; i < 50; i++) logits[i * K + (i % K)] = 30;
    const s = inceptionScore(logits, 50, K, 5);
    expect(s.mean).toBeGreaterThan(K - 1e-6);
    expect(s.mean).toBeLessThanOrEqual(K + 1e-9);
  });

  it('uses N/splits samples per split and reports their spread', () => {
    const rng = new Rng(2);
    const logits = Float32Array.from({ length: 100 * 3 }, () => rng.normal() * 3);
    const s = inceptionScore(logits, 100, 3, 10);
    expect(s.splits).toBe(10);
    expect(s.std).toBeGreaterThan(0);
    expect(() => inceptionScore(logits, 100, 3, 101)).toThrow(/100 samples and 101 splits/);
  });
});

describe('k-NN precision and recall', () => {
  it('radii are the distance to the k-th other point', () => {
    const pts = { count: 5, dim: 1, data: Float32Array.from([0, 1, 3, 6, 10]) };
    expect(Array.from(kthNeighbourRadii(pts, 2))).toEqual([9, 4, 9, 16, 49]); // squared
  });

  it('is 1 / 1 for the same distribution', () => {
    const rng = new Rng(4);
    const pr = precisionRecall(cloud(300, [0, 0, 0], 1, rng), cloud(300, [0, 0, 0], 1, rng));
    expect(pr.k).toBe(3);
    expect(pr.precision).toBeGreaterThan(0.9);
    expect(pr.recall).toBeGreaterThan(0.9);
  });

  it('separates mode dropping (low recall) from off-manifold samples (low precision)', () => {
    const rng = new Rng(6);
    const a = cloud(150, [0, 0], 0.3, rng);
    const b = cloud(150, [10, 0], 0.3, rng);
    const real = { count: 300, dim: 2, data: Float32Array.from([...a.data, ...b.data]) };
    const oneMode = cloud(300, [0, 0], 0.3, rng);
    const dropped = precisionRecall(real, oneMode);
    expect(dropped.precision).toBeGreaterThan(0.9);
    expect(dropped.recall).toBeLessThan(0.6);
    const far = cloud(300, [0, 50], 0.3, rng);
    expect(precisionRecall(real, far).precision).toBe(0);
  });
});

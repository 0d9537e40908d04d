// Pure orderings: ring sizes, pass counts, coverage, parents, head refusal, masks.
import {
  CONDITION,
  headsNeeded,
  neighborOrdering,
  neighborPassCount,
  neighborRings,
  OrderingError,
  par4xOrdering,
  proximityMask,
  rasterOrdering,
  resolveSeed,
  unflatten,
  withConditionPadding,
  type Direction,
  type TokenOrdering,
} from '../../models/nar/ordering';

const corner2d: Direction[] = [
  { axis: 1, sign: 1 },
  { axis: 0, sign: 1 },
];
const all2d: Direction[] = [...corner2d, { axis: 1, sign: -1 }, { axis: 0, sign: -1 }];
const corner3d: Direction[] = [
  { axis: 2, sign: 1 },
  { axis: 1, sign: 1 },
  { axis: 0, sign: 1 },
];

function expectEveryTokenOnce(o: TokenOrdering, n: number) {
  const seen = new Array(n).fill(0);
  for (const s of o.steps) for (const q of s) seen[q]++;
  expect(seen.every((c) => c === 1)).toBe(true);
}

function manhattan(a: number[], b: number[]) {
  return a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0);
}

describe('neighbour ordering', () => {
  it('16×16 from the corner takes 31 passes with rings 1,2,…,16,…,1', () => {
    const o = neighborOrdering([16, 16], 'corner', corner2d);
    expect(o.steps.length).toBe(31);
    expect(o.steps.map((s) => s.length)).toEqual([...Array.from({ length: 16 }, (_, i) => i + 1), ...Array.from({ length: 15 }, (_, i) => 15 - i)]);
    expectEveryTokenOnce(o, 256);
  });

  it('16×16 from the centre takes 17 passes (about half) and needs all four heads', () => {
    expect(neighborPassCount([16, 16], resolveSeed([16, 16], 'center'))).toBe(17);
    const o = neighborOrdering([16, 16], 'center', all2d);
    expect(o.steps.length).toBe(17);
    expectEveryTokenOnce(o, 256);
    expect(headsNeeded([16, 16], [8, 8])).toHaveLength(4);
  });

  it('4×16×16 video from the corner takes 34 passes (T+H+W−2)', () => {
    const o = neighborOrdering([4, 16, 16], 'corner', corner3d);
    expect(o.steps.length).toBe(34);
    expectEveryTokenOnce(o, 1024);
  });

  it.each([
    [[16, 16], 'corner', corner2d],
    [[16, 16], 'center', all2d],
    [[5, 7], [2, 6], all2d],
    [[4, 6, 5], 'corner', corner3d],
  ] as const)('parents of every token on %j from %j are exactly one ring closer', (grid, seed, heads) => {
    const o = neighborOrdering(grid as unknown as number[], seed as never, heads as unknown as Direction[]);
    const s = resolveSeed(grid as unknown as number[], seed as never);
    o.steps.forEach((ring, k) => {
      for (const q of ring) {
        const qc = unflatten(q, grid as unknown as number[]);
        expect(manhattan(qc, s)).toBe(k);
        for (const l of o.parents(q)) {
          if (k === 0) expect(l.source).toBe(CONDITION);
          else {
            const pc = unflatten(l.source, grid as unknown as number[]);
            expect(manhattan(pc, s)).toBe(k - 1);
            expect(manhattan(pc, qc)).toBe(1);
            const h = heads[l.head];
            expect(qc[h.axis] - pc[h.axis]).toBe(h.sign);
          }
        }
      }
    });
  });

  it('a corner token has one parent, an interior token one per axis', () => {
    const o = neighborOrdering([4, 4], 'corner', corner2d);
    expect(o.parents(1)).toEqual([{ source: 0, head: 0 }]);
    expect(o.parents(5).map((l) => l.source).sort()).toEqual([1, 4]);
    expect(o.parents(0)).toHaveLength(2);
  });

  it('refuses a seed whose directions the model has no head for, naming them', () => {
    expect(() => neighborOrdering([16, 16], 'center', corner2d)).toThrow(OrderingError);
    expect(() => neighborOrdering([16, 16], 'center', corner2d)).toThrow(/axis 1 -, axis 0 -|axis 0 -/);
    expect(() => neighborOrdering([16, 16], [3, 40], corner2d)).toThrow(/outside 0..15/);
  });

  it('ring sizes agree with a direct count of Manhattan distances', () => {
    const rings = neighborRings([3, 5], [1, 2]);
    const counts = new Array(rings.length).fill(0);
    for (let h = 0; h < 3; h++) for (let w = 0; w < 5; w++) counts[Math.abs(h - 1) + Math.abs(w - 2)]++;
    expect(rings.map((r) => r.length)).toEqual(counts);
    expect(rings.length).toBe(neighborPassCount([3, 5], [1, 2]));
  });
});

describe('baseline orderings', () => {
  it('raster takes H·W passes with each token read from its predecessor', () => {
    const o = rasterOrdering([16, 16]);
    expect(o.steps.length).toBe(256);
    expect(o.parents(0)).toEqual([{ source: CONDITION, head: 0 }]);
    expect(o.parents(17)).toEqual([{ source: 16, head: 0 }]);
  });

  it('PAR-4X takes H·W/4 + 3 passes (67 for 16×16), every token once', () => {
    const o = par4xOrdering([16, 16]);
    expect(o.steps.length).toBe(67);
    expectEveryTokenOnce(o, 256);
    expect(o.steps[10]).toHaveLength(4);
    for (const s of o.steps) for (const q of s) for (const l of o.parents(q)) if (l.source !== CONDITION) expect(o.rank[l.source]).toBeLessThan(o.rank[q]);
  });
});

describe('proximity mask', () => {
  it('grid tokens see the condition and every token of their ring or closer; condition is causal', () => {
    const o = neighborOrdering([3, 3], 'corner', corner2d);
    const C = 2;
    const S = C + 9;
    const m = proximityMask(o, C);
    expect([m[0 * S + 0], m[0 * S + 1], m[1 * S + 0], m[1 * S + 1]]).toEqual([1, 0, 1, 1]);
    // token (0,1) = 1 at ring 1 sees (1,0) = 3 (same ring) but not (1,1) = 4 (ring 2)
    expect(m[(C + 1) * S + C + 3]).toBe(1);
    expect(m[(C + 1) * S + C + 4]).toBe(0);
    expect(m[(C + 8) * S + 0]).toBe(1);
  });

  it('raster ranks give the causal mask', () => {
    const m = proximityMask(rasterOrdering([2, 2]), 1);
    const S = 5;
    for (let i = 0; i < S; i++) for (let j = 0; j < S; j++) expect(m[i * S + j]).toBe(j <= i ? 1 : 0);
  });

  it('padding hides condition keys from every query except themselves', () => {
    const o = rasterOrdering([1, 2]);
    const S = 5;
    const m = withConditionPadding(proximityMask(o, 3), S, [0, 1, 1]);
    expect(m[0]).toBe(1);
    expect(m[1 * S + 0]).toBe(0);
    expect(m[4 * S + 0]).toBe(0);
    expect(m[4 * S + 1]).toBe(1);
  });
});

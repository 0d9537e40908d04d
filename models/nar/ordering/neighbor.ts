// Neighbour (Manhattan-ring) ordering for D-axis grids and any seed position.
import { CONDITION, OrderingError, flatten, gridSize, ranksFromSteps, unflatten, type ParentLink, type TokenOrdering } from './types';

export interface Direction {
  axis: number;
  sign: 1 | -1;
}

/** 'corner' = the origin (published models); 'center' = floor(size/2) on every axis; or coordinates. */
export type SeedSpec = 'corner' | 'center' | number[];

export function resolveSeed(grid: readonly number[], seed: SeedSpec): number[] {
  if (seed === 'corner') return grid.map(() => 0);
  if (seed === 'center') return grid.map((g) => Math.floor(g / 2));
  if (!Array.isArray(seed) || seed.length !== grid.length) {
    throw new OrderingError(`seed position must have ${grid.length} coordinates for grid ${JSON.stringify(grid)}, got ${JSON.stringify(seed)}`);
  }
  seed.forEach((v, a) => {
    if (!Number.isInteger(v) || v < 0 || v >= grid[a]) {
      throw new OrderingError(`seed coordinate ${a} = ${v} is outside 0..${grid[a] - 1} of grid ${JSON.stringify(grid)}`);
    }
  });
  return [...seed];
}

/**
 * A seed position from text: 'corner', 'center' (or 'centre'), or integer coordinates "r,c"
 * (images) / "t,r,c" (videos) inside `grid`. Throws an OrderingError naming what was expected.
 */
export function parseSeedSpec(text: string, grid: readonly number[]): SeedSpec {
  const t = text.trim().toLowerCase();
  if (t === '' || t === 'corner') return 'corner';
  if (t === 'center' || t === 'centre') return 'center';
  const coords = t.split(/[\s,]+/).filter(Boolean).map(Number);
  const example = grid.length === 3 ? '"t,r,c" such as "0,2,2"' : '"r,c" such as "4,4"';
  if (coords.some((c) => !Number.isInteger(c))) throw new OrderingError(`'${text}' is not 'corner', 'center' or integer coordinates ${example}`);
  if (coords.length !== grid.length) {
    throw new OrderingError(`'${text}' has ${coords.length} coordinates; the model's grid [${grid.join('×')}] needs ${grid.length} (${example})`);
  }
  coords.forEach((c, a) => {
    if (c < 0 || c >= grid[a]) throw new OrderingError(`'${text}': coordinate ${a} = ${c} is outside 0..${grid[a] - 1} of the grid [${grid.join('×')}]`);
  });
  return coords;
}

/** Manhattan distance of every token from the seed, in raster order. */
export function distances(grid: readonly number[], seed: readonly number[]): Int32Array {
  const n = gridSize(grid);
  const d = new Int32Array(n);
  for (let q = 0; q < n; q++) {
    const c = unflatten(q, grid);
    let s = 0;
    for (let a = 0; a < grid.length; a++) s += Math.abs(c[a] - seed[a]);
    d[q] = s;
  }
  return d;
}

/** Rings: rings[k] = flat indices (raster order) at distance k from the seed. */
export function neighborRings(grid: readonly number[], seed: readonly number[]): Int32Array[] {
  const d = distances(grid, seed);
  let maxD = 0;
  for (const v of d) maxD = Math.max(maxD, v);
  const buckets: number[][] = Array.from({ length: maxD + 1 }, () => []);
  d.forEach((v, q) => buckets[v].push(q));
  return buckets.map((b) => Int32Array.from(b));
}

/** Forward passes for a seed: 1 (prefill) + the largest distance. */
export function neighborPassCount(grid: readonly number[], seed: readonly number[]): number {
  let maxD = 0;
  for (let a = 0; a < grid.length; a++) maxD += Math.max(seed[a], grid[a] - 1 - seed[a]);
  return maxD + 1;
}

/** Directions the rings expand in from this seed (each needs a head). */
export function headsNeeded(grid: readonly number[], seed: readonly number[]): Direction[] {
  const out: Direction[] = [];
  for (let a = 0; a < grid.length; a++) {
    if (seed[a] < grid[a] - 1) out.push({ axis: a, sign: 1 });
    if (seed[a] > 0) out.push({ axis: a, sign: -1 });
  }
  return out;
}

/** Parent coordinates of q (one per axis where q differs from the seed), each one ring closer. */
export function neighborParents(q: readonly number[], seed: readonly number[]): Array<{ coords: number[]; direction: Direction }> {
  const out: Array<{ coords: number[]; direction: Direction }> = [];
  for (let a = 0; a < q.length; a++) {
    if (q[a] === seed[a]) continue;
    const sign = q[a] > seed[a] ? 1 : -1;
    const p = [...q];
    p[a] -= sign;
    out.push({ coords: p, direction: { axis: a, sign } });
  }
  return out;
}

/**
 * The neighbour ordering for a model whose heads point in `heads` directions (config.heads order).
 * Throws when the seed expands in a direction the model has no head for.
 */
export function neighborOrdering(grid: readonly number[], seedSpec: SeedSpec, heads: readonly Direction[]): TokenOrdering {
  const seed = resolveSeed(grid, seedSpec);
  const headIndex = (d: Direction) => heads.findIndex((h) => h.axis === d.axis && h.sign === d.sign);
  const missing = headsNeeded(grid, seed).filter((d) => headIndex(d) < 0);
  if (missing.length) {
    const fmt = (d: Direction) => `axis ${d.axis} ${d.sign > 0 ? '+' : '-'}`;
    throw new OrderingError(
      `seed ${JSON.stringify(seed)} on grid ${JSON.stringify(grid)} expands in ${missing.map(fmt).join(', ')}, ` +
        `but the model only has heads for ${heads.map(fmt).join(', ') || 'nothing'}; use a seed the heads cover (e.g. 'corner')`,
    );
  }
  const steps = neighborRings(grid, seed);
  const n = gridSize(grid);
  const rank = ranksFromSteps(steps, n);
  const seedIdx = flatten(seed, grid);
  const allHeads: ParentLink[] = heads.map((_, i) => ({ source: CONDITION, head: i }));
  const links: ParentLink[][] = [];
  for (let q = 0; q < n; q++) {
    links.push(
      q === seedIdx
        ? allHeads
        : neighborParents(unflatten(q, grid), seed).map((p) => ({ source: flatten(p.coords, grid), head: headIndex(p.direction) })),
    );
  }
  return { kind: 'neighbor', grid: [...grid], steps, rank, parents: (q) => links[q] };
}

// The ordering interface: which grid tokens are sampled at which pass, and which head outputs
// (at which already-known positions) are averaged into each token's logits. Neighbour rings,
// raster next-token and PAR-4X are strategies behind this one interface.

/** `source` value meaning "the last condition position" (where the first token is read from). */
export const CONDITION = -1;

export interface ParentLink {
  /** flat raster index of the parent grid token, or CONDITION */
  source: number;
  /** index into config.heads */
  head: number;
}

export type OrderingKind = 'neighbor' | 'raster' | 'par4x';

export interface TokenOrdering {
  readonly kind: OrderingKind;
  readonly grid: readonly number[];
  /** steps[k]: flat raster indices sampled at pass k (pass 0 = prefill); every token exactly once */
  readonly steps: readonly Int32Array[];
  /** rank[q]: the pass at which token q is sampled */
  readonly rank: Int32Array;
  /** logits of q = mean over these links of head(link.head) evaluated at link.source */
  parents(q: number): readonly ParentLink[];
}

export class OrderingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OrderingError';
  }
}

/** Flat raster index → coordinates (last axis fastest). */
export function unflatten(index: number, grid: readonly number[]): number[] {
  const out = new Array<number>(grid.length);
  let r = index;
  for (let a = grid.length - 1; a >= 0; a--) {
    out[a] = r % grid[a];
    r = Math.floor(r / grid[a]);
  }
  return out;
}

/** Coordinates → flat raster index. */
export function flatten(coords: readonly number[], grid: readonly number[]): number {
  let idx = 0;
  for (let a = 0; a < grid.length; a++) idx = idx * grid[a] + coords[a];
  return idx;
}

export function gridSize(grid: readonly number[]): number {
  return grid.reduce((a, b) => a * b, 1);
}

/** rank array from steps, checking that every token appears exactly once. */
export function ranksFromSteps(steps: readonly Int32Array[], n: number): Int32Array {
  const rank = new Int32Array(n).fill(-1);
  steps.forEach((s, k) => {
    for (const q of s) {
      if (q < 0 || q >= n) throw new OrderingError(`ordering step ${k} holds position ${q} outside the grid of ${n} tokens`);
      if (rank[q] !== -1) throw new OrderingError(`ordering samples position ${q} twice (steps ${rank[q]} and ${k})`);
      rank[q] = k;
    }
  });
  const missing = rank.indexOf(-1);
  if (missing !== -1) throw new OrderingError(`ordering never samples position ${missing}`);
  return rank;
}

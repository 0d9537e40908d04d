// Baseline orderings behind the same interface: raster next-token AR (LlamaGen) and PAR-4X
// (four quadrants decoded in parallel after their first tokens). Both use one "next token" head.
import { CONDITION, OrderingError, flatten, gridSize, ranksFromSteps, type ParentLink, type TokenOrdering } from './types';

function fromChain(kind: TokenOrdering['kind'], grid: readonly number[], steps: Int32Array[], previous: Int32Array): TokenOrdering {
  const rank = ranksFromSteps(steps, gridSize(grid));
  return {
    kind,
    grid: [...grid],
    steps,
    rank,
    parents: (q): ParentLink[] => [{ source: previous[q], head: 0 }],
  };
}

/** One token per pass in raster order; token q is read from the head at q−1 (the condition for q = 0). */
export function rasterOrdering(grid: readonly number[]): TokenOrdering {
  const n = gridSize(grid);
  const steps = Array.from({ length: n }, (_, q) => Int32Array.of(q));
  const previous = Int32Array.from({ length: n }, (_, q) => (q === 0 ? CONDITION : q - 1));
  return fromChain('raster', grid, steps, previous);
}

/**
 * PAR-4X on a 2-axis grid with even sides: the grid is split into 2×2 quadrants, each scanned in
 * raster order. Passes 0–3 sample the first token of quadrants 0–3 one at a time; pass 3+i samples
 * token i of all four quadrants at once. Passes = H·W/4 + 3.
 */
export function par4xOrdering(grid: readonly number[]): TokenOrdering {
  if (grid.length !== 2 || grid[0] % 2 || grid[1] % 2) {
    throw new OrderingError(`PAR-4X needs a 2-axis grid with even sides, got ${JSON.stringify(grid)}`);
  }
  const [H, W] = grid;
  const h2 = H / 2;
  const w2 = W / 2;
  const perRegion = h2 * w2;
  const at = (region: number, i: number) => flatten([Math.floor(region / 2) * h2 + Math.floor(i / w2), (region % 2) * w2 + (i % w2)], grid);
  const steps: Int32Array[] = [];
  const previous = new Int32Array(H * W);
  for (let r = 0; r < 4; r++) {
    steps.push(Int32Array.of(at(r, 0)));
    previous[at(r, 0)] = r === 0 ? CONDITION : at(r - 1, 0);
  }
  for (let i = 1; i < perRegion; i++) {
    steps.push(Int32Array.from([0, 1, 2, 3], (r) => at(r, i)));
    for (let r = 0; r < 4; r++) previous[at(r, i)] = at(r, i - 1);
  }
  return fromChain('par4x', grid, steps, previous);
}

// Pure host-side tables for the NAR step graph: RoPE rows, attention biases, grid coordinates.
import type { NarConfig } from '../../nar/config';

/** Additive bias for a hidden key (finite, so a row of hidden keys never produces NaN). */
export const HIDDEN = -1e9;

/** Grid coordinates of a flat raster index (last axis fastest). */
export function gridCoords(grid: readonly number[], flat: number): number[] {
  const out = new Array<number>(grid.length);
  let rest = flat;
  for (let a = grid.length - 1; a >= 0; a--) {
    out[a] = rest % grid[a];
    rest = Math.floor(rest / grid[a]);
  }
  return out;
}

/**
 * RoPE rows for the step graph: cos and sin, each [S, headDim/2], one value per element pair.
 * head_dim is split into one equal part per grid axis; inside a part of size `part`, pair i
 * (elements 2i, 2i+1) turns by coord·base^(−2i/part). Position −1 is a condition position:
 * cos = sin = 0, which zeroes its q and k (as the published checkpoints were trained).
 */
export function ropeRows(c: NarConfig, positions: ArrayLike<number>): { cos: Float32Array; sin: Float32Array } {
  const hd = c.headDim;
  const pairs = hd / 2;
  const part = hd / c.grid.length;
  const S = positions.length;
  const cos = new Float32Array(S * pairs);
  const sin = new Float32Array(S * pairs);
  for (let s = 0; s < S; s++) {
    const p = positions[s];
    if (p < 0) continue;
    const coords = gridCoords(c.grid, p);
    for (let e = 0; e < hd; e += 2) {
      const axis = Math.floor(e / part);
      const i = (e % part) >> 1;
      const angle = coords[axis] * Math.pow(c.ropeBase, (-2 * i) / part);
      cos[s * pairs + e / 2] = Math.cos(angle);
      sin[s * pairs + e / 2] = Math.sin(angle);
    }
  }
  return { cos, sin };
}

/**
 * Prefill bias among the C condition positions, [B, 1, C, C]: causal, and a padded key
 * (condMask 0) is hidden from every query except itself.
 */
export function prefillBias(batch: number, C: number, condMask?: Float32Array): Float32Array {
  const out = new Float32Array(batch * C * C);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < C; i++) {
      for (let j = 0; j < C; j++) {
        const valid = !condMask || condMask[b * C + j] !== 0 || i === j;
        out[(b * C + i) * C + j] = j <= i && valid ? 0 : HIDDEN;
      }
    }
  }
  return out;
}

/**
 * Full-sequence bias (training layout, §3 of the spec) for condition + all grid tokens, [B, 1, L, L]:
 * condition causal among itself; grid token q sees every condition position and every grid token
 * p with distance(p) ≤ distance(q). `distance` is indexed by flat grid position.
 */
export function fullSequenceBias(batch: number, C: number, distance: ArrayLike<number>, condMask?: Float32Array): Float32Array {
  const N = distance.length;
  const L = C + N;
  const out = new Float32Array(batch * L * L);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < L; i++) {
      for (let j = 0; j < L; j++) {
        let visible: boolean;
        if (j < C) visible = (i >= C || j <= i) && (!condMask || condMask[b * C + j] !== 0 || i === j);
        else visible = i >= C && distance[j - C] <= distance[i - C];
        out[(b * L + i) * L + j] = visible ? 0 : HIDDEN;
      }
    }
  }
  return out;
}

// Attention masks as pure functions (1 = may attend, 0 = hidden), sequence = condition positions
// then grid tokens in raster order.
import type { TokenOrdering } from './types';

/**
 * [S, S] with S = condLen + N: condition positions attend causally among themselves; grid token q
 * attends to every condition position and to every grid token p sampled no later than q
 * (rank[p] <= rank[q]: its own ring included). Raster ranks give the causal mask.
 */
export function proximityMask(ordering: TokenOrdering, condLen: number): Uint8Array {
  const n = ordering.rank.length;
  const S = condLen + n;
  const m = new Uint8Array(S * S);
  for (let i = 0; i < condLen; i++) for (let j = 0; j <= i; j++) m[i * S + j] = 1;
  const rank = ordering.rank;
  for (let q = 0; q < n; q++) {
    const row = (condLen + q) * S;
    for (let j = 0; j < condLen; j++) m[row + j] = 1;
    for (let p = 0; p < n; p++) if (rank[p] <= rank[q]) m[row + condLen + p] = 1;
  }
  return m;
}

/**
 * Applies condition padding for one batch row: condition key j with condValid[j] = 0 is hidden from
 * every query, except that every position always attends to itself. Returns a new mask.
 */
export function withConditionPadding(mask: Uint8Array, S: number, condValid: ArrayLike<number>): Uint8Array {
  const out = Uint8Array.from(mask);
  for (let j = 0; j < condValid.length; j++) {
    if (condValid[j]) continue;
    for (let i = 0; i < S; i++) out[i * S + j] = 0;
  }
  for (let i = 0; i < S; i++) out[i * S + i] = 1;
  return out;
}

// Rotary position tables as pure functions. For a D-axis grid, head_dim is split into D equal parts;
// part a rotates with coordinate a (D = 2: first half rows, second half columns — the published
// 2D RoPE). In a part of size p, pair i has frequency base^(−2i/p). Pairs are adjacent elements
// (x[2j], x[2j+1]) → (x0·cos − x1·sin, x1·cos + x0·sin). Condition positions have cos = sin = 0.

export interface RopeTable {
  /** [S, headDim]: cos of each pair's angle, repeated for both elements of the pair */
  cos: Float32Array;
  sin: Float32Array;
  rows: number;
  headDim: number;
}

/** Angle frequencies per pair for one axis part of size `part`. */
export function axisFrequencies(part: number, base: number): Float64Array {
  const f = new Float64Array(part / 2);
  // float32 like the published torch code: base ** (arange(0, part, 2) / part)
  for (let i = 0; i < part / 2; i++) f[i] = Math.fround(1 / Math.fround(Math.pow(base, Math.fround((2 * i) / part))));
  return f;
}

/**
 * Table for `coords` (one entry per sequence row: grid coordinates, or null for a condition position).
 */
export function ropeTable(coords: ReadonlyArray<readonly number[] | null>, headDim: number, base: number, axes: number): RopeTable {
  const part = headDim / axes;
  if (!Number.isInteger(part) || part % 2) throw new Error(`RoPE: headDim ${headDim} cannot be split into ${axes} even parts`);
  const freqs = axisFrequencies(part, base);
  const S = coords.length;
  const cos = new Float32Array(S * headDim);
  const sin = new Float32Array(S * headDim);
  coords.forEach((c, s) => {
    if (!c) return;
    for (let a = 0; a < axes; a++) {
      for (let i = 0; i < part / 2; i++) {
        const angle = Math.fround(c[a] * freqs[i]);
        const j = s * headDim + a * part + 2 * i;
        cos[j] = cos[j + 1] = Math.cos(angle);
        sin[j] = sin[j + 1] = Math.sin(angle);
      }
    }
  });
  return { cos, sin, rows: S, headDim };
}

/** [headDim, headDim] matrix R with (x·R)[2j] = −x[2j+1], (x·R)[2j+1] = x[2j]. */
export function rotateHalfMatrix(headDim: number): Float32Array {
  const m = new Float32Array(headDim * headDim);
  for (let j = 0; j < headDim / 2; j++) {
    m[(2 * j + 1) * headDim + 2 * j] = -1;
    m[2 * j * headDim + 2 * j + 1] = 1;
  }
  return m;
}

// Inpainting / outpainting for the NAR sampler: the tokens to keep (init_tokens, e.g. a Tokenizer
// Encode of a picture) and a pixel MASK of what to regenerate become the sampler's fixed tokens.
import type { MaskBatch } from '../../models/image/types';
import type { FixedTokens, NarConfig } from '../../models/nar';
import { NodeInputError } from '../../server/engine/nodeApi';
import type { TokenGrid } from './values';

export interface KeepPlan {
  fixed: FixedTokens;
  /** tokens kept over all samples */
  kept: number;
  /** tokens regenerated over all samples */
  regenerated: number;
  /** regenerated tokens sampled before any kept token of their image, so they cannot see it */
  blind: number;
  /** a video model given fewer frames than it makes: how many leading frames were given */
  frames?: number;
}

/**
 * The token grid [h, w] (the last two axes of `grid`) a pixel mask regenerates: a token is
 * regenerated when any pixel of its cell is at least 0.5. One row of h·w values per mask image.
 */
export function tokenMask(mask: MaskBatch, grid: readonly number[]): Uint8Array {
  const [h, w] = grid.slice(-2);
  const { height: H, width: W } = mask;
  if (H < h || W < w) throw new NodeInputError(`the mask is ${W}×${H} pixels, smaller than the token grid ${w}×${h}: make it the image's size`);
  const out = new Uint8Array(mask.batch * h * w);
  for (let b = 0; b < mask.batch; b++) {
    for (let y = 0; y < H; y++) {
      const r = Math.floor((y * h) / H);
      for (let x = 0; x < W; x++) {
        if (mask.data[(b * H + y) * W + x] >= 0.5) out[b * h * w + r * w + Math.floor((x * w) / W)] = 1;
      }
    }
  }
  return out;
}

/**
 * How many leading frames of the model's grid init_tokens give: every frame when the grids match;
 * for a video model, a picture's grid ([h, w]) gives the first frame and a shorter clip its frames
 * (image-to-video, video continuation).
 */
export function keptFrames(init: TokenGrid, config: NarConfig): number {
  const model = config.grid;
  const same = init.grid.join('×') === model.join('×');
  if (same) return model.length === 3 ? model[0] : 1;
  const plane = model.slice(-2).join('×');
  if (model.length === 3 && init.grid.slice(-2).join('×') === plane && init.grid.length <= 3) {
    const frames = init.grid.length === 2 ? 1 : init.grid[0];
    if (frames <= model[0]) return frames;
    throw new NodeInputError(`init_tokens hold ${frames} frames but the model samples ${model[0]}: keep at most ${model[0]} (Load Video's frame_load_cap, or Video Frames)`);
  }
  const want = model.length === 3 ? `[${model.join('×')}] clips, or up to ${model[0]} frames of [${plane}] (the first frames to keep)` : `[${model.join('×')}] grids`;
  throw new NodeInputError(`init_tokens are [${init.grid.join('×')}] grids but the model samples ${want}: encode pictures of the size the model makes`);
}

/**
 * The fixed tokens for `samples` images: init_tokens (one grid for all, or one per sample) kept
 * wherever the mask (one for all, or one per sample; every given frame of a video) does not mark
 * them. A video model given fewer frames than it makes keeps those first frames and regenerates the
 * rest; there the mask may be left out (keep every given token). `rank` is the decoding order's
 * pass of each position.
 */
export function keepPlan(init: TokenGrid, mask: MaskBatch | undefined, config: NarConfig, samples: number, rank: Int32Array): KeepPlan {
  const frames = keptFrames(init, config);
  const total = config.grid.length === 3 ? config.grid[0] : 1;
  if (!mask && frames === total) throw new NodeInputError('init_tokens are linked but no mask: link a MASK that marks (with 1) what to regenerate');
  if (init.batch !== 1 && init.batch !== samples) throw new NodeInputError(`init_tokens hold ${init.batch} grids; the sampler makes ${samples} images: give one grid for all, or one per image`);
  if (mask && mask.batch !== 1 && mask.batch !== samples) throw new NodeInputError(`the mask holds ${mask.batch} masks; the sampler makes ${samples} images: give one mask for all, or one per image`);
  const N = config.numTokens;
  const plane = config.grid.slice(-2).reduce((a, b) => a * b, 1);
  const given = frames * plane;
  const regen = mask ? tokenMask(mask, config.grid) : new Uint8Array(plane);
  const tokens = new Int32Array(samples * N);
  const keep = new Uint8Array(samples * N);
  let kept = 0;
  let blind = 0;
  for (let s = 0; s < samples; s++) {
    const m = (mask && mask.batch !== 1 ? s : 0) * plane;
    const src = (init.batch === 1 ? 0 : s) * given;
    let firstKept = Infinity;
    for (let q = 0; q < given; q++) {
      const t = init.tokens[src + q];
      if (regen[m + (q % plane)]) continue;
      if (t < 0 || t >= config.vocabSize) {
        throw new NodeInputError(`init_tokens hold code ${t} but the model samples codes 0..${config.vocabSize - 1}: encode with the tokenizer the model was trained with`);
      }
      tokens[s * N + q] = t;
      keep[s * N + q] = 1;
      kept++;
      firstKept = Math.min(firstKept, rank[q]);
    }
    for (let q = 0; q < N; q++) if (!keep[s * N + q] && rank[q] < firstKept) blind++;
  }
  return { fixed: { tokens, keep }, kept, regenerated: samples * N - kept, blind, frames: frames < total ? frames : undefined };
}

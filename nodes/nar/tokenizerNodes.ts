// TokenizerEncode (IMAGE or VIDEO → TOKENS) and TokenizerDecode (TOKENS → IMAGE for 2-axis grids,
// VIDEO for 3-axis grids, frame by frame).
import type { ImageBatch, VideoBatch } from '../../models/image/types';
import { nestCodes, type CodeGrid } from '../../models/vq/tokenizer';
import { decodeVideo, encodeVideo } from '../../models/vq/video';
import { defineNode, NodeInputError } from '../../server/engine/nodeApi';
import { asTokenizer, asTokens, type TokenGrid } from './values';

function flatCodes(codes: unknown[], perItem: number): Int32Array {
  const flat = (codes as unknown[]).flat(3) as number[];
  if (flat.length !== codes.length * perItem) throw new Error(`tokenizer returned ${flat.length} codes, expected ${codes.length} × ${perItem}`);
  return Int32Array.from(flat);
}

export const TokenizerEncode = defineNode({
  type: 'TokenizerEncode',
  displayName: 'Tokenizer Encode',
  category: 'NAR/tokenizer',
  description: 'Images → token grids [h, w]; videos → [T, h, w] (each frame on its own). Image sides must be multiples of the tokenizer\'s patch size.',
  inputs: {
    tokenizer: { type: 'TOKENIZER', kind: 'link' },
    images: { type: 'IMAGE', kind: 'link', optional: true },
    videos: { type: 'VIDEO', kind: 'link', optional: true },
  },
  outputs: [{ name: 'TOKENS', type: 'TOKENS' }],
  async execute(inputs) {
    const { tokenizer } = asTokenizer(inputs.tokenizer);
    const images = inputs.images as ImageBatch | undefined;
    const videos = inputs.videos as VideoBatch | undefined;
    if (!!images === !!videos) throw new NodeInputError(`link exactly one of 'images' and 'videos' (got ${images ? 'both' : 'neither'})`);
    let grid: TokenGrid;
    try {
      if (images) {
        const { h, w } = tokenizer.grid(images.height, images.width);
        grid = { grid: [h, w], batch: images.batch, tokens: flatCodes(tokenizer.encode(images), h * w), vocabSize: tokenizer.codebookSize };
      } else {
        const v = videos!;
        const { h, w } = tokenizer.grid(v.height, v.width);
        grid = { grid: [v.frames, h, w], batch: v.batch, tokens: flatCodes(encodeVideo(tokenizer, v), v.frames * h * w), vocabSize: tokenizer.codebookSize };
      }
    } catch (e) {
      if (e instanceof NodeInputError) throw e;
      throw new NodeInputError(`cannot encode: ${(e as Error).message}`);
    }
    return { outputs: [grid] };
  },
});

/**
 * Most pixel values (batch × height × width × 3 floats, 1 GiB) one decode makes. The tokenizer
 * decodes in chunks, so the limit is the host memory of the result, not the tfjs heap.
 */
export const MAX_DECODED_VALUES = 2 ** 28;

function checkDecodedSize(t: TokenGrid, downsample: number): void {
  const [h, w] = t.grid.slice(-2);
  const pictures = t.batch * (t.grid.length === 3 ? t.grid[0] : 1);
  const values = pictures * h * downsample * w * downsample * 3;
  if (values > MAX_DECODED_VALUES) {
    throw new NodeInputError(
      `decoding ${pictures} picture(s) of ${w * downsample}×${h * downsample} would make ${values.toLocaleString('en')} pixel values, ` +
        `more than the ${MAX_DECODED_VALUES.toLocaleString('en')} (1 GiB) one decode makes: decode fewer samples at a time`,
    );
  }
}

/** Splits flat [B, N] tokens into per-item code grids ([B][h][w], or [B][T][h][w] for videos). */
export function codeGrids(t: TokenGrid): CodeGrid | CodeGrid[] {
  const [h, w] = t.grid.slice(-2);
  if (t.grid.length === 2) return nestCodes(t.tokens, t.batch, h, w);
  const frames = t.grid[0];
  const all = nestCodes(t.tokens, t.batch * frames, h, w);
  return Array.from({ length: t.batch }, (_, b) => all.slice(b * frames, (b + 1) * frames));
}

export const TokenizerDecode = defineNode({
  type: 'TokenizerDecode',
  displayName: 'Tokenizer Decode',
  category: 'NAR/tokenizer',
  description: 'Token grids → pictures: [h, w] grids give IMAGE; [T, h, w] grids give a VIDEO (IMAGE holds all frames in a row per video).',
  inputs: {
    tokenizer: { type: 'TOKENIZER', kind: 'link' },
    tokens: { type: 'TOKENS', kind: 'link' },
    fps: { type: 'FLOAT', default: 8, min: 0.5, max: 60, step: 0.5, tooltip: 'frame rate of decoded videos' },
  },
  outputs: [
    { name: 'IMAGE', type: 'IMAGE' },
    { name: 'VIDEO', type: 'VIDEO' },
  ],
  async execute(inputs) {
    const { tokenizer } = asTokenizer(inputs.tokenizer);
    const t = asTokens(inputs.tokens);
    if (t.grid.length !== 2 && t.grid.length !== 3) throw new NodeInputError(`tokens must be [h, w] or [T, h, w] grids, got [${t.grid.join(', ')}]`);
    if (t.vocabSize > tokenizer.codebookSize) {
      throw new NodeInputError(`tokens index ${t.vocabSize} codes but the tokenizer has ${tokenizer.codebookSize}: decode with the tokenizer the model was trained with`);
    }
    checkDecodedSize(t, tokenizer.downsample);
    try {
      if (t.grid.length === 2) {
        const images = tokenizer.decode(codeGrids(t) as CodeGrid);
        return { outputs: [images, { ...images, frames: 1, batch: images.batch, fps: Number(inputs.fps ?? 8) } satisfies VideoBatch] };
      }
      const video = decodeVideo(tokenizer, codeGrids(t) as CodeGrid[], Number(inputs.fps ?? 8));
      return { outputs: [filmStrip(video), video] };
    } catch (e) {
      throw new NodeInputError(`cannot decode: ${(e as Error).message}`);
    }
  },
});

/** A video batch as images: each video's frames side by side in one picture. */
export function filmStrip(v: VideoBatch): ImageBatch {
  const width = v.width * v.frames;
  const data = new Float32Array(v.batch * v.height * width * 3);
  for (let b = 0; b < v.batch; b++) {
    for (let t = 0; t < v.frames; t++) {
      for (let y = 0; y < v.height; y++) {
        const src = (((b * v.frames + t) * v.height + y) * v.width) * 3;
        const dst = ((b * v.height + y) * width + t * v.width) * 3;
        data.set(v.data.subarray(src, src + v.width * 3), dst);
      }
    }
  }
  return { batch: v.batch, height: v.height, width, channels: 3, data };
}

// TokenizerEncode / TokenizerDecode: images ↔ [h, w] grids, videos ↔ [T, h, w] grids frame by frame,
// and clear errors for mismatched inputs.
import { initBackend } from '../../models/backend';
import { generateShapesImages } from '../../models/data/shapes';
import { generateShapesVideos } from '../../models/data/shapesVideo';
import type { ImageBatch, VideoBatch } from '../../models/image/types';
import { Rng } from '../../models/rng';
import { PatchVq } from '../../models/vq/patchVq';
import * as tf from '@tensorflow/tfjs';
import { MAX_DECODED_VALUES, TokenizerDecode, TokenizerEncode, filmStrip } from '../../nodes/nar/tokenizerNodes';
import type { TokenGrid, TokenizerValue } from '../../nodes/nar/values';
import type { ExecContext } from '../../server/engine/nodeApi';
import { TINY_VQ, hostPaths, tempRoot } from './helpers';

const ctx = {
  progress: () => undefined,
  signal: new AbortController().signal,
  log: { info: () => undefined, warn: () => undefined, error: () => undefined },
  paths: hostPaths(tempRoot(), {}),
} as unknown as ExecContext;

let tok: TokenizerValue;
beforeAll(async () => {
  await initBackend('wasm');
  tok = { tokenizer: PatchVq.init(TINY_VQ, new Rng(3)), file: 'memory' };
});
afterAll(() => tok.tokenizer.dispose());

const encode = async (inputs: Record<string, unknown>) => (await TokenizerEncode.execute({ tokenizer: tok, ...inputs }, ctx)).outputs[0] as TokenGrid;
const decode = async (tokens: TokenGrid, fps = 8) => (await TokenizerDecode.execute({ tokenizer: tok, tokens, fps }, ctx)).outputs as [ImageBatch, VideoBatch];

describe('TokenizerEncode / TokenizerDecode', () => {
  it('images → [h, w] tokens → the tokenizer\'s own reconstruction as IMAGE', async () => {
    const images = generateShapesImages(3, 1, { size: 32 }).images;
    const t = await encode({ images });
    expect([t.grid, t.batch, t.tokens.length, t.vocabSize]).toEqual([[4, 4], 3, 48, TINY_VQ.codebookSize]);
    expect(Array.from(t.tokens)).toEqual(tok.tokenizer.encode(images).flat(2));
    const [image, video] = await decode(t);
    expect([image.batch, image.height, image.width]).toEqual([3, 32, 32]);
    expect(Array.from(image.data)).toEqual(Array.from(tok.tokenizer.decode(tok.tokenizer.encode(images)).data));
    expect([video.batch, video.frames]).toEqual([3, 1]);
  });

  it('videos → [T, h, w] tokens (frame by frame) → VIDEO with the fps, and film strips as IMAGE', async () => {
    const videos = generateShapesVideos(2, 4, { frames: 3, size: 32 }).videos;
    const t = await encode({ videos });
    expect([t.grid, t.batch]).toEqual([[3, 4, 4], 2]);
    const frames: ImageBatch = { batch: 6, height: 32, width: 32, channels: 3, data: videos.data };
    expect(Array.from(t.tokens)).toEqual(tok.tokenizer.encode(frames).flat(2));
    const [strip, video] = await decode(t, 6);
    expect([video.batch, video.frames, video.height, video.width, video.fps]).toEqual([2, 3, 32, 32, 6]);
    expect(Array.from(video.data)).toEqual(Array.from(tok.tokenizer.decode(tok.tokenizer.encode(frames)).data));
    expect([strip.batch, strip.height, strip.width]).toEqual([2, 32, 96]);
    expect(Array.from(strip.data.subarray(0, 96))).toEqual(Array.from(video.data.subarray(0, 96)));
    const secondFrameRow0 = video.data.subarray(32 * 32 * 3, 32 * 32 * 3 + 96);
    expect(Array.from(strip.data.subarray(96, 192))).toEqual(Array.from(secondFrameRow0));
    expect(filmStrip(video).data).toEqual(strip.data);
  });

  it('refuses neither or both inputs, sizes the patches do not divide, and codes beyond the codebook', async () => {
    const images = generateShapesImages(1, 1, { size: 32 }).images;
    const videos = generateShapesVideos(1, 1, { frames: 2, size: 32 }).videos;
    await expect(encode({})).rejects.toThrow(/exactly one of 'images' and 'videos' \(got neither\)/);
    await expect(encode({ images, videos })).rejects.toThrow(/got both/);
    await expect(encode({ images: generateShapesImages(1, 1, { size: 36 }).images })).rejects.toThrow(/multiples of 8, got 36×36/);
    const big: TokenGrid = { grid: [4, 4], batch: 1, tokens: new Int32Array(16), vocabSize: 512 };
    await expect(decode(big)).rejects.toThrow(/tokens index 512 codes but the tokenizer has 16/);
    await expect(decode({ ...big, grid: [16], vocabSize: 16 })).rejects.toThrow(/must be \[h, w\] or \[T, h, w\] grids, got \[16\]/);
    await expect(TokenizerDecode.execute({ tokenizer: tok, tokens: { grid: 'x' } }, ctx)).rejects.toThrow(/expects a TOKENS/);
  });

  it('decodes a large batch in chunks (same pixels as the tokenizer in one call), with no tensors left behind', async () => {
    const images = generateShapesImages(40, 2, { size: 32 }).images;
    const t = await encode({ images });
    const whole = await decode(t);
    const vq = tok.tokenizer as PatchVq;
    vq.maxTokensPerChunk = 3 * 16; // 14 chunks of 3 pictures (4×4 tokens each)
    try {
      const before = tf.memory().numTensors;
      const chunkedTokens = await encode({ images });
      const [chunked] = await decode(chunkedTokens);
      expect(tf.memory().numTensors).toBe(before);
      expect(Array.from(chunkedTokens.tokens)).toEqual(Array.from(t.tokens));
      expect(chunked.data).toEqual(whole[0].data);
    } finally {
      vq.maxTokensPerChunk = 32768;
    }
  });

  it('refuses up front to decode more pixel values than one decode makes, naming the limit', async () => {
    const batch = Math.floor(MAX_DECODED_VALUES / (32 * 32 * 3)) + 1;
    const tokens: TokenGrid = { grid: [4, 4], batch, tokens: new Int32Array(batch * 16), vocabSize: 16 };
    await expect(decode(tokens)).rejects.toThrow(`decoding ${batch} picture(s) of 32×32 would make ${(batch * 3072).toLocaleString('en')} pixel values, more than the 268,435,456 (1 GiB) one decode makes`);
    const clips: TokenGrid = { grid: [64, 4, 4], batch: Math.ceil(batch / 64), tokens: new Int32Array(Math.ceil(batch / 64) * 64 * 16), vocabSize: 16 };
    await expect(decode(clips)).rejects.toThrow(/picture\(s\) of 32×32 would make .* decode fewer samples at a time/);
  });
});

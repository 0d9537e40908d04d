import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../models/backend';
import { readSafetensors } from '../../models/checkpoint/safetensors';
import { generateShapesImages } from '../../models/data/shapes';
import { generateShapesVideos } from '../../models/data/shapesVideo';
import { roundTrip } from '../../models/vq/evaluate';
import { SHAPES_TOKENIZER_FILE, loadTokenizer } from '../../models/vq/io';
import type { Tokenizer } from '../../models/vq/tokenizer';

const FILE = path.resolve(__dirname, '../../weights', SHAPES_TOKENIZER_FILE);
/** Stated bound: held-out round trip PSNR above 30 dB (MSE below 1e-3, images in [0, 1]); measured 32.8 dB. */
const MIN_PSNR_DB = 30;
/** Seeds no training batch used (training draws seeds 100_003·seed + i). */
const TEST_SEED = 31_337_017;

describe('bundled Shapes tokenizer (weights/tokenizer/shapes-vq.safetensors)', () => {
  let tok: Tokenizer;
  beforeAll(async () => {
    await initBackend('wasm');
    tok = loadTokenizer(FILE);
  });
  afterAll(() => tok.dispose());

  it('is a small 4×4-patch VQ: 512 codes of dimension 8, 32×32 → 8×8, file under 2 MB', () => {
    expect(fs.statSync(FILE).size).toBeLessThan(2 * 1024 * 1024);
    expect([tok.kind, tok.codebookSize, tok.codeDim]).toEqual(['patch-vq', 512, 8]);
    expect(tok.grid(32, 32)).toEqual({ h: 8, w: 8 });
    expect(readSafetensors(FILE).metadata.trained_by).toMatch(/scripts\/train-tokenizer\.ts --seed 1/);
  });

  it(`round-trips held-out Shapes images above ${MIN_PSNR_DB} dB PSNR`, () => {
    const images = generateShapesImages(128, TEST_SEED, { objects: 'mixed' }).images;
    const before = tf.memory().numTensors;
    const rt = roundTrip(tok, images);
    expect(tf.memory().numTensors).toBe(before);
    expect(rt.psnr).toBeGreaterThan(MIN_PSNR_DB);
    // far better than the trivial reconstruction (every pixel the mean colour)
    const mean = images.data.reduce((a, b) => a + b, 0) / images.data.length;
    const trivial = images.data.reduce((a, b) => a + (b - mean) ** 2, 0) / images.data.length;
    expect(rt.mse).toBeLessThan(trivial / 10);
  });

  it(`round-trips held-out Shapes video frames above ${MIN_PSNR_DB} dB PSNR`, () => {
    const { videos } = generateShapesVideos(16, TEST_SEED, { frames: 4 });
    const rt = roundTrip(tok, { batch: 64, height: 32, width: 32, channels: 3, data: videos.data });
    expect(rt.psnr).toBeGreaterThan(MIN_PSNR_DB);
  });
});

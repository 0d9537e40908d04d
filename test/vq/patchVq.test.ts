import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../models/backend';
import { readSafetensors } from '../../models/checkpoint/safetensors';
import { generateShapesImages } from '../../models/data/shapes';
import { generateShapesVideos } from '../../models/data/shapesVideo';
import { Rng } from '../../models/rng';
import { loadTokenizer, saveTokenizer } from '../../models/vq/io';
import { PatchVq, SHAPES_PATCH_VQ } from '../../models/vq/patchVq';
import { TokenizerTrainer } from '../../models/vq/trainer';
import { constantLr } from '../../models/train/schedule';
import { decodeVideo, encodeVideo } from '../../models/vq/video';

const small = { ...SHAPES_PATCH_VQ, codebookSize: 32, encoderHidden: 32, decoderHidden: 32 };

describe('patch VQ tokenizer', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('maps 32×32 images to 8×8 codes and back, without leaking tensors', () => {
    const tok = PatchVq.init(small, new Rng(1));
    const images = generateShapesImages(3, 1).images;
    const before = tf.memory().numTensors;
    const codes = tok.encode(images);
    const out = tok.decode(codes);
    expect(tf.memory().numTensors).toBe(before);
    expect([codes.length, codes[0].length, codes[0][0].length]).toEqual([3, 8, 8]);
    expect(codes.flat(2).every((c) => Number.isInteger(c) && c >= 0 && c < 32)).toBe(true);
    expect([out.batch, out.height, out.width]).toEqual([3, 32, 32]);
    expect(tok.grid(48, 16)).toEqual({ h: 12, w: 4 });
    expect(() => tok.grid(30, 32)).toThrow(/multiples of 4, got 32×30/);
    expect(() => tok.decode([[[0, 99]]])).toThrow(/codes\[0\]\[0\]\[1\] = 99 is not a code index in \[0, 32\)/);
    tok.dispose();
  });

  it('saves to safetensors with its config and loads back to the same codes', () => {
    const tok = PatchVq.init(small, new Rng(2));
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-pvq-')), 'tok.safetensors');
    saveTokenizer(tok, file);
    const meta = readSafetensors(file).metadata;
    expect(meta.kind).toBe('patch-vq');
    expect(JSON.parse(meta.config)).toEqual(small);
    const again = loadTokenizer(file);
    const images = generateShapesImages(4, 3).images;
    expect(again.encode(images)).toEqual(tok.encode(images));
    expect(Array.from(again.decode(tok.encode(images)).data)).toEqual(Array.from(tok.decode(tok.encode(images)).data));
    tok.dispose();
    again.dispose();
  });

  it('encodes videos frame by frame', () => {
    const tok = PatchVq.init(small, new Rng(3));
    const { videos } = generateShapesVideos(2, 1, { frames: 4 });
    const codes = encodeVideo(tok, videos);
    expect([codes.length, codes[0].length, codes[0][0].length, codes[0][0][0].length]).toEqual([2, 4, 8, 8]);
    const frame1 = tok.encode({ batch: 1, height: 32, width: 32, channels: 3, data: videos.data.subarray(32 * 32 * 3 * 5, 32 * 32 * 3 * 6) });
    expect(codes[1][1]).toEqual(frame1[0]);
    const back = decodeVideo(tok, codes, videos.fps);
    expect([back.batch, back.frames, back.height, back.width]).toEqual([2, 4, 32, 32]);
    tok.dispose();
  });

  it('lowers the loss over a few training steps and frees every step tensor', () => {
    const tok = PatchVq.init(small, new Rng(4));
    const trainer = new TokenizerTrainer(tok, { schedule: constantLr(3e-3) });
    const batch = generateShapesImages(8, 5).images;
    trainer.trainStep(batch); // creates the optimizer's lazily-sized state, if any
    const before = tf.memory().numTensors;
    const losses: number[] = [];
    for (let i = 0; i < 15; i++) losses.push(trainer.trainStep(batch).loss);
    expect(tf.memory().numTensors).toBe(before);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] * 0.7);
    expect(trainer.step).toBe(16);
    trainer.dispose();
    tok.dispose();
  });
});

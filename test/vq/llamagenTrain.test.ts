import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../models/backend';
import { generateShapesImages } from '../../models/data/shapes';
import { Rng } from '../../models/rng';
import { parseLlamaGenVqConfig } from '../../models/vq/llamagenConfig';
import { LlamaGenVq } from '../../models/vq/llamagenVq';
import { tokenizerFromStateDict } from '../../models/vq/io';
import { TokenizerTrainer } from '../../models/vq/trainer';
import { constantLr } from '../../models/train/schedule';

const tiny = parseLlamaGenVqConfig({ ch: 32, encoder_ch_mult: [1, 2], decoder_ch_mult: [1, 2], z_channels: 32, codebook_size: 16, num_res_blocks: 1 });

describe('LlamaGen VQ training path (tiny config, im2col convolutions)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('takes optimizer steps that lower the loss on a fixed batch, without leaking tensors', () => {
    const vq = LlamaGenVq.init(tiny, new Rng(1));
    const trainer = new TokenizerTrainer(vq, { schedule: constantLr(1e-3) });
    const images = generateShapesImages(2, 1, { size: 16 }).images;
    const first = trainer.trainStep(images);
    const before = tf.memory().numTensors;
    const second = trainer.trainStep(images);
    const third = trainer.trainStep(images);
    expect(tf.memory().numTensors).toBe(before);
    expect(Number.isFinite(first.loss)).toBe(true);
    expect(third.loss).toBeLessThan(first.loss);
    expect(second.codes.length).toBe(2 * 8 * 8);
    trainer.dispose();
    vq.dispose();
  });

  it('round-trips its weights through the published key layout', () => {
    const vq = LlamaGenVq.init(tiny, new Rng(2));
    const again = tokenizerFromStateDict(vq.stateDict(), vq.metadata(), 'memory');
    const images = generateShapesImages(2, 2, { size: 16 }).images;
    expect(again.encode(images)).toEqual(vq.encode(images));
    expect(vq.stateDict().get('encoder.conv_in.weight')!.shape).toEqual([32, 3, 3, 3]);
    vq.dispose();
    again.dispose();
  });
});

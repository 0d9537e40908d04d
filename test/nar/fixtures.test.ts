// The published PyTorch reference, number for number: merged training logits, loss, greedy tokens.
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../models/backend';
import { loadNar, narConfigFromModelArgs, type NarModel, type PublishedModelArgs } from '../../models/nar';
import { orderingFor } from '../../models/nar/ordering';
import { trainingLoss } from '../../models/nar/training/forward';
import { loadNarCase, narCaseDir, NAR_CASES } from './fixtures';
import { sampleCondition, trainingCondition } from './caseInputs';

beforeAll(async () => {
  await initBackend('wasm');
});

describe.each(NAR_CASES)('fixture %s', (name) => {
  const fx = loadNarCase(name);
  const config = narConfigFromModelArgs(fx.config as PublishedModelArgs);
  let model: NarModel;
  beforeAll(() => {
    model = loadNar(path.join(narCaseDir(name), 'model.safetensors'), config);
  });
  afterAll(() => model.dispose());

  const batch = () => ({ cond: trainingCondition(fx), tokens: Int32Array.from(fx.train.tokens.flat()), batch: fx.batch });

  it('merged training logits are within 1e-4 of the reference', async () => {
    const got = await model.trainingLogits(batch());
    const want = fx.train.logits.flat(2);
    expect(got.length).toBe(want.length);
    let maxDiff = 0;
    for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
    expect(maxDiff).toBeLessThan(1e-4);
  });

  it('training loss is within 1e-5 of the reference', () => {
    const loss = tf.tidy(() => trainingLoss(model.params, config, orderingFor(config), batch()).dataSync()[0]);
    expect(Math.abs(loss - fx.train.loss)).toBeLessThan(1e-5);
  });

  it.each(fx.greedy.map((g) => [g.cfg_scale, g.cfg_interval, g.tokens] as const))(
    'greedy tokens match for cfg_scale %d, cfg_interval %d, leaving no tensors behind',
    async (cfgScale, cfgInterval, tokens) => {
      const before = tf.memory().numTensors;
      const got = await model.generate({ cond: sampleCondition(fx), cfgScale, cfgInterval, greedy: true });
      expect(got).toEqual(tokens);
      expect(tf.memory().numTensors).toBe(before);
    },
  );
});

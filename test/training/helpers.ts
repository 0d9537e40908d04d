// Tiny tokenizer, text encoder and model for fast training tests (random weights; the codes of
// Shapes images are still far from uniform, so a small model learns them in a few steps).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NarModel } from '../../models/nar';
import { Rng } from '../../models/rng';
import { SmallTextEncoder, shapesVocabulary } from '../../models/text';
import { initialWeights } from '../../models/text/shapes/smallEncoderModel';
import { PatchVq } from '../../models/vq/patchVq';
import { initBackend } from '../../models/backend';
import { warmupCosine } from '../../models/train/schedule';
import { BUNDLED_SIZE, shapesClassSource, shapesModelConfig, trainNar, type NarDataSource, type ShapesKind, type TrainNarOptions } from '../../models/training';

export function tinyTokenizer(seed = 3): PatchVq {
  return PatchVq.init({ patchSize: 8, codebookSize: 16, codeDim: 8, encoderHidden: 16, decoderHidden: 16, commitBeta: 0.25 }, new Rng(seed));
}

export function tinyTextEncoder(seed = 5): SmallTextEncoder {
  const vocab = shapesVocabulary();
  const config = { vocabSize: vocab.length, dim: 8, layers: 1, heads: 2, ffnDim: 16 };
  return new SmallTextEncoder(config, vocab, initialWeights(config, seed));
}

/** A tiny tokenizer and the seeded class-to-image source over it: made before the file's tests, disposed after. */
export function useTinyClassSource(): { tok: PatchVq; source: NarDataSource } {
  const fx = {} as { tok: PatchVq; source: NarDataSource };
  beforeAll(async () => {
    await initBackend('wasm');
    fx.tok = tinyTokenizer();
    fx.source = shapesClassSource({ tokenizer: fx.tok, seed: 7 });
  });
  afterAll(() => fx.tok.dispose());
  return fx;
}

export const TINY_SIZE = { ...BUNDLED_SIZE, dim: 32, nLayer: 1, nHead: 2 };

export function tinyModel(kind: ShapesKind, source: NarDataSource, seed = 1): NarModel {
  return NarModel.random(shapesModelConfig(kind, source.spec, TINY_SIZE), seed);
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-training-'));
}

/** The schedule of the tiny runs (warm-up 3 steps, cosine over 40). */
export const TINY_SCHEDULE = warmupCosine({ maxLr: 3e-3, minLr: 3e-4, warmupSteps: 3, totalSteps: 40 });

/** A tiny training run: 4 steps of 4, seed 3, gradient norm 1, unless `o` says otherwise. */
export function trainTiny(model: NarModel, source: NarDataSource, o: Partial<TrainNarOptions> = {}) {
  return trainNar({ model, source, steps: 4, batch: 4, lr: TINY_SCHEDULE, seed: 3, maxGradNorm: 1, ...o });
}

/** A model's weights, tensor by tensor, as plain arrays (to compare runs exactly). */
export function weightsOf(model: NarModel): Map<string, number[]> {
  return new Map([...model.toStateDict()].map(([k, t]) => [k, Array.from(t.data)]));
}

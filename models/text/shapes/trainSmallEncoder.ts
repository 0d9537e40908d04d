// Trains the small Shapes text encoder: masked-mean-pooled features → linear heads that predict
// the scene behind the caption (captionTargets.ts), cross-entropy, AdamW + warm-up/cosine.
// Why pooled features: NAR's condition positions have zero RoPE q/k (NAR-SPEC §4), so the image
// tokens attend to the real caption positions uniformly — what NAR reads of a caption is, in the
// first layer, an average over its positions. Training that average to carry each object's shape,
// colour and cell (bound to the right object) makes exactly that readable.
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../rng';
import { AdamW } from '../../train/adamw';
import { warmupCosine } from '../../train/schedule';
import type { StateDict } from '../../checkpoint/safetensors';
import { ATTRIBUTES, columnOf, SLOTS, SLOT_WIDTH, sampleCaptions, TARGET_WIDTH, targetsOf, CaptionSample } from './captionTargets';
import { encoderForward, initialWeights, padIds, SmallEncoderConfig } from './smallEncoderModel';
import { SmallEncoderBundle } from './smallTextEncoder';
import { WordTokenizer, shapesVocabulary } from './wordTokenizer';

export interface TrainSmallEncoderOptions {
  seed: number;
  steps: number;
  batchSize?: number;
  maxLr?: number;
  warmupSteps?: number;
  config?: Partial<Omit<SmallEncoderConfig, 'vocabSize'>>;
  /** called every `logEvery` steps and at the last step */
  onProgress?: (p: { step: number; loss: number; lr: number }) => void;
  logEvery?: number;
}

export const DEFAULT_SMALL_CONFIG = { dim: 64, layers: 2, heads: 4, ffnDim: 128 } as const;

/** Ids of a batch, with light augmentation: a trailing '.' or a stray unknown word, sometimes. */
function batchIds(tok: WordTokenizer, samples: CaptionSample[], rng: Rng): number[][] {
  return samples.map(({ caption }) => {
    const ids = tok.encode(rng.next() < 0.15 ? `${caption}.` : caption);
    if (rng.next() < 0.1) ids.splice(rng.int(ids.length), 0, tok.unkId);
    return ids;
  });
}

/** Masked mean of features [B, S, D] over the first lengths[b] rows → [B, D]. */
export function pooled(features: tf.Tensor3D, lengths: number[]): tf.Tensor2D {
  const [B, S] = features.shape;
  const m = new Float32Array(B * S);
  lengths.forEach((n, b) => m.fill(1 / n, b * S, b * S + n));
  return tf.sum(tf.mul(features, tf.tensor3d(m, [B, S, 1])), 1) as tf.Tensor2D;
}

/** Sum over attributes of the mean cross-entropy (empty slots excluded). */
function attributeLoss(logits: tf.Tensor2D, samples: CaptionSample[]): tf.Scalar {
  const B = samples.length;
  const targets = samples.map((s) => targetsOf(s.scene));
  const terms: tf.Tensor[] = [];
  const addTerm = (col: number, classes: number, label: (b: number) => number): void => {
    const oneHot = new Float32Array(B * classes);
    let used = 0;
    for (let b = 0; b < B; b++) {
      const y = label(b);
      if (y >= 0) {
        oneHot[b * classes + y] = 1;
        used++;
      }
    }
    if (used === 0) return;
    const logp = tf.logSoftmax(tf.slice(logits, [0, col], [B, classes]));
    terms.push(tf.div(tf.neg(tf.sum(tf.mul(logp, tf.tensor2d(oneHot, [B, classes])))), used));
  };
  for (let s = 0; s < SLOTS; s++) ATTRIBUTES.forEach((a, ai) => addTerm(columnOf(s, ai), a.classes, (b) => targets[b].slots[s][ai]));
  addTerm(SLOTS * SLOT_WIDTH, 2, (b) => targets[b].count);
  return tf.addN(terms) as tf.Scalar;
}

export interface TrainResult {
  bundle: SmallEncoderBundle;
  /** the readout heads ([D, TARGET_WIDTH] and bias), for probing; not part of the encoder */
  head: StateDict;
  losses: number[];
}

export async function trainSmallEncoder(o: TrainSmallEncoderOptions): Promise<TrainResult> {
  const vocab = shapesVocabulary();
  const tok = new WordTokenizer(vocab);
  const config: SmallEncoderConfig = { ...DEFAULT_SMALL_CONFIG, ...o.config, vocabSize: vocab.length };
  const batchSize = o.batchSize ?? 128;
  const schedule = warmupCosine({ maxLr: o.maxLr ?? 3e-3, minLr: (o.maxLr ?? 3e-3) * 0.05, warmupSteps: o.warmupSteps ?? Math.min(100, Math.floor(o.steps / 10)), totalSteps: o.steps });
  const rng = new Rng(o.seed);
  const init = initialWeights(config, rng.nextU32());
  const headRng = rng.fork();
  const dataRng = rng.fork();
  const vars = new Map<string, tf.Variable>();
  const addVariable = (name: string, data: Float32Array, shape: number[]): void => {
    const t = tf.tensor(data, shape);
    vars.set(name, tf.variable(t));
    t.dispose();
  };
  for (const [name, t] of init) addVariable(name, t.data, t.shape);
  addVariable('head.weight', Float32Array.from({ length: config.dim * TARGET_WIDTH }, () => headRng.normal() / Math.sqrt(config.dim)), [config.dim, TARGET_WIDTH]);
  addVariable('head.bias', new Float32Array(TARGET_WIDTH), [TARGET_WIDTH]);
  const byVarName = new Map([...vars].map(([name, v]) => [v.name, name] as const));
  const opt = new AdamW(vars, { weightDecay: 0.01, maxGradNorm: 1, beta2: 0.98 });
  const losses: number[] = [];
  try {
    for (let step = 0; step < o.steps; step++) {
      const samples = sampleCaptions(dataRng, batchSize);
      const { ids, lengths } = padIds(batchIds(tok, samples, dataRng), tok.padId);
      const lr = schedule(step);
      const { value, grads } = tf.variableGrads(() => {
        const feats = encoderForward(config, vars, ids, lengths);
        const logits = tf.add(tf.matMul(pooled(feats, lengths), vars.get('head.weight')! as tf.Tensor2D), vars.get('head.bias')!) as tf.Tensor2D;
        return attributeLoss(logits, samples);
      });
      opt.apply(new Map(Object.entries(grads).map(([vn, g]) => [byVarName.get(vn)!, g])), lr);
      const loss = (await value.data())[0];
      value.dispose();
      for (const g of Object.values(grads)) g.dispose();
      losses.push(loss);
      if (o.onProgress && (step % (o.logEvery ?? 50) === 0 || step === o.steps - 1)) o.onProgress({ step, loss, lr });
    }
    const host = (name: string) => ({ shape: [...vars.get(name)!.shape], data: Float32Array.from(vars.get(name)!.dataSync()) });
    const weights: StateDict = new Map([...init.keys()].map((name) => [name, host(name)]));
    const head: StateDict = new Map(['head.weight', 'head.bias'].map((name) => [name, host(name)]));
    const training = { seed: o.seed, steps: o.steps, batchSize, maxLr: o.maxLr ?? 3e-3, objective: 'pooled features → scene attributes (2 slots × shape/colour/row/col + count), cross-entropy', finalLoss: losses[losses.length - 1] };
    return { bundle: { config, vocab, weights, training }, head, losses };
  } finally {
    opt.dispose();
    for (const v of vars.values()) v.dispose();
  }
}

// The small Shapes text encoder as a TextEncoder, and its safetensors file: the weights as
// tensors, and in __metadata__ the format tag, the config and the vocabulary (JSON strings).
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs';
import { readSafetensors, StateDict, writeSafetensors } from '../../checkpoint/safetensors';
import { checkPrompts, leftPadRows, pooledFeatures, TEXT_MAX_TOKENS, TextEncoder, TextEncoderError, TextEncoding } from '../textEncoder';
import { pooledWhitening } from './whitening';
import { checkConfig, checkWeights, encoderForward, EncoderParams, padIds, parameterShapes, SmallEncoderConfig } from './smallEncoderModel';
import { WordTokenizer } from './wordTokenizer';

export const SMALL_ENCODER_FORMAT = 'narflow.shapes-text-encoder.v1';

export interface SmallEncoderBundle {
  config: SmallEncoderConfig;
  vocab: string[];
  weights: StateDict;
  /** free-form facts about training (seed, steps, final loss …), kept in the file */
  training?: Record<string, unknown>;
}

export class SmallTextEncoder implements TextEncoder {
  readonly maxTokens = TEXT_MAX_TOKENS;
  readonly tokenizer: WordTokenizer;
  private params: EncoderParams | null;

  constructor(
    readonly config: SmallEncoderConfig,
    vocab: string[],
    weights: StateDict,
    readonly description = 'small Shapes text encoder',
  ) {
    checkConfig(config);
    if (vocab.length !== config.vocabSize) throw new TextEncoderError(`small text encoder: vocabulary has ${vocab.length} words, config says vocabSize ${config.vocabSize}`);
    checkWeights(config, weights, description);
    this.tokenizer = new WordTokenizer(vocab);
    this.params = new Map(parameterShapes(config).map(([name]) => {
      const t = weights.get(name)!;
      return [name, tf.tensor(t.data, t.shape)] as const;
    }));
  }

  get captionDim(): number {
    return this.config.dim;
  }

  /** Token ids per prompt (<end> appended, at most maxTokens). */
  tokenize(prompts: string[]): number[][] {
    return prompts.map((p) => this.tokenizer.encode(p, this.maxTokens));
  }

  tokenCount(prompt: string): number {
    return this.tokenizer.encode(prompt).length;
  }

  async encode(prompts: string[]): Promise<TextEncoding> {
    checkPrompts(prompts);
    const params = this.params;
    if (!params) throw new TextEncoderError('small text encoder used after dispose()');
    const { ids, lengths, seqLen } = padIds(this.tokenize(prompts), this.tokenizer.padId);
    const out = tf.tidy(() => encoderForward(this.config, params, ids, lengths));
    const data = (await out.data()) as Float32Array;
    out.dispose();
    return leftPadRows(data, lengths, seqLen, this.config.dim, this.maxTokens);
  }

  /** The weights back as host tensors. */
  weights(): StateDict {
    if (!this.params) throw new TextEncoderError('small text encoder used after dispose()');
    const sd: StateDict = new Map();
    for (const [name, t] of this.params) sd.set(name, { shape: [...t.shape], data: Float32Array.from(t.dataSync()) });
    return sd;
  }

  dispose(): void {
    if (this.params) for (const t of this.params.values()) t.dispose();
    this.params = null;
  }
}

export function saveSmallEncoder(file: string, bundle: SmallEncoderBundle): void {
  checkWeights(bundle.config, bundle.weights, file);
  writeSafetensors(file, bundle.weights, {
    format: SMALL_ENCODER_FORMAT,
    config: JSON.stringify(bundle.config),
    vocab: JSON.stringify(bundle.vocab),
    training: JSON.stringify(bundle.training ?? {}),
  });
}

export function readSmallEncoderBundle(file: string): SmallEncoderBundle {
  if (!fs.existsSync(file)) throw new TextEncoderError(`small text encoder weights not found: ${file} (the bundled one is weights/text_encoder/shapes-text.safetensors; make it with npx tsx scripts/train-text-encoder.ts)`);
  const st = readSafetensors(file);
  const meta = st.metadata;
  if (meta.format !== SMALL_ENCODER_FORMAT) {
    throw new TextEncoderError(`${file}: __metadata__.format is ${JSON.stringify(meta.format)}, expected "${SMALL_ENCODER_FORMAT}" (a small Shapes text encoder)`);
  }
  const parse = (key: string): unknown => {
    try {
      return JSON.parse(meta[key]);
    } catch {
      throw new TextEncoderError(`${file}: __metadata__.${key} is missing or not JSON`);
    }
  };
  return { config: parse('config') as SmallEncoderConfig, vocab: parse('vocab') as string[], weights: st.tensors, training: parse('training') as Record<string, unknown> };
}

export function loadSmallEncoder(file: string): SmallTextEncoder {
  const b = readSmallEncoderBundle(file);
  return new SmallTextEncoder(b.config, b.vocab, b.weights, `small Shapes text encoder ${file}`);
}

/**
 * The same encoder with `pooledOutput`: every position carries the caption's whitened mean
 * features (whitening.ts), the whitening fitted on `captions` (the encoder's own pooled features).
 */
export async function withPooledOutput(bundle: SmallEncoderBundle, captions: string[]): Promise<SmallEncoderBundle> {
  if (bundle.config.pooledOutput) throw new TextEncoderError('small text encoder: the output is already pooled');
  const base = new SmallTextEncoder(bundle.config, bundle.vocab, bundle.weights);
  const rows: Float32Array[] = [];
  try {
    for (let i = 0; i < captions.length; i += 256) {
      const enc = await base.encode(captions.slice(i, i + 256));
      for (let b = 0; b < enc.batch; b++) rows.push(pooledFeatures(enc, b, base.captionDim));
    }
  } finally {
    base.dispose();
  }
  const D = bundle.config.dim;
  const w = pooledWhitening(rows, D);
  const weights: StateDict = new Map(bundle.weights);
  weights.set('out.weight', { shape: [D, D], data: w.weight });
  weights.set('out.bias', { shape: [D], data: w.bias });
  const training = {
    ...bundle.training,
    output: 'whitened pooled features at every position',
    whitening: { captions: captions.length, eigenvalues: w.eigenvalues.slice(0, 16).map((x) => Number(x.toFixed(4))) },
  };
  return { config: { ...bundle.config, pooledOutput: true }, vocab: bundle.vocab, weights, training };
}

// The values NAR nodes pass along links (NAR_MODEL, TOKENIZER, TEXT_ENCODER, CONDITIONING, TOKENS),
// with the checks every consumer runs at its boundary.
import type { NarConfig, NarModel } from '../../models/nar';
import type { TextEncoder } from '../../models/text';
import type { Tokenizer } from '../../models/vq/tokenizer';
import { NodeInputError } from '../../server/engine/nodeApi';

/** NAR_MODEL: a loaded model plus where it came from. */
export interface NarModelValue {
  model: NarModel;
  config: NarConfig;
  file: string;
  /** file identity (size, mtime, inode, ctime), stable while the file is unchanged */
  fingerprint: string;
  /**
   * sha256 of the weights as loaded (stateDictHash), computed once per load: the ORT graph cache
   * key. Absent, the sampler hashes the weights it hands to ORT on each run.
   */
  checkpointHash?: string;
  /** frees the weights; the executor calls it when the cached output is evicted */
  dispose?(): void;
}

/** TOKENIZER */
export interface TokenizerValue {
  tokenizer: Tokenizer;
  file: string;
  /** frees the weights; the executor calls it when the cached output is evicted */
  dispose?(): void;
}

/** TEXT_ENCODER */
export interface TextEncoderValue {
  encoder: TextEncoder;
  file: string;
  /** frees the weights / sessions; the executor calls it when the cached output is evicted */
  dispose?(): void;
}

/** CONDITIONING: class ids, or caption features [B, tokens, captionDim] + left-padded mask [B, tokens]. */
export type Conditioning =
  | { kind: 'class'; classIds: number[]; labels: string[] }
  | { kind: 'text'; prompts: string[]; features: Float32Array; mask: Float32Array; tokens: number; captionDim: number };

/** TOKENS: `batch` token grids of shape `grid` ([h, w] or [T, h, w]), raster order, flat [B, N]. */
export interface TokenGrid {
  grid: number[];
  batch: number;
  tokens: Int32Array;
  /** vocabulary the tokens index (the tokenizer's codebook must be at least this big) */
  vocabSize: number;
}

export function conditioningRows(c: Conditioning): number {
  return c.kind === 'class' ? c.classIds.length : c.prompts.length;
}

/** Narrows a linked input to the expected value, or a clear error naming what arrived. */
export function expectValue<T>(value: unknown, input: string, type: string, check: (v: Record<string, unknown>) => boolean): T {
  if (value === undefined || value === null) throw new NodeInputError(`input '${input}' needs a ${type} link, got nothing`);
  if (typeof value !== 'object' || !check(value as Record<string, unknown>)) {
    const keys = typeof value === 'object' ? `an object with keys [${Object.keys(value as object).join(', ')}]` : typeof value;
    throw new NodeInputError(`input '${input}' expects a ${type}, got ${keys}`);
  }
  return value as T;
}

export const asNarModel = (v: unknown, input = 'model') => expectValue<NarModelValue>(v, input, 'NAR_MODEL', (o) => 'model' in o && 'config' in o);
export const asTokenizer = (v: unknown, input = 'tokenizer') => expectValue<TokenizerValue>(v, input, 'TOKENIZER', (o) => 'tokenizer' in o);
export const asTextEncoder = (v: unknown, input = 'text_encoder') => expectValue<TextEncoderValue>(v, input, 'TEXT_ENCODER', (o) => 'encoder' in o);
export const asConditioning = (v: unknown, input = 'conditioning') =>
  expectValue<Conditioning>(v, input, 'CONDITIONING', (o) => o.kind === 'class' || o.kind === 'text');
export const asTokens = (v: unknown, input = 'tokens') => expectValue<TokenGrid>(v, input, 'TOKENS', (o) => Array.isArray(o.grid) && o.tokens instanceof Int32Array);

/** A short human description of a model's layout, shown in the sampler's output text. */
export function describeModel(c: NarConfig): string {
  const dirs = c.heads.map((h) => `${'THW'.slice(3 - c.grid.length)[h.axis]}${h.sign > 0 ? '+' : '-'}`).join(' ');
  const cond = c.condition.kind === 'class' ? `${c.condition.numClasses} classes` : `captions ${c.condition.tokens}×${c.condition.captionDim}`;
  const trained = c.trainedSeed ? `, trained from seed [${c.trainedSeed.join(',')}]` : '';
  return `${c.ordering === 'raster' ? 'raster-AR' : 'NAR'} grid ${c.grid.join('×')}, vocab ${c.vocabSize}, ${cond}, heads [${dirs}]${trained}`;
}

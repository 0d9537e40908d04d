// The text-condition contract NAR reads: for a batch of prompts, caption features
// [B, 120, captionDim] and a padding mask [B, 120] (1 = real token, 0 = pad), LEFT-padded the way
// the published T5 features are: a prompt of n tokens fills positions 120−n … 119.
// Backends (the small Shapes encoder, a T5 ONNX encoder) implement one interface.

/** Condition positions NAR's text models read (NAR-SPEC §4: C = 120). */
export const TEXT_MAX_TOKENS = 120;

export interface TextEncoding {
  /** [batch, maxTokens, captionDim], row-major; padded positions are zero. */
  features: Float32Array;
  /** [batch, maxTokens]; 1 = real token, 0 = pad (pads come first). */
  mask: Float32Array;
  batch: number;
}

export interface TextEncoder {
  /** Feature width per position (NAR's `caption_dim`). */
  readonly captionDim: number;
  /** Positions per prompt (120). */
  readonly maxTokens: number;
  /** Short human-readable description (backend and source). */
  readonly description: string;
  encode(prompts: string[]): Promise<TextEncoding>;
  /** Tokens `prompt` makes before it is cut to `maxTokens` (its end token included). */
  tokenCount(prompt: string): number;
  dispose(): void;
}

export class TextEncoderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TextEncoderError';
  }
}

/** Validate the prompt list at the boundary. */
export function checkPrompts(prompts: unknown): asserts prompts is string[] {
  if (!Array.isArray(prompts) || prompts.length === 0) {
    throw new TextEncoderError(`encode expects a non-empty array of prompt strings, got ${Array.isArray(prompts) ? 'an empty array' : typeof prompts}`);
  }
  prompts.forEach((p, i) => {
    if (typeof p !== 'string') throw new TextEncoderError(`prompt ${i} must be a string, got ${typeof p}`);
  });
}

/**
 * Place per-prompt rows (each `lengths[b]` real positions of width `dim`, stored right-padded in
 * `source` [B, S, dim]) into the left-padded layout [B, maxTokens, dim] with its mask.
 * Rows longer than maxTokens keep their first maxTokens positions.
 */
export function leftPadRows(source: Float32Array, lengths: number[], seqLen: number, dim: number, maxTokens: number): TextEncoding {
  const batch = lengths.length;
  if (source.length !== batch * seqLen * dim) {
    throw new TextEncoderError(`leftPadRows: source has ${source.length} values, expected [${batch}, ${seqLen}, ${dim}] = ${batch * seqLen * dim}`);
  }
  const features = new Float32Array(batch * maxTokens * dim);
  const mask = new Float32Array(batch * maxTokens);
  for (let b = 0; b < batch; b++) {
    const n = Math.min(lengths[b], maxTokens, seqLen);
    const start = maxTokens - n;
    features.set(source.subarray(b * seqLen * dim, (b * seqLen + n) * dim), (b * maxTokens + start) * dim);
    mask.fill(1, b * maxTokens + start, (b + 1) * maxTokens);
  }
  return { features, mask, batch };
}

/** Masked mean over the real positions of one prompt: [captionDim]. */
export function pooledFeatures(enc: TextEncoding, index: number, captionDim: number, maxTokens = TEXT_MAX_TOKENS): Float32Array {
  if (index < 0 || index >= enc.batch) throw new TextEncoderError(`pooledFeatures: index ${index} outside batch of ${enc.batch}`);
  const out = new Float32Array(captionDim);
  let count = 0;
  for (let t = 0; t < maxTokens; t++) {
    if (enc.mask[index * maxTokens + t] === 0) continue;
    count++;
    const off = (index * maxTokens + t) * captionDim;
    for (let d = 0; d < captionDim; d++) out[d] += enc.features[off + d];
  }
  if (count > 0) for (let d = 0; d < captionDim; d++) out[d] /= count;
  return out;
}

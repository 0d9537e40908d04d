// Configuration of the LlamaGen VQ model: typed once, read from the published `ModelArgs`
// names (snake_case JSON) or inferred from a state dict's shapes, and checked against it.
import type { StateDict } from '../checkpoint/safetensors';

export interface LlamaGenVqConfig {
  codebookSize: number;
  codebookEmbedDim: number;
  codebookL2Norm: boolean;
  encoderChMult: number[];
  decoderChMult: number[];
  zChannels: number;
  ch: number;
  numResBlocks: number;
  inChannels: number;
  /** weight of the commitment loss (published 0.25) */
  commitBeta: number;
}

export const NORM_GROUPS = 32;
export const NORM_EPS = 1e-6;

/** Published VQ-16 (LlamaGen `VQ_16`): ch 128, ch_mult [1,1,2,2,4], z 256, 16384 codes of dim 8. */
export const VQ16_CONFIG: LlamaGenVqConfig = {
  codebookSize: 16384,
  codebookEmbedDim: 8,
  codebookL2Norm: true,
  encoderChMult: [1, 1, 2, 2, 4],
  decoderChMult: [1, 1, 2, 2, 4],
  zChannels: 256,
  ch: 128,
  numResBlocks: 2,
  inChannels: 3,
  commitBeta: 0.25,
};

/** Downsampling factor of the encoder (2^(levels−1)). */
export function downsampleFactor(c: LlamaGenVqConfig): number {
  return 2 ** (c.encoderChMult.length - 1);
}

function intArray(v: unknown, name: string): number[] {
  if (!Array.isArray(v) || !v.length || !v.every((x) => Number.isInteger(x) && x > 0)) {
    throw new Error(`VQ config: ${name} must be a non-empty array of positive integers, got ${JSON.stringify(v)}`);
  }
  return v as number[];
}

function posInt(v: unknown, name: string): number {
  if (!Number.isInteger(v) || (v as number) <= 0) throw new Error(`VQ config: ${name} must be a positive integer, got ${JSON.stringify(v)}`);
  return v as number;
}

/**
 * Parses a config object. Accepts the published snake_case names (codebook_size, codebook_embed_dim,
 * codebook_l2_norm, encoder_ch_mult, decoder_ch_mult, z_channels, ch, num_res_blocks, in_channels,
 * commit_loss_beta) or this file's camelCase names. Missing fields take VQ-16 defaults.
 */
export function parseLlamaGenVqConfig(raw: Record<string, unknown>): LlamaGenVqConfig {
  const get = (snake: string, camel: keyof LlamaGenVqConfig) => (raw[snake] !== undefined ? raw[snake] : raw[camel] !== undefined ? raw[camel] : VQ16_CONFIG[camel]);
  const l2 = get('codebook_l2_norm', 'codebookL2Norm');
  const beta = get('commit_loss_beta', 'commitBeta');
  if (typeof l2 !== 'boolean') throw new Error(`VQ config: codebook_l2_norm must be true or false, got ${JSON.stringify(l2)}`);
  if (typeof beta !== 'number' || !(beta >= 0)) throw new Error(`VQ config: commit_loss_beta must be a number >= 0, got ${JSON.stringify(beta)}`);
  const c: LlamaGenVqConfig = {
    codebookSize: posInt(get('codebook_size', 'codebookSize'), 'codebook_size'),
    codebookEmbedDim: posInt(get('codebook_embed_dim', 'codebookEmbedDim'), 'codebook_embed_dim'),
    codebookL2Norm: l2,
    encoderChMult: intArray(get('encoder_ch_mult', 'encoderChMult'), 'encoder_ch_mult'),
    decoderChMult: intArray(get('decoder_ch_mult', 'decoderChMult'), 'decoder_ch_mult'),
    zChannels: posInt(get('z_channels', 'zChannels'), 'z_channels'),
    ch: posInt(get('ch', 'ch'), 'ch'),
    numResBlocks: posInt(get('num_res_blocks', 'numResBlocks'), 'num_res_blocks'),
    inChannels: posInt(get('in_channels', 'inChannels'), 'in_channels'),
    commitBeta: beta,
  };
  for (const m of [...c.encoderChMult, ...c.decoderChMult]) {
    if ((c.ch * m) % NORM_GROUPS) throw new Error(`VQ config: ch × ch_mult must be divisible by ${NORM_GROUPS} (GroupNorm), got ${c.ch} × ${m}`);
  }
  if (c.encoderChMult.length !== c.decoderChMult.length) {
    throw new Error(`VQ config: encoder_ch_mult ${JSON.stringify(c.encoderChMult)} and decoder_ch_mult ${JSON.stringify(c.decoderChMult)} must have the same length`);
  }
  return c;
}

/** The published snake_case form (what `--config C.json` holds and what checkpoints carry). */
export function toPublishedConfig(c: LlamaGenVqConfig): Record<string, unknown> {
  return {
    codebook_size: c.codebookSize,
    codebook_embed_dim: c.codebookEmbedDim,
    codebook_l2_norm: c.codebookL2Norm,
    encoder_ch_mult: c.encoderChMult,
    decoder_ch_mult: c.decoderChMult,
    z_channels: c.zChannels,
    ch: c.ch,
    num_res_blocks: c.numResBlocks,
    in_channels: c.inChannels,
    commit_loss_beta: c.commitBeta,
  };
}

/** Reads the architecture off a LlamaGen VQ state dict's shapes (no config file needed). */
export function inferLlamaGenVqConfig(sd: StateDict): LlamaGenVqConfig {
  const shape = (k: string) => {
    const t = sd.get(k);
    if (!t) throw new Error(`not a LlamaGen VQ state dict: missing ${k}`);
    return t.shape;
  };
  const [ch, inChannels] = shape('encoder.conv_in.weight');
  const [codebookSize, codebookEmbedDim] = shape('quantize.embedding.weight');
  const zChannels = shape('encoder.conv_out.weight')[0];
  const levels = (prefix: string) => {
    let n = 0;
    while (sd.has(`${prefix}.conv_blocks.${n}.res.0.conv1.weight`)) n++;
    return n;
  };
  const nLevels = levels('encoder');
  let numResBlocks = 0;
  while (sd.has(`encoder.conv_blocks.0.res.${numResBlocks}.conv1.weight`)) numResBlocks++;
  const encoderChMult = Array.from({ length: nLevels }, (_, i) => shape(`encoder.conv_blocks.${i}.res.0.conv1.weight`)[0] / ch);
  const nDec = levels('decoder');
  // decoder blocks run from the deepest level up: block j is level nDec−1−j
  const decoderChMult = Array.from({ length: nDec }, (_, i) => shape(`decoder.conv_blocks.${nDec - 1 - i}.res.0.conv1.weight`)[0] / ch);
  return { ...VQ16_CONFIG, ch, inChannels, codebookSize, codebookEmbedDim, zChannels, numResBlocks, encoderChMult, decoderChMult };
}

/** Throws, listing every difference, when a config does not describe the state dict. */
export function checkConfigMatches(c: LlamaGenVqConfig, sd: StateDict, source: string): void {
  const inferred = inferLlamaGenVqConfig(sd);
  const diffs: string[] = [];
  for (const k of ['ch', 'inChannels', 'codebookSize', 'codebookEmbedDim', 'zChannels', 'numResBlocks', 'encoderChMult', 'decoderChMult'] as const) {
    if (JSON.stringify(c[k]) !== JSON.stringify(inferred[k])) diffs.push(`${k}: config ${JSON.stringify(c[k])}, weights ${JSON.stringify(inferred[k])}`);
  }
  if (diffs.length) throw new Error(`${source}: VQ config does not match the weights (${diffs.join('; ')})`);
}

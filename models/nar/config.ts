// The one typed NAR configuration. Built once (from the published ModelArgs JSON, from our
// own options, or from checkpoint metadata); every module reads only the fields it needs.

/** Class-conditional (one position, a null class row) or caption-conditional (T5 features). */
export type ConditionSpec =
  | { kind: 'class'; numClasses: number }
  | { kind: 'text'; captionDim: number; tokens: number };

/**
 * How grid positions are encoded. `rope`: rotary embedding with head_dim split into one equal part
 * per grid axis (2 axes = the published 2D RoPE: first half rows, second half columns), condition
 * positions zeroed. `abs`: a learned table `abs_pe` [1, maxSeqLen + clsTokenNum, dim] added to the
 * embeddings (the published video layout).
 */
export type PositionKind = 'rope' | 'abs';

/**
 * A dimension-oriented head: reads the hidden state after `depth` blocks at token p and predicts
 * the token at p + sign·e_axis (for raster ordering: the next token in raster order).
 */
export interface HeadSpec {
  axis: number;
  sign: 1 | -1;
  depth: number;
  normKey: string;
  outputKey: string;
}

export type OrderingKind = 'neighbor' | 'raster';

export interface NarConfig {
  dim: number;
  /** base blocks (published `n_layer`); heads may sit deeper */
  nLayer: number;
  nHead: number;
  nKvHead: number;
  headDim: number;
  vocabSize: number;
  ffnHidden: number;
  normEps: number;
  ropeBase: number;
  /** token grid, [H, W] or [T, H, W] */
  grid: number[];
  /** product of grid */
  numTokens: number;
  condition: ConditionSpec;
  /** condition positions in the sequence (1 for class, 120 for published text models); a text model reads the last clsTokenNum of its `tokens` caption positions */
  clsTokenNum: number;
  positions: PositionKind;
  /** grid tokens covered by `abs_pe` (positions `abs` only) */
  maxSeqLen: number;
  heads: HeadSpec[];
  /** total transformer blocks = max head depth */
  totalBlocks: number;
  ordering: OrderingKind;
  classDropoutProb: number;
  /**
   * The grid position training grew from, when not the corner (absent: the corner, as every
   * published model). Samplers asked for seed 'auto' start here.
   */
  trainedSeed?: number[];
}

/**
 * The model's weights, counted from its config (to refuse a size before building it): each block's
 * attention and SwiGLU, token and condition embeddings, learned positions, each head's output layer.
 */
export function approxParameterCount(c: NarConfig): number {
  const attn = c.dim * c.nHead * c.headDim * 2 + c.dim * c.nKvHead * c.headDim * 2;
  const ffn = 3 * c.dim * c.ffnHidden;
  const condition = c.condition.kind === 'class' ? (c.condition.numClasses + 1) * c.dim : c.condition.captionDim * c.dim;
  const positions = c.positions === 'abs' ? c.maxSeqLen * c.dim : 0;
  return c.totalBlocks * (attn + ffn) + c.vocabSize * c.dim * (1 + c.heads.length) + condition + positions;
}

export function findMultiple(n: number, k: number): number {
  return n % k === 0 ? n : n + k - (n % k);
}

/** SwiGLU hidden size as published: find_multiple(int(mult · int(2·4·dim/3)), multipleOf). */
export function ffnHiddenSize(dim: number, multipleOf = 256, ffnDimMultiplier: number | null = null): number {
  let hidden = Math.floor((2 * 4 * dim) / 3);
  if (ffnDimMultiplier !== null && ffnDimMultiplier !== undefined) hidden = Math.floor(ffnDimMultiplier * hidden);
  return findMultiple(hidden, multipleOf);
}

export class NarConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NarConfigError';
  }
}

/** Checks invariants and derived fields; returns the config (frozen) or throws NarConfigError. */
export function validateNarConfig(c: NarConfig): NarConfig {
  const fail = (m: string) => {
    throw new NarConfigError(`invalid NAR config: ${m}`);
  };
  if (c.dim % c.nHead !== 0) fail(`dim ${c.dim} is not divisible by nHead ${c.nHead}`);
  if (c.headDim !== c.dim / c.nHead) fail(`headDim ${c.headDim} != dim/nHead ${c.dim / c.nHead}`);
  if (c.nHead % c.nKvHead !== 0) fail(`nHead ${c.nHead} is not a multiple of nKvHead ${c.nKvHead}`);
  if (c.grid.length < 1 || c.grid.some((g) => !Number.isInteger(g) || g < 1)) fail(`grid ${JSON.stringify(c.grid)} must be positive integers`);
  if (c.numTokens !== c.grid.reduce((a, b) => a * b, 1)) fail(`numTokens ${c.numTokens} != product of grid ${JSON.stringify(c.grid)}`);
  if (c.positions === 'rope' && c.headDim % (2 * c.grid.length) !== 0) {
    fail(`RoPE over ${c.grid.length} axes needs headDim divisible by ${2 * c.grid.length}, got ${c.headDim}`);
  }
  if (c.positions === 'abs' && c.maxSeqLen < c.numTokens) fail(`maxSeqLen ${c.maxSeqLen} < grid tokens ${c.numTokens}`);
  if (c.trainedSeed !== undefined) {
    const t = c.trainedSeed;
    if (!Array.isArray(t) || t.length !== c.grid.length || t.some((v, a) => !Number.isInteger(v) || v < 0 || v >= c.grid[a])) {
      fail(`trainedSeed ${JSON.stringify(t)} must be ${c.grid.length} integer coordinates inside the grid ${JSON.stringify(c.grid)}`);
    }
    if (c.ordering === 'raster') fail('a raster-AR model has no trained seed');
  }
  if (c.heads.length === 0) fail('no heads');
  for (const h of c.heads) {
    if (h.axis < 0 || h.axis >= c.grid.length) fail(`head axis ${h.axis} outside grid of ${c.grid.length} axes`);
    if (h.depth < 1 || h.depth > c.totalBlocks) fail(`head depth ${h.depth} outside 1..${c.totalBlocks}`);
  }
  if (Math.max(...c.heads.map((h) => h.depth)) !== c.totalBlocks) fail(`totalBlocks ${c.totalBlocks} != deepest head`);
  if (c.ordering === 'raster' && c.heads.length !== 1) fail(`raster ordering uses exactly one head, got ${c.heads.length}`);
  if (c.condition.kind === 'class' && c.clsTokenNum !== 1) fail(`class condition uses 1 position, got clsTokenNum ${c.clsTokenNum}`);
  if (c.condition.kind === 'text' && c.clsTokenNum > c.condition.tokens) {
    fail(`clsTokenNum ${c.clsTokenNum} > caption tokens ${c.condition.tokens}`);
  }
  return Object.freeze({ ...c, grid: Object.freeze([...c.grid]) as number[], heads: Object.freeze(c.heads.map((h) => Object.freeze({ ...h }))) as HeadSpec[] });
}

/** Published ModelArgs fields (LlamaGen/NAR image `ModelArgs`, NAR video `ModelArgs`). */
export interface PublishedModelArgs {
  dim: number;
  n_layer: number;
  n_head: number;
  n_kv_head?: number | null;
  vocab_size: number;
  block_size?: number;
  num_classes?: number;
  cls_token_num?: number;
  caption_dim?: number;
  model_type?: string;
  class_dropout_prob?: number;
  multiple_of?: number;
  ffn_dim_multiplier?: number | null;
  norm_eps?: number;
  rope_base?: number;
  medusa_attention_num?: number;
  latent_shape?: number[];
  max_seq_len?: number;
  attn_num_back?: number;
  attn_num_down?: number;
  [other: string]: unknown;
}

function num(args: Record<string, unknown>, key: string, dflt?: number): number {
  const v = args[key];
  if (v === undefined || v === null) {
    if (dflt === undefined) throw new NarConfigError(`model args: missing required field '${key}'`);
    return dflt;
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new NarConfigError(`model args: '${key}' must be a number, got ${JSON.stringify(v)}`);
  return v;
}

/** Builds the config from the published ModelArgs JSON (image c2i/t2i layout or video class_cond layout). */
export function narConfigFromModelArgs(args: PublishedModelArgs): NarConfig {
  const a = args as Record<string, unknown>;
  const dim = num(a, 'dim');
  const nLayer = num(a, 'n_layer');
  const nHead = num(a, 'n_head');
  const nKvHead = num(a, 'n_kv_head', nHead);
  const modelType = (a.model_type as string | undefined) ?? 'c2i';
  const isVideo = modelType === 'class_cond' || Array.isArray(a.latent_shape);
  const base = {
    dim,
    nLayer,
    nHead,
    nKvHead,
    headDim: dim / nHead,
    vocabSize: num(a, 'vocab_size'),
    ffnHidden: ffnHiddenSize(dim, num(a, 'multiple_of', 256), (a.ffn_dim_multiplier as number | null | undefined) ?? null),
    normEps: num(a, 'norm_eps', 1e-5),
    ropeBase: num(a, 'rope_base', 10000),
    classDropoutProb: num(a, 'class_dropout_prob', 0.1),
    ordering: 'neighbor' as const,
  };
  if (isVideo) {
    const shape = (a.latent_shape as number[] | undefined) ?? [4, 16, 16];
    if (!Array.isArray(shape) || shape.length !== 3) throw new NarConfigError(`model args: latent_shape must be [T, H, W], got ${JSON.stringify(shape)}`);
    const back = num(a, 'attn_num_back', 1);
    const down = num(a, 'attn_num_down', 1);
    const numTokens = shape[0] * shape[1] * shape[2];
    return validateNarConfig({
      ...base,
      grid: [...shape],
      numTokens,
      condition: { kind: 'class', numClasses: num(a, 'num_classes', 101) },
      clsTokenNum: num(a, 'cls_token_num', 1),
      positions: 'abs',
      maxSeqLen: num(a, 'max_seq_len', numTokens),
      heads: [
        { axis: 2, sign: 1, depth: nLayer, normKey: 'norm_R.weight', outputKey: 'output_R.weight' },
        { axis: 1, sign: 1, depth: nLayer + back, normKey: 'norm_D.weight', outputKey: 'output_D.weight' },
        { axis: 0, sign: 1, depth: nLayer + back + down, normKey: 'norm_B.weight', outputKey: 'output_B.weight' },
      ],
      totalBlocks: nLayer + back + down,
    });
  }
  const blockSize = num(a, 'block_size', 256);
  const side = Math.round(Math.sqrt(blockSize));
  if (side * side !== blockSize) throw new NarConfigError(`model args: block_size ${blockSize} is not a square grid`);
  const medusa = num(a, 'medusa_attention_num', 1);
  let condition: ConditionSpec;
  let clsTokenNum: number;
  if (modelType === 'c2i') {
    condition = { kind: 'class', numClasses: num(a, 'num_classes', 1000) };
    clsTokenNum = num(a, 'cls_token_num', 1);
  } else if (modelType === 't2i') {
    clsTokenNum = num(a, 'cls_token_num', 120);
    condition = { kind: 'text', captionDim: num(a, 'caption_dim', 2048), tokens: 120 };
  } else {
    throw new NarConfigError(`model args: model_type must be 'c2i', 't2i' or 'class_cond', got '${modelType}'`);
  }
  return validateNarConfig({
    ...base,
    grid: [side, side],
    numTokens: blockSize,
    condition,
    clsTokenNum,
    positions: 'rope',
    maxSeqLen: blockSize,
    heads: [
      { axis: 1, sign: 1, depth: nLayer, normKey: 'norm.weight', outputKey: 'output.weight' },
      { axis: 0, sign: 1, depth: nLayer + medusa, normKey: 'medusa_norm.weight', outputKey: 'medusa_output.weight' },
    ],
    totalBlocks: nLayer + medusa,
  });
}

/** Options for configs that are not published layouts (any grid, head set, raster baseline). */
export interface NarConfigOptions {
  dim: number;
  nLayer: number;
  nHead: number;
  nKvHead?: number;
  vocabSize: number;
  grid: number[];
  condition: ConditionSpec;
  clsTokenNum?: number;
  positions?: PositionKind;
  /** 'corner': one head per axis pointing away from the origin; 'all': both signs per axis */
  heads?: 'corner' | 'all';
  ordering?: OrderingKind;
  classDropoutProb?: number;
  /** see NarConfig.trainedSeed (omit for the corner) */
  trainedSeed?: number[];
  multipleOf?: number;
  normEps?: number;
  ropeBase?: number;
}

/**
 * Our own layouts. For 2-axis corner heads the published key names are used, so such a model is
 * interchangeable with a published image checkpoint. Heads of the last axis sit after `nLayer`
 * blocks; each earlier axis adds one block (the published depth pattern).
 */
export function buildNarConfig(o: NarConfigOptions): NarConfig {
  const D = o.grid.length;
  const ordering = o.ordering ?? 'neighbor';
  const numTokens = o.grid.reduce((a, b) => a * b, 1);
  const heads: HeadSpec[] = [];
  if (ordering === 'raster') {
    heads.push({ axis: D - 1, sign: 1, depth: o.nLayer, normKey: 'norm.weight', outputKey: 'output.weight' });
  } else {
    const published2d = D === 2 && (o.heads ?? 'corner') === 'corner';
    for (let k = 0; k < D; k++) {
      const axis = D - 1 - k;
      const signs: Array<1 | -1> = o.heads === 'all' ? [1, -1] : [1];
      for (const sign of signs) {
        const tag = `${axis}${sign > 0 ? 'p' : 'n'}`;
        const keys = published2d
          ? k === 0
            ? { normKey: 'norm.weight', outputKey: 'output.weight' }
            : { normKey: 'medusa_norm.weight', outputKey: 'medusa_output.weight' }
          : { normKey: `norm_${tag}.weight`, outputKey: `output_${tag}.weight` };
        heads.push({ axis, sign, depth: o.nLayer + k, ...keys });
      }
    }
  }
  const totalBlocks = Math.max(...heads.map((h) => h.depth));
  return validateNarConfig({
    dim: o.dim,
    nLayer: o.nLayer,
    nHead: o.nHead,
    nKvHead: o.nKvHead ?? o.nHead,
    headDim: o.dim / o.nHead,
    vocabSize: o.vocabSize,
    ffnHidden: ffnHiddenSize(o.dim, o.multipleOf ?? 256),
    normEps: o.normEps ?? 1e-5,
    ropeBase: o.ropeBase ?? 10000,
    grid: [...o.grid],
    numTokens,
    condition: o.condition,
    clsTokenNum: o.clsTokenNum ?? (o.condition.kind === 'class' ? 1 : o.condition.tokens),
    positions: o.positions ?? 'rope',
    maxSeqLen: numTokens,
    heads,
    totalBlocks,
    ordering,
    classDropoutProb: o.classDropoutProb ?? 0.1,
    ...(o.trainedSeed ? { trainedSeed: [...o.trainedSeed] } : {}),
  });
}

const METADATA_KEY = 'narflow.nar.config';
const CONFIG_VERSION = 1;

/** Config as safetensors `__metadata__` entries (string → string). */
export function narConfigToMetadata(c: NarConfig): Record<string, string> {
  return { [METADATA_KEY]: JSON.stringify({ version: CONFIG_VERSION, config: c }) };
}

/** Rebuilds the config stored by narConfigToMetadata, or returns null when the metadata has none. */
export function narConfigFromMetadata(meta: Record<string, string>): NarConfig | null {
  const raw = meta[METADATA_KEY];
  if (raw === undefined) return null;
  let parsed: { version?: number; config?: NarConfig };
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    throw new NarConfigError(`checkpoint metadata '${METADATA_KEY}' is not valid JSON (${(e as Error).message})`);
  }
  if (parsed.version !== CONFIG_VERSION || !parsed.config) {
    throw new NarConfigError(`checkpoint metadata '${METADATA_KEY}' has version ${parsed.version}, expected ${CONFIG_VERSION}`);
  }
  return validateNarConfig(parsed.config);
}

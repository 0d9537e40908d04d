// Which published model a state dict holds, and its config (published ModelArgs field names),
// read from keys and shapes where they determine it; the rest (heads, grid) comes from, in order:
// explicit overrides > the checkpoint's own training args > a size preset matching the shapes > defaults.
import { CheckpointError, type StateDict } from './safetensors';
import { narConfigFromModelArgs, type NarConfig, type PublishedModelArgs } from '../nar/config';

export type CheckpointLayout = 'nar-image' | 'nar-video' | 'llamagen-vq';
export type FieldSource = 'shape' | 'override' | 'args' | 'preset' | 'default';

export interface DetectedLayout {
  layout: CheckpointLayout;
  /** Published ModelArgs-style fields (VQ: the fields of LlamaGen's VQ ModelArgs). */
  config: Record<string, unknown>;
  /** Where each config field came from. */
  sources: Record<string, FieldSource>;
  /** The size preset used for what the shapes do not fix, if any. */
  preset: string | null;
  warnings: string[];
}

export interface DetectOptions {
  /** The checkpoint's training args (`metadata.args` of a .pt training checkpoint). */
  args?: Record<string, unknown>;
  /** Fields given explicitly (published names, e.g. {n_head: 16, block_size: 576}); they win. */
  overrides?: Record<string, unknown>;
}

/** GPT sizes of LlamaGen / NAR: n_layer, n_head, dim. */
export const GPT_PRESETS: Record<string, { n_layer: number; n_head: number; dim: number }> = {
  'GPT-B': { n_layer: 12, n_head: 12, dim: 768 },
  'GPT-M': { n_layer: 18, n_head: 16, dim: 1024 },
  'GPT-L': { n_layer: 24, n_head: 16, dim: 1024 },
  'GPT-XL': { n_layer: 36, n_head: 20, dim: 1280 },
  'GPT-XXL': { n_layer: 48, n_head: 24, dim: 1536 },
};

/** LlamaGen VQ tokenizers (codebook_l2_norm is the one field the weights cannot show). */
export const VQ_PRESETS: Record<string, Record<string, unknown>> = {
  'VQ-16': { codebook_size: 16384, codebook_embed_dim: 8, codebook_l2_norm: true, encoder_ch_mult: [1, 1, 2, 2, 4], decoder_ch_mult: [1, 1, 2, 2, 4], z_channels: 256, ch: 128 },
  'VQ-8': { codebook_size: 16384, codebook_embed_dim: 8, codebook_l2_norm: true, encoder_ch_mult: [1, 2, 2, 4], decoder_ch_mult: [1, 2, 2, 4], z_channels: 256, ch: 128 },
};

/** Published head size of every GPT preset; the fallback for n_head when nothing else says. */
const DEFAULT_HEAD_DIM = 64;

class ConfigBuilder {
  readonly config: Record<string, unknown> = {};
  readonly sources: Record<string, FieldSource> = {};
  readonly warnings: string[] = [];

  set(key: string, value: unknown, source: FieldSource): void {
    if (value === undefined) return;
    this.config[key] = value;
    this.sources[key] = source;
  }

  /** First defined of override, args, preset, default. */
  pick(key: string, o: { override?: unknown; args?: unknown; preset?: unknown; dflt?: unknown }): void {
    if (o.override !== undefined) this.set(key, o.override, 'override');
    else if (o.args !== undefined && o.args !== null) this.set(key, o.args, 'args');
    else if (o.preset !== undefined) this.set(key, o.preset, 'preset');
    else this.set(key, o.dflt, 'default');
  }

  result(layout: CheckpointLayout, preset: string | null): DetectedLayout {
    return { layout, config: this.config, sources: this.sources, preset, warnings: this.warnings };
  }
}

function shapeOf(sd: StateDict, key: string): number[] {
  const t = sd.get(key);
  if (!t) throw new CheckpointError(`state dict lacks ${key}`);
  return t.shape;
}

/** Number of distinct `<prefix>.<i>.` indices among the keys. */
function countIndexed(sd: StateDict, prefix: string): number {
  const seen = new Set<number>();
  const re = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)\\.`);
  for (const k of sd.keys()) {
    const m = re.exec(k);
    if (m) seen.add(Number(m[1]));
  }
  return seen.size;
}

export function detectLayout(sd: StateDict, o: DetectOptions = {}): DetectedLayout {
  if (sd.has('quantize.embedding.weight') && sd.has('encoder.conv_in.weight')) return detectVq(sd, o);
  if (sd.has('tok_embeddings.weight') && sd.has('abs_pe') && sd.has('output_R.weight')) return detectGpt(sd, o, 'nar-video');
  if (sd.has('tok_embeddings.weight') && sd.has('medusa_output.weight')) return detectGpt(sd, o, 'nar-image');
  const some = [...sd.keys()].slice(0, 6).join(', ');
  throw new CheckpointError(
    `cannot tell which model this state dict holds: expected NAR image keys (tok_embeddings, medusa_output), NAR video keys (abs_pe, output_R) or LlamaGen VQ keys (encoder.*, quantize.embedding); found ${some}${sd.size > 6 ? ', ...' : ''}`,
  );
}

/** The preset a checkpoint's args name, if its sizes agree with the shapes. */
function presetFor(o: DetectOptions, nLayer: number, dim: number, b: ConfigBuilder): string | null {
  const named = (o.overrides?.gpt_model ?? o.args?.gpt_model) as string | undefined;
  if (typeof named === 'string') {
    const p = GPT_PRESETS[named];
    if (p && p.n_layer === nLayer && p.dim === dim) return named;
    b.warnings.push(p ? `args name ${named} (${p.n_layer} layers, dim ${p.dim}) but the weights have ${nLayer} layers, dim ${dim}; preset ignored` : `unknown preset '${named}'`);
  }
  const match = Object.entries(GPT_PRESETS).find(([, p]) => p.n_layer === nLayer && p.dim === dim);
  return match ? match[0] : null;
}

/** Head count whose head_dim is closest to 64, among those dividing dim into a multiple of 4 (2D RoPE). */
function defaultHeads(dim: number): number {
  let best = 1;
  for (let n = 1; n <= dim; n++) {
    if (dim % n !== 0 || (dim / n) % 4 !== 0) continue;
    if (Math.abs(dim / n - DEFAULT_HEAD_DIM) < Math.abs(dim / best - DEFAULT_HEAD_DIM)) best = n;
  }
  return best;
}

function detectGpt(sd: StateDict, o: DetectOptions, layout: 'nar-image' | 'nar-video'): DetectedLayout {
  const b = new ConfigBuilder();
  const ov = o.overrides ?? {};
  const args = o.args ?? {};
  const [vocab, dim] = shapeOf(sd, 'tok_embeddings.weight');
  const blocks = countIndexed(sd, 'layers');
  const video = layout === 'nar-video';
  // Image: n_layer base blocks + 1 extra block feeding the second head. Video: + back + down.
  const back = video ? Number(ov.attn_num_back ?? args.attn_num_back ?? 1) : 0;
  const down = video ? Number(ov.attn_num_down ?? args.attn_num_down ?? 1) : 0;
  const nLayer = video ? blocks - back - down : blocks - 1;
  if (nLayer < 1) throw new CheckpointError(`state dict has ${blocks} transformer blocks, too few for the ${layout} layout`);
  b.set('dim', dim, 'shape');
  b.set('n_layer', nLayer, 'shape');
  const preset = presetFor(o, nLayer, dim, b);
  b.pick('n_head', { override: ov.n_head, args: args.n_head, preset: preset ? GPT_PRESETS[preset].n_head : undefined, dflt: defaultHeads(dim) });
  if (b.sources.n_head === 'default') b.warnings.push(`n_head is not in the weights; assumed head_dim ${DEFAULT_HEAD_DIM} → ${b.config.n_head} heads (pass n_head to override)`);
  const nHead = Number(b.config.n_head);
  const qkvRows = shapeOf(sd, 'layers.0.attention.wqkv.weight')[0];
  const kvDim = (qkvRows - dim) / 2;
  const nKvHead = (nHead * kvDim) / dim;
  if (!Number.isInteger(nKvHead) || nKvHead < 1) {
    throw new CheckpointError(`layers.0.attention.wqkv.weight has ${qkvRows} rows: not (n_head + 2·n_kv_head)·head_dim for dim ${dim} and ${nHead} heads`);
  }
  b.set('n_kv_head', nKvHead, 'shape');
  b.set('vocab_size', vocab, 'shape');
  const head = video ? 'output_R.weight' : 'output.weight';
  if (shapeOf(sd, head)[0] !== vocab) b.warnings.push(`${head} has ${shapeOf(sd, head)[0]} rows but the vocabulary is ${vocab}`);
  if (sd.has('cls_embedding.embedding_table.weight')) {
    b.set('num_classes', shapeOf(sd, 'cls_embedding.embedding_table.weight')[0] - 1, 'shape');
    b.pick('cls_token_num', { override: ov.cls_token_num, args: args.cls_token_num, dflt: 1 });
    if (!video) b.set('model_type', 'c2i', 'shape');
  } else if (sd.has('cls_embedding.cap_proj.fc1.weight')) {
    b.pick('num_classes', { override: ov.num_classes, dflt: 1000 });
    b.set('cls_token_num', shapeOf(sd, 'cls_embedding.uncond_embedding')[0], 'shape');
    b.set('caption_dim', shapeOf(sd, 'cls_embedding.cap_proj.fc1.weight')[1], 'shape');
    b.set('model_type', 't2i', 'shape');
  } else throw new CheckpointError('state dict has neither cls_embedding.embedding_table (class) nor cls_embedding.cap_proj (caption) weights');
  b.pick('class_dropout_prob', { override: ov.class_dropout_prob, args: args.class_dropout_prob, dflt: 0.1 });
  if (video) detectVideoGrid(sd, b, ov, args, back, down);
  else {
    const fromArgs = typeof args.image_size === 'number' && typeof args.downsample_size === 'number' ? (args.image_size / args.downsample_size) ** 2 : undefined;
    b.pick('block_size', { override: ov.block_size, args: fromArgs, dflt: 256 });
    if (b.sources.block_size !== 'override') b.warnings.push(`block_size (the token grid) is not in the weights; using ${b.config.block_size} from ${b.sources.block_size}`);
  }
  return b.result(layout, preset);
}

function detectVideoGrid(sd: StateDict, b: ConfigBuilder, ov: Record<string, unknown>, args: Record<string, unknown>, back: number, down: number): void {
  b.set('model_type', 'class_cond', 'shape');
  const maxSeqLen = shapeOf(sd, 'abs_pe')[1] - Number(b.config.cls_token_num);
  b.set('max_seq_len', maxSeqLen, 'shape');
  b.set('attn_num_back', back, ov.attn_num_back !== undefined ? 'override' : args.attn_num_back !== undefined ? 'args' : 'default');
  b.set('attn_num_down', down, ov.attn_num_down !== undefined ? 'override' : args.attn_num_down !== undefined ? 'args' : 'default');
  b.pick('latent_shape', { override: ov.latent_shape, args: args.latent_shape, preset: maxSeqLen === 4 * 16 * 16 ? [4, 16, 16] : undefined });
  const shape = b.config.latent_shape as number[] | undefined;
  if (!shape) b.warnings.push(`latent_shape (T, H, W) is not in the weights (abs_pe covers ${maxSeqLen} tokens); pass it`);
  else if (shape.reduce((x, y) => x * y, 1) > maxSeqLen) b.warnings.push(`latent_shape ${JSON.stringify(shape)} has more tokens than abs_pe covers (${maxSeqLen})`);
}

function detectVq(sd: StateDict, o: DetectOptions): DetectedLayout {
  const b = new ConfigBuilder();
  const [codes, embedDim] = shapeOf(sd, 'quantize.embedding.weight');
  const [ch, inChannels] = shapeOf(sd, 'encoder.conv_in.weight');
  const levels = countIndexed(sd, 'encoder.conv_blocks');
  const encMult: number[] = [];
  for (let i = 0; i < levels; i++) encMult.push(shapeOf(sd, `encoder.conv_blocks.${i}.res.0.conv1.weight`)[0] / ch);
  const decLevels = countIndexed(sd, 'decoder.conv_blocks');
  const decOut: number[] = [];
  for (let i = 0; i < decLevels; i++) decOut.push(shapeOf(sd, `decoder.conv_blocks.${i}.res.0.conv1.weight`)[0] / ch);
  b.set('codebook_size', codes, 'shape');
  b.set('codebook_embed_dim', embedDim, 'shape');
  const preset = Object.entries(VQ_PRESETS).find(([, p]) => p.codebook_size === codes && p.ch === ch && JSON.stringify(p.encoder_ch_mult) === JSON.stringify(encMult));
  b.pick('codebook_l2_norm', { override: o.overrides?.codebook_l2_norm, preset: preset?.[1].codebook_l2_norm, dflt: true });
  b.set('encoder_ch_mult', encMult, 'shape');
  b.set('decoder_ch_mult', decOut.reverse(), 'shape'); // decoder blocks run from the deepest level up
  b.set('z_channels', shapeOf(sd, 'encoder.conv_out.weight')[0], 'shape');
  b.set('ch', ch, 'shape');
  b.set('num_res_blocks', countIndexed(sd, 'encoder.conv_blocks.0.res'), 'shape');
  b.set('norm', 'group(32), eps 1e-6', 'default');
  b.set('in_channels', inChannels, 'shape');
  return b.result('llamagen-vq', preset ? preset[0] : null);
}

/** The NarConfig of a NAR state dict (throws for a VQ state dict or when the grid is unknown). */
export function narConfigFromCheckpoint(sd: StateDict, o: DetectOptions = {}): { config: NarConfig; detected: DetectedLayout } {
  const detected = detectLayout(sd, o);
  if (detected.layout === 'llamagen-vq') throw new CheckpointError('this state dict holds a LlamaGen VQ tokenizer, not a NAR model');
  if (detected.layout === 'nar-video' && !detected.config.latent_shape) {
    throw new CheckpointError(`NAR video checkpoint: latent_shape is not in the weights (abs_pe covers ${detected.config.max_seq_len} tokens); pass latent_shape [T, H, W]`);
  }
  return { config: narConfigFromModelArgs(detected.config as PublishedModelArgs), detected };
}

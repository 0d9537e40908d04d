// narflow convert: PyTorch .pt (or safetensors) → safetensors, read without running pickle code.
// Prints what the checkpoint holds (steps, args, layout, config) and stores the config in the output
// when it is known, so that loaders need no separate ModelArgs file.
import * as fs from 'fs';
import * as path from 'path';
import { flag, UsageError, type CliCommand, type ParsedArgs } from '../command';
import { detectLayout, type DetectedLayout } from '../../../models/checkpoint/layout';
import { isTensorFree } from '../../../models/checkpoint/pt/plainData';
import { readCheckpoint, type Checkpoint } from '../../../models/checkpoint/read';
import { writeSafetensors, type WriteDType } from '../../../models/checkpoint/safetensors';
import { narConfigFromMetadata, narConfigFromModelArgs, narConfigToMetadata, type NarConfig, type PublishedModelArgs } from '../../../models/nar/config';
import { TOKENIZER_FORMAT } from '../../../models/vq/io';

const USAGE = `usage: narflow convert <in.pt|in.safetensors> <out.safetensors> [--dtype f32|f16|bf16]
         [--n-head N] [--block-size N] [--latent-shape T,H,W] [--model-args A.json]
  Reads the state dict (checkpoint['model'] / ['module'] / ['state_dict'] / top level) without
  running any code from the file, prints steps/args and the detected layout, writes safetensors
  (--dtype: the tensors' type in the output, default f32).
  --n-head, --block-size, --latent-shape, --model-args: config fields the weights cannot show
  (A.json: published ModelArgs, or {"config": ModelArgs}).`;

const DTYPES: Record<string, WriteDType> = { f32: 'F32', f16: 'F16', bf16: 'BF16' };

function overridesFrom(args: ParsedArgs): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  const file = flag(args, 'model-args');
  if (file) {
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    Object.assign(o, typeof json.config === 'object' && json.config !== null ? json.config : json);
  }
  const int = (name: string) => {
    const v = flag(args, name);
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v)) throw new Error(`option --${name} expects a positive integer, got '${v}'`);
    return Number(v);
  };
  if (int('n-head') !== undefined) o.n_head = int('n-head');
  if (int('block-size') !== undefined) o.block_size = int('block-size');
  const shape = flag(args, 'latent-shape');
  if (shape !== undefined) {
    const dims = shape.split(',').map(Number);
    if (dims.length !== 3 || dims.some((d) => !Number.isInteger(d) || d < 1)) throw new Error(`option --latent-shape expects T,H,W (e.g. 4,16,16), got '${shape}'`);
    o.latent_shape = dims;
  }
  return o;
}

function describeCheckpoint(file: string, ck: Checkpoint): string[] {
  const params = [...ck.tensors.values()].reduce((n, t) => n + t.data.length, 0);
  const d = ck.details;
  const where = d ? `${d.layout} .pt, state dict ${d.container ? `under '${d.container}'` : 'at the top level'}${d.strippedPrefix ? `, prefix '${d.strippedPrefix}' removed` : ''}` : ck.format;
  const dtypes = d ? ` (${Object.entries(d.dtypes).map(([t, n]) => `${t}×${n}`).join(', ')})` : '';
  const lines = [`read ${file}: ${where}; ${ck.tensors.size} tensors${dtypes}, ${(params / 1e6).toFixed(3)}M values`];
  for (const [k, v] of Object.entries(ck.metadata)) {
    const text = isTensorFree(v) ? JSON.stringify(v) : '(holds tensors; not copied)';
    lines.push(`  ${k}: ${text.length > 400 ? `${text.slice(0, 400)}…` : text}`);
  }
  if (d?.skipped.length) lines.push(`  non-tensor state dict entries left out: ${d.skipped.join(', ')}`);
  return lines;
}

/** Config metadata for the output when the layout's config is fully known; otherwise a note why not. */
function configMetadata(det: DetectedLayout): { meta: Record<string, string>; note?: string } {
  if (det.layout === 'llamagen-vq') return { meta: { format: TOKENIZER_FORMAT, kind: 'llamagen-vq', config: JSON.stringify(det.config) } };
  if (det.sources.n_head === 'default') return { meta: {}, note: 'NAR config not stored: n_head is a guess (pass --n-head or --model-args)' };
  try {
    return { meta: narConfigToMetadata(narConfigFromModelArgs(det.config as PublishedModelArgs)) };
  } catch (e) {
    return { meta: {}, note: `NAR config not stored: ${(e as Error).message}` };
  }
}

/** Whether `output` names the file `input` is (same path, a link to it, or a hard link). */
function sameFile(input: string, output: string): boolean {
  if (path.resolve(input) === path.resolve(output)) return true;
  if (!fs.existsSync(output)) return false;
  const a = fs.statSync(input);
  const b = fs.statSync(output);
  return a.dev === b.dev && a.ino === b.ino;
}

/** The config a narflow-made file already stores (NAR or tokenizer), described in one line; null when none. */
function storedConfig(metadata: Record<string, unknown>): string | null {
  const strMeta = Object.fromEntries(Object.entries(metadata).filter((e): e is [string, string] => typeof e[1] === 'string'));
  let nar: NarConfig | null;
  try {
    nar = narConfigFromMetadata(strMeta);
  } catch (e) {
    throw new Error(`the input's stored NAR config is unreadable: ${(e as Error).message}`);
  }
  if (nar) return `NAR config stored in the input (narflow.nar.config), kept: dim ${nar.dim}, ${nar.totalBlocks} blocks, ${nar.nHead} heads, grid [${nar.grid}], vocab ${nar.vocabSize}`;
  if (strMeta.format === TOKENIZER_FORMAT && strMeta.config) return `tokenizer config stored in the input (${strMeta.kind ?? 'narflow tokenizer'}), kept`;
  return null;
}

export const command: CliCommand = {
  name: 'convert',
  summary: 'convert a PyTorch .pt checkpoint to safetensors (no pickle code runs); prints steps/args/layout',
  usage: USAGE,
  options: { values: ['dtype', 'n-head', 'block-size', 'latent-shape', 'model-args'], positional: 2 },
  async run(args) {
    const [input, output] = args.positional;
    if (!input || !output) {
      process.stderr.write(`narflow convert: expected <in> <out.safetensors>, got ${args.positional.length} paths\n${USAGE}\n`);
      return 2;
    }
    if (!fs.existsSync(input)) throw new Error(`${input} does not exist`);
    if (fs.statSync(input).isDirectory()) throw new UsageError(`${input} is a directory; expected a .pt or .safetensors file`);
    if (sameFile(input, output)) throw new UsageError(`${output} is the input file itself; write the conversion to another file`);
    const dtypeName = flag(args, 'dtype') ?? 'f32';
    const dtype = DTYPES[dtypeName];
    if (!dtype) throw new Error(`option --dtype expects f32, f16 or bf16, got '${dtypeName}'`);
    const overrides = overridesFrom(args);
    const ck = readCheckpoint(input);
    const out = describeCheckpoint(input, ck);
    const meta: Record<string, string> = { 'narflow.converted_from': input.split(/[\\/]/).pop() ?? input };
    for (const [k, v] of Object.entries(ck.metadata)) if (isTensorFree(v)) meta[k] = typeof v === 'string' ? v : JSON.stringify(v);
    // a file narflow wrote carries its whole config: keep it rather than guess one from the shapes
    // (options that set config fields ask for a new one)
    const stored = Object.keys(overrides).length ? null : storedConfig(ck.metadata);
    try {
      const argsMeta = ck.metadata.args;
      const det = detectLayout(ck.tensors, { args: typeof argsMeta === 'object' && argsMeta !== null ? (argsMeta as Record<string, unknown>) : undefined, overrides });
      out.push(`layout: ${det.layout}${det.preset ? ` (preset ${det.preset})` : ''}`);
      if (stored) out.push(`config: ${stored}`);
      else {
        out.push(`config: ${JSON.stringify(det.config)}`);
        const guessed = Object.entries(det.sources).filter(([, s]) => s !== 'shape').map(([k, s]) => `${k}←${s}`);
        if (guessed.length) out.push(`  not from shapes: ${guessed.join(', ')}`);
        for (const w of det.warnings) out.push(`  warning: ${w}`);
        const cfg = configMetadata(det);
        Object.assign(meta, cfg.meta);
        if (cfg.note) out.push(`  ${cfg.note}`);
      }
      meta['narflow.layout'] = det.layout;
    } catch (e) {
      out.push(`layout: not recognised (${(e as Error).message}); tensors are converted as they are`);
    }
    writeSafetensors(output, ck.tensors, meta, dtype);
    out.push(`wrote ${output}: ${ck.tensors.size} tensors as ${dtypeName}, ${fs.statSync(output).size} bytes`);
    process.stdout.write(out.join('\n') + '\n');
    return 0;
  },
};

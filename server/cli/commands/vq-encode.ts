// narflow vq-encode: code indices of images, printed as JSON [B][h][w].
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs';
import { type DeviceChoice, initBackend } from '../../../models/backend';
import { loadImageFolder } from '../../../models/data/folders';
import { loadTokenizer } from '../../../models/vq/io';
import { type LlamaGenVqConfig, parseLlamaGenVqConfig } from '../../../models/vq/llamagenConfig';
import type { Tokenizer } from '../../../models/vq/tokenizer';
import { type CliCommand, flag, intFlag, requireFlag } from '../command';

const USAGE = `usage: narflow vq-encode --weights W.safetensors [--config C.json] --input (X.json | image-folder) [--size S] [--device auto|wasm|cpu]
  --input: a JSON array [B][C][H][W] of floats in [-1, 1] (or {"input_nchw": ...}), or a folder of images
  --config: LlamaGen VQ config (published names) for weights that do not store one
  --size S: resize a folder's images to S×S first`;

/** Reads a JSON array [B][C][H][W] of floats in [−1, 1] as an NHWC tensor. */
function readNchwJson(file: string): tf.Tensor4D {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`--input ${file}: cannot read JSON (${(e as Error).message})`);
  }
  const obj = raw as Record<string, unknown>;
  const arr = Array.isArray(raw) ? raw : obj && Array.isArray(obj.input_nchw) ? obj.input_nchw : null;
  if (!arr) throw new Error(`--input ${file}: expected a JSON array [B][C][H][W] (or an object with input_nchw)`);
  let t: tf.Tensor;
  try {
    t = tf.tensor(arr as number[][][][]);
  } catch (e) {
    throw new Error(`--input ${file}: not a rectangular array of numbers (${(e as Error).message})`);
  }
  if (t.rank !== 4) {
    t.dispose();
    throw new Error(`--input ${file}: expected 4 dimensions [B][C][H][W], got shape [${t.shape}]`);
  }
  const x = tf.tidy(() => tf.transpose(t, [0, 2, 3, 1]) as tf.Tensor4D);
  t.dispose();
  return x;
}

/** A LlamaGen VQ config JSON (published names), at the top level or under "config". */
export function readVqConfigFile(file: string): LlamaGenVqConfig {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`--config ${file}: cannot read JSON (${(e as Error).message})`);
  }
  const inner = raw.config && typeof raw.config === 'object' ? (raw.config as Record<string, unknown>) : raw;
  return parseLlamaGenVqConfig(inner);
}

function encodeInput(tok: Tokenizer, input: string, size?: number): number[][][] {
  if (fs.statSync(input).isDirectory()) return tok.encode(loadImageFolder(input, { size }).images);
  const x = readNchwJson(input);
  try {
    const idx = tok.encodeTensor(x);
    const out = idx.arraySync() as number[][][];
    idx.dispose();
    return out;
  } finally {
    x.dispose();
  }
}

export const command: CliCommand = {
  name: 'vq-encode',
  summary: 'encode images (NCHW JSON in [-1,1] or an image folder) to VQ code indices [B][h][w] as JSON',
  usage: USAGE,
  options: { values: ['weights', 'config', 'input', 'size', 'device'] },
  async run(args) {
    if (!flag(args, 'weights') || !flag(args, 'input')) {
      process.stderr.write(USAGE + '\n');
      return 2;
    }
    const input = requireFlag(args, 'input');
    if (!fs.existsSync(input)) throw new Error(`--input ${input} does not exist`);
    const configFile = flag(args, 'config');
    const size = flag(args, 'size') !== undefined ? intFlag(args, 'size', 0) : undefined;
    if (size !== undefined && !fs.statSync(input).isDirectory()) throw new Error('option --size resizes the images of an --input folder; a JSON input is used at its own size');
    await initBackend((flag(args, 'device') ?? 'auto') as DeviceChoice);
    const llamagenConfig = configFile ? readVqConfigFile(configFile) : undefined;
    const tok = loadTokenizer(requireFlag(args, 'weights'), { llamagenConfig });
    try {
      process.stdout.write(JSON.stringify(encodeInput(tok, input, size)) + '\n');
    } finally {
      tok.dispose();
    }
    return 0;
  },
};

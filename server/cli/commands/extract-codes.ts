// narflow extract-codes: tokenizes a dataset (an image folder, a video folder, or the Shapes
// generator) into one code file for NAR training (see models/vq/codeFile.ts).
import * as fs from 'fs';
import * as path from 'path';
import { type DeviceChoice, initBackend } from '../../../models/backend';
import { loadImageFolder, loadVideoFolder } from '../../../models/data/folders';
import { generateShapesImages } from '../../../models/data/shapes';
import { generateShapesVideos } from '../../../models/data/shapesVideo';
import { type CodeDataset, writeCodeFile } from '../../../models/vq/codeFile';
import { loadTokenizer } from '../../../models/vq/io';
import type { Tokenizer } from '../../../models/vq/tokenizer';
import { encodeVideo } from '../../../models/vq/video';
import { type CliCommand, flag, intFlag, type ParsedArgs, requireFlag, UsageError } from '../command';
import { readVqConfigFile } from './vq-encode';

const USAGE = `usage: narflow extract-codes --tokenizer T.safetensors [--config C.json] --out codes.safetensors
         (--images DIR | --videos DIR | --shapes images|videos [--count N] [--seed S] [--objects 1|2|mixed] [--frames T])
         [--size S] [--device auto|wasm|cpu]
  --count N: how many Shapes images or videos (default 1000); --frames T: frames per Shapes video (default 4)
  --objects: objects per Shapes image (default 1); --seed S: the Shapes generator's seed (default 1)
  --size S: image side in pixels (Shapes default 32; folders: resized to S×S when given)`;

const CHUNK = 256;

interface ShapesRequest {
  kind: 'images' | 'videos';
  count: number;
  seed: number;
  size: number;
  objects: 1 | 2 | 'mixed';
  frames: number;
}

/** The --shapes source's settings, checked before any model loads. */
function shapesRequest(args: ParsedArgs): ShapesRequest {
  const kind = requireFlag(args, 'shapes');
  if (kind !== 'images' && kind !== 'videos') throw new UsageError(`option --shapes expects 'images' or 'videos', got '${kind}'`);
  const objects = flag(args, 'objects') ?? '1';
  if (objects !== '1' && objects !== '2' && objects !== 'mixed') throw new UsageError(`option --objects expects 1, 2 or mixed, got '${objects}'`);
  if (kind === 'videos' && flag(args, 'objects') !== undefined) throw new UsageError('option --objects is for --shapes images (Shapes videos hold one object)');
  if (kind === 'images' && flag(args, 'frames') !== undefined) throw new UsageError('option --frames is for --shapes videos');
  return {
    kind,
    count: intFlag(args, 'count', 1000),
    seed: intFlag(args, 'seed', 1, 0),
    size: intFlag(args, 'size', 32),
    objects: objects === 'mixed' ? 'mixed' : objects === '2' ? 2 : 1,
    frames: intFlag(args, 'frames', 4),
  };
}

function shapesCodes(tok: Tokenizer, r: ShapesRequest): Omit<CodeDataset, 'tokenizer'> {
  const { kind, count, seed, size } = r;
  const codes: number[] = [];
  const labels: number[] = [];
  const captions: string[] = [];
  let shape: number[] = [];
  for (let s = 0; s < count; s += CHUNK) {
    const n = Math.min(CHUNK, count - s);
    const chunkSeed = seed * 1_000_003 + s / CHUNK;
    if (kind === 'images') {
      const d = generateShapesImages(n, chunkSeed, { size, objects: r.objects });
      const c = tok.encode(d.images);
      shape = [count, c[0].length, c[0][0].length];
      for (const v of c.flat(2)) codes.push(v);
      labels.push(...d.labels);
      captions.push(...d.captions);
    } else {
      const d = generateShapesVideos(n, chunkSeed, { size, frames: r.frames });
      const c = encodeVideo(tok, d.videos);
      shape = [count, c[0].length, c[0][0].length, c[0][0][0].length];
      for (const v of c.flat(3)) codes.push(v);
      labels.push(...d.labels);
      captions.push(...d.captions);
    }
  }
  return {
    shape,
    codes: Int32Array.from(codes),
    codebookSize: tok.codebookSize,
    labels: Int32Array.from(labels),
    captions,
    source: `shapes ${kind} count=${count} seed=${seed} size=${size}`,
  };
}

export const command: CliCommand = {
  name: 'extract-codes',
  summary: 'tokenize a dataset (image folder, video folder or the Shapes generator) into a code file for NAR training',
  usage: USAGE,
  options: { values: ['tokenizer', 'config', 'out', 'images', 'videos', 'shapes', 'count', 'seed', 'objects', 'frames', 'size', 'device'] },
  async run(args) {
    const sources = ['images', 'videos', 'shapes'].filter((k) => flag(args, k) !== undefined);
    if (!flag(args, 'tokenizer') || !flag(args, 'out') || sources.length !== 1) {
      process.stderr.write(`${USAGE}\n${sources.length > 1 ? `(give one of --images, --videos, --shapes; got ${sources.join(', ')})\n` : ''}`);
      return 2;
    }
    if (sources[0] !== 'shapes') {
      const stray = ['count', 'seed', 'objects', 'frames'].filter((k) => args.flags.has(k));
      if (stray.length) throw new UsageError(`${stray.map((k) => `--${k}`).join(', ')} ${stray.length > 1 ? 'are' : 'is'} for --shapes, not --${sources[0]}`);
    }
    const shapes = sources[0] === 'shapes' ? shapesRequest(args) : undefined;
    const size = flag(args, 'size') !== undefined ? intFlag(args, 'size', 32) : undefined;
    await initBackend((flag(args, 'device') ?? 'auto') as DeviceChoice);
    const tokFile = requireFlag(args, 'tokenizer');
    const configFile = flag(args, 'config');
    const tok = loadTokenizer(tokFile, { llamagenConfig: configFile ? readVqConfigFile(configFile) : undefined });
    let data: Omit<CodeDataset, 'tokenizer'>;
    try {
      if (shapes) {
        data = shapesCodes(tok, shapes);
      } else if (sources[0] === 'images') {
        const dir = requireFlag(args, 'images');
        const c = tok.encode(loadImageFolder(dir, { size }).images);
        data = { shape: [c.length, c[0].length, c[0][0].length], codes: Int32Array.from(c.flat(2)), codebookSize: tok.codebookSize, source: path.resolve(dir) };
      } else {
        const dir = requireFlag(args, 'videos');
        const c = encodeVideo(tok, loadVideoFolder(dir, { size }).videos);
        data = { shape: [c.length, c[0].length, c[0][0].length, c[0][0][0].length], codes: Int32Array.from(c.flat(3)), codebookSize: tok.codebookSize, source: path.resolve(dir) };
      }
    } finally {
      tok.dispose();
    }
    const out = requireFlag(args, 'out');
    fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
    writeCodeFile(out, { ...data, tokenizer: path.basename(tokFile) });
    process.stdout.write(`wrote ${out}: codes [${data.shape}] (codebook ${data.codebookSize})${data.labels ? `, ${data.labels.length} labels and captions` : ''}\n`);
    return 0;
  },
};

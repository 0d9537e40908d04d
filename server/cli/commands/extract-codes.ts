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
import { type CliCommand, flag, numberFlag, parseArgs, requireFlag } from '../command';
import { readVqConfigFile } from './vq-encode';

const USAGE = `usage: narflow extract-codes --tokenizer T.safetensors [--config C.json] --out codes.safetensors
         (--images DIR | --videos DIR | --shapes images|videos [--count N] [--seed S] [--objects 1|2|mixed] [--frames T])
         [--size S] [--device auto|wasm|cpu]`;

const CHUNK = 256;

function shapesCodes(tok: Tokenizer, kind: string, count: number, seed: number, size: number, args: ReturnType<typeof parseArgs>): Omit<CodeDataset, 'tokenizer'> {
  const codes: number[] = [];
  const labels: number[] = [];
  const captions: string[] = [];
  let shape: number[] = [];
  for (let s = 0; s < count; s += CHUNK) {
    const n = Math.min(CHUNK, count - s);
    const chunkSeed = seed * 1_000_003 + s / CHUNK;
    if (kind === 'images') {
      const objects = flag(args, 'objects') ?? '1';
      const d = generateShapesImages(n, chunkSeed, { size, objects: objects === 'mixed' ? 'mixed' : objects === '2' ? 2 : 1 });
      const c = tok.encode(d.images);
      shape = [count, c[0].length, c[0][0].length];
      for (const v of c.flat(2)) codes.push(v);
      labels.push(...d.labels);
      captions.push(...d.captions);
    } else if (kind === 'videos') {
      const d = generateShapesVideos(n, chunkSeed, { size, frames: numberFlag(args, 'frames', 4) });
      const c = encodeVideo(tok, d.videos);
      shape = [count, c[0].length, c[0][0].length, c[0][0][0].length];
      for (const v of c.flat(3)) codes.push(v);
      labels.push(...d.labels);
      captions.push(...d.captions);
    } else throw new Error(`--shapes expects 'images' or 'videos', got '${kind}'`);
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
  async run(argv) {
    const args = parseArgs(argv);
    const sources = ['images', 'videos', 'shapes'].filter((k) => flag(args, k) !== undefined);
    if (!flag(args, 'tokenizer') || !flag(args, 'out') || sources.length !== 1) {
      process.stderr.write(`${USAGE}\n${sources.length > 1 ? `(give one of --images, --videos, --shapes; got ${sources.join(', ')})\n` : ''}`);
      return 2;
    }
    await initBackend((flag(args, 'device') ?? 'auto') as DeviceChoice);
    const tokFile = requireFlag(args, 'tokenizer');
    const configFile = flag(args, 'config');
    const tok = loadTokenizer(tokFile, { llamagenConfig: configFile ? readVqConfigFile(configFile) : undefined });
    const sizeFlag = flag(args, 'size');
    const size = sizeFlag ? numberFlag(args, 'size', 32) : undefined;
    let data: Omit<CodeDataset, 'tokenizer'>;
    try {
      if (sources[0] === 'shapes') {
        data = shapesCodes(tok, requireFlag(args, 'shapes'), numberFlag(args, 'count', 1000), numberFlag(args, 'seed', 1), size ?? 32, args);
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

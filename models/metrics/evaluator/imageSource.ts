// Where a set of images comes from, read in batches: the Shapes generator (procedural, seeded),
// a folder of PNG/JPEG files, or images already in memory (e.g. a sampler node's output).
// `describe()` identifies the set for the reference-statistics cache.
import * as fs from 'fs';
import * as path from 'path';
import { ImageBatch, imageBatch } from '../../image/types';
import { generateShapesImages } from '../../data/shapes';
import { loadImageFolder } from '../../data/folders';

export interface ImageSource {
  readonly count: number;
  /** Images [start, start + n). */
  batch(start: number, n: number): Promise<ImageBatch>;
  /** A stable description: same description ⇒ same images. */
  describe(): string;
  /** Prompts (captions) for the images, when the source knows them. */
  prompts?(): string[];
}

export function memorySource(images: ImageBatch, prompts?: string[]): ImageSource {
  return {
    count: images.batch,
    async batch(start, n) {
      const px = images.height * images.width * 3;
      return imageBatch(n, images.height, images.width, images.data.slice(start * px, (start + n) * px));
    },
    describe: () => `memory:${images.batch}x${images.height}x${images.width}`,
    prompts: prompts ? () => prompts : undefined,
  };
}

export interface ShapesSourceOptions {
  count: number;
  seed: number;
  size?: number;
  objects?: 1 | 2 | 'mixed';
}

/** Shapes generator images, made in chunks of 256 (chunk c uses seed + c), so memory stays small. */
export function shapesSource(o: ShapesSourceOptions): ImageSource {
  const CHUNK = 256;
  const size = o.size ?? 32;
  const objects = o.objects ?? 'mixed';
  let last: { c: number; imgs: ReturnType<typeof generateShapesImages> } | null = null;
  const chunk = (c: number) => {
    if (!last || last.c !== c) last = { c, imgs: generateShapesImages(Math.min(CHUNK, o.count - c * CHUNK), o.seed + c, { size, objects }) };
    return last.imgs;
  };
  return {
    count: o.count,
    async batch(start, n) {
      const out = imageBatch(n, size, size);
      const px = size * size * 3;
      for (let i = 0; i < n; ) {
        const c = Math.floor((start + i) / CHUNK);
        const imgs = chunk(c).images;
        const from = start + i - c * CHUNK;
        const take = Math.min(n - i, imgs.batch - from);
        out.data.set(imgs.data.subarray(from * px, (from + take) * px), i * px);
        i += take;
      }
      return out;
    },
    describe: () => `shapes:count=${o.count},seed=${o.seed},size=${size},objects=${objects},chunk=${CHUNK}`,
    prompts: () => {
      const all: string[] = [];
      for (let c = 0; c * CHUNK < o.count; c++) all.push(...chunk(c).captions);
      return all;
    },
  };
}

/** Every image directly in `dir` (resized to size × size when given). */
export function folderSource(dir: string, size?: number): ImageSource {
  const folder = loadImageFolder(dir, size ? { size } : {});
  const stamp = folder.files.map((f) => {
    const s = fs.statSync(f);
    return `${path.basename(f)}:${s.size}:${s.mtimeMs}`;
  });
  const mem = memorySource(folder.images);
  return { ...mem, describe: () => `folder:${path.resolve(dir)}:size=${size ?? 'native'}:${stamp.join('|')}` };
}


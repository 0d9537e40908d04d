// Training data drawn from the Shapes generator on the fly: batch i is rendered from a seed derived
// from (source seed, i), tokenized, and handed out as {cond, tokens}. Same seed → same batches.
//   class-to-image: one object per image, class = shape × colour (18 classes)
//   text-to-image:  one or two objects, caption → text encoder features (cached per caption)
//   video:          one moving object, class = shape × direction (12 classes), tokens per frame
import { generateShapesImages } from '../../data/shapes';
import { NUM_IMAGE_CLASSES, NUM_VIDEO_CLASSES } from '../../data/shapesSpec';
import { generateShapesVideos } from '../../data/shapesVideo';
import type { TextEncoder } from '../../text';
import type { Tokenizer } from '../../vq/tokenizer';
import { encodeVideo } from '../../vq/video';
import { batchSeed, checkBatchSize, type NarDataSource, type SourceSpec } from '../types';
import { CaptionFeatureCache } from './captionCache';

export interface ShapesSourceOptions {
  tokenizer: Tokenizer;
  seed: number;
  /** image (frame) side in pixels (default 32) */
  imageSize?: number;
}

/** Flattens nested codes ([B][h][w] or [B][T][h][w]) into [B, N] raster order. */
export function flattenNested(codes: unknown[], perItem: number): Int32Array {
  const out = new Int32Array(codes.length * perItem);
  let i = 0;
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) for (const y of x) walk(y);
    else out[i++] = x as number;
  };
  walk(codes);
  if (i !== out.length) throw new Error(`codes hold ${i} values, expected ${codes.length} × ${perItem}`);
  return out;
}

function imageGrid(tokenizer: Tokenizer, size: number): number[] {
  const { h, w } = tokenizer.grid(size, size);
  return [h, w];
}

/** Class-to-image Shapes (single objects, class = shape × colour). */
export function shapesClassSource(o: ShapesSourceOptions): NarDataSource {
  const size = o.imageSize ?? 32;
  const grid = imageGrid(o.tokenizer, size);
  const spec: SourceSpec = { grid, vocabSize: o.tokenizer.codebookSize, condition: { kind: 'class', numClasses: NUM_IMAGE_CLASSES } };
  return {
    description: `Shapes class-to-image ${size}×${size}, seed ${o.seed}`,
    spec,
    async batch(index, B) {
      checkBatchSize(B);
      const d = generateShapesImages(B, batchSeed(o.seed, index), { size, objects: 1 });
      return { cond: { kind: 'class', classIds: d.labels }, tokens: flattenNested(o.tokenizer.encode(d.images), grid[0] * grid[1]) };
    },
    dispose() {},
  };
}

export interface ShapesTextSourceOptions extends ShapesSourceOptions {
  textEncoder: TextEncoder;
  /** objects per image: 1, 2 or 'mixed' (default 'mixed') */
  objects?: 1 | 2 | 'mixed';
}

/** Text-to-image Shapes: captions → text encoder features (+ left-padded mask). */
export function shapesCaptionSource(o: ShapesTextSourceOptions): NarDataSource & { readonly cache: CaptionFeatureCache } {
  const size = o.imageSize ?? 32;
  const grid = imageGrid(o.tokenizer, size);
  const cache = new CaptionFeatureCache(o.textEncoder);
  const objects = o.objects ?? 'mixed';
  return {
    description: `Shapes captions ${size}×${size} (${objects} objects), seed ${o.seed}`,
    spec: { grid, vocabSize: o.tokenizer.codebookSize, condition: { kind: 'text', captionDim: o.textEncoder.captionDim, tokens: o.textEncoder.maxTokens } },
    cache,
    async batch(index, B) {
      checkBatchSize(B);
      const d = generateShapesImages(B, batchSeed(o.seed, index), { size, objects });
      const { features, mask } = await cache.encode(d.captions);
      return { cond: { kind: 'text', features, mask }, tokens: flattenNested(o.tokenizer.encode(d.images), grid[0] * grid[1]) };
    },
    dispose() {},
  };
}

export interface ShapesVideoSourceOptions extends ShapesSourceOptions {
  /** frames per clip (default 4) */
  frames?: number;
}

/** Shapes videos (class = shape × direction), tokenized frame by frame into a [T, h, w] grid. */
export function shapesVideoSource(o: ShapesVideoSourceOptions): NarDataSource {
  const size = o.imageSize ?? 32;
  const frames = o.frames ?? 4;
  const [h, w] = imageGrid(o.tokenizer, size);
  const grid = [frames, h, w];
  return {
    description: `Shapes videos ${frames}×${size}×${size}, seed ${o.seed}`,
    spec: { grid, vocabSize: o.tokenizer.codebookSize, condition: { kind: 'class', numClasses: NUM_VIDEO_CLASSES } },
    async batch(index, B) {
      checkBatchSize(B);
      const d = generateShapesVideos(B, batchSeed(o.seed, index), { frames, size });
      return { cond: { kind: 'class', classIds: d.labels }, tokens: flattenNested(encodeVideo(o.tokenizer, d.videos), frames * h * w) };
    },
    dispose() {},
  };
}

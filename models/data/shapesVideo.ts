// Shapes videos: one object moving in one of four directions, one layout cell over the clip.
// Class = shape × direction. Default clip: 4 frames of 32×32 (→ 4×8×8 tokens with the bundled
// 4×4-patch tokenizer), small enough for the NAR video model to train on a CPU.
import { Rng } from '../rng';
import type { VideoBatch } from '../image/types';
import { renderShapes } from './render';
import { placeObject, randomScene } from './shapes';
import { DIRECTIONS, POSITION_NAMES, SHAPES, type DirectionName, type ShapeObject } from './shapesSpec';

export interface ShapesVideoOptions {
  /** frames per clip (default 4, at least 2) */
  frames?: number;
  /** frame side in pixels (default 32) */
  size?: number;
  /** supersamples per pixel side (default 4) */
  antialias?: number;
  /** frames per second stored with the batch (default 4) */
  fps?: number;
}

/** One clip's object: where it starts (a layout cell) and where it goes. */
export interface MovingObject extends ShapeObject {
  direction: DirectionName;
}

export interface ShapesVideos {
  videos: VideoBatch;
  /** class label: shape × direction (see videoClassOf) */
  labels: number[];
  captions: string[];
  objects: MovingObject[];
}

/** Video class label: shape index × 4 + direction index (12 classes). */
export function videoClassOf(shape: ShapeObject['shape'], direction: DirectionName): number {
  return SHAPES.indexOf(shape) * DIRECTIONS.length + DIRECTIONS.indexOf(direction);
}

export function videoClassParts(label: number): { shape: ShapeObject['shape']; direction: DirectionName } {
  if (!Number.isInteger(label) || label < 0 || label >= SHAPES.length * DIRECTIONS.length) {
    throw new Error(`Shapes video class label must be an integer in [0, ${SHAPES.length * DIRECTIONS.length}), got ${label}`);
  }
  return { shape: SHAPES[Math.floor(label / DIRECTIONS.length)], direction: DIRECTIONS[label % DIRECTIONS.length] };
}

const STEP: Record<DirectionName, [number, number]> = { up: [-1, 0], down: [1, 0], left: [0, -1], right: [0, 1] };

/** "a red circle moving right from the top left" */
export function videoCaptionOf(o: MovingObject): string {
  return `a ${o.color} ${o.shape} moving ${o.direction} from the ${POSITION_NAMES[o.row][o.col]}`;
}

/** Moves a random scene's start cell so that one cell of motion stays on the layout. */
function startFor(o: ShapeObject, direction: DirectionName): MovingObject {
  const [dr, dc] = STEP[direction];
  const clamp = (v: number, d: number) => (d > 0 ? Math.min(v, 1) : d < 0 ? Math.max(v, 1) : v);
  return { ...o, row: clamp(o.row, dr), col: clamp(o.col, dc), direction };
}

function checkOptions(frames: number, size: number): void {
  if (!Number.isInteger(frames) || frames < 2) throw new Error(`Shapes video frames must be an integer >= 2, got ${frames}`);
  if (!Number.isInteger(size) || size < 12) throw new Error(`Shapes video size must be an integer >= 12, got ${size}`);
}

/** Renders clips of the given moving objects. */
export function renderVideos(objects: MovingObject[], options: ShapesVideoOptions = {}): VideoBatch {
  const { frames = 4, size = 32, antialias = 4, fps = 4 } = options;
  checkOptions(frames, size);
  const frameSize = size * size * 3;
  const data = new Float32Array(objects.length * frames * frameSize);
  objects.forEach((o, b) => {
    const [dr, dc] = STEP[o.direction];
    for (let t = 0; t < frames; t++) {
      const f = t / (frames - 1); // 0 → 1 cell of travel
      const placed = placeObject(o, size, dc * f, dr * f);
      renderShapes([placed], size, antialias, data, (b * frames + t) * frameSize);
    }
  });
  return { batch: objects.length, frames, height: size, width: size, channels: 3, fps, data };
}

/** `count` random Shapes clips from `seed`. */
export function generateShapesVideos(count: number, seed: number, options: ShapesVideoOptions = {}): ShapesVideos {
  if (!Number.isInteger(count) || count < 0) throw new Error(`video count must be a non-negative integer, got ${count}`);
  const rng = new Rng(seed);
  const objects: MovingObject[] = [];
  for (let i = 0; i < count; i++) {
    const [o] = randomScene(rng, 1);
    objects.push(startFor(o, DIRECTIONS[rng.int(DIRECTIONS.length)]));
  }
  return {
    videos: renderVideos(objects, options),
    labels: objects.map((o) => videoClassOf(o.shape, o.direction)),
    captions: objects.map(videoCaptionOf),
    objects,
  };
}

/** Clips of the given video class labels (random colour, size and start). */
export function generateShapesVideosForLabels(labels: number[], seed: number, options: ShapesVideoOptions = {}): ShapesVideos {
  const rng = new Rng(seed);
  const objects = labels.map((label) => {
    const { shape, direction } = videoClassParts(label);
    const [o] = randomScene(rng, 1);
    return startFor({ ...o, shape }, direction);
  });
  return { videos: renderVideos(objects, options), labels: [...labels], captions: objects.map(videoCaptionOf), objects };
}

// Shapes images: one or two objects (circle / square / triangle, six colours, two sizes) on a
// 3×3 layout, with class labels (shape × colour) and captions. Procedural and seeded: the same
// seed and options always give the same bytes.
import { Rng } from '../rng';
import { type ImageBatch, imageBatch } from '../image/types';
import { renderShapes, type PlacedShape } from './render';
import { COLOR_NAMES, POSITION_NAMES, SHAPES, SIZES, classOf, type ShapeObject, type SizeName } from './shapesSpec';

export interface ShapesImageOptions {
  /** image side in pixels (default 32) */
  size?: number;
  /** objects per image: 1, 2, or 'mixed' (half and half; default 1) */
  objects?: 1 | 2 | 'mixed';
  /** supersamples per pixel side (default 4; 1 = hard edges) */
  antialias?: number;
  /** random shift of each object's centre, as a fraction of a layout cell (default 0.06) */
  jitter?: number;
}

export interface ShapesImages {
  images: ImageBatch;
  /** class label (shape × colour, see classOf) of each image's first object */
  labels: number[];
  captions: string[];
  objects: ShapeObject[][];
}

/** Half extent of an object, as a fraction of a layout cell. */
const SIZE_FRACTION: Record<SizeName, number> = { small: 0.3, large: 0.45 };

/** Places a layout object in pixel coordinates (jitter: offsets in cells, already drawn). */
export function placeObject(o: ShapeObject, size: number, jx = 0, jy = 0): PlacedShape {
  const cell = size / 3;
  return {
    shape: o.shape,
    color: o.color,
    cx: (o.col + 0.5 + jx) * cell,
    cy: (o.row + 0.5 + jy) * cell,
    radius: SIZE_FRACTION[o.size] * cell,
  };
}

function positionPhrase(o: ShapeObject): string {
  const name = POSITION_NAMES[o.row][o.col];
  return `at the ${name}`;
}

function nounPhrase(o: ShapeObject): string {
  return `a ${o.color} ${o.shape}`;
}

/**
 * Caption of a scene. One object: "a red circle at the top left". Two objects in one row:
 * "a blue square left of a green triangle"; in one column: "a blue square above a green
 * triangle"; otherwise both positions: "a blue square at the top left and a green triangle at
 * the bottom right".
 */
export function captionOf(objects: ShapeObject[]): string {
  if (objects.length === 1) return `${nounPhrase(objects[0])} ${positionPhrase(objects[0])}`;
  if (objects.length !== 2) throw new Error(`a Shapes caption describes 1 or 2 objects, got ${objects.length}`);
  const [a, b] = objects;
  if (a.row === b.row) return `${nounPhrase(a)} ${a.col < b.col ? 'left of' : 'right of'} ${nounPhrase(b)}`;
  if (a.col === b.col) return `${nounPhrase(a)} ${a.row < b.row ? 'above' : 'below'} ${nounPhrase(b)}`;
  return `${nounPhrase(a)} ${positionPhrase(a)} and ${nounPhrase(b)} ${positionPhrase(b)}`;
}

function randomObject(rng: Rng, cell: number): ShapeObject {
  return {
    shape: SHAPES[rng.int(SHAPES.length)],
    color: COLOR_NAMES[rng.int(COLOR_NAMES.length)],
    row: Math.floor(cell / 3),
    col: cell % 3,
    size: SIZES[rng.int(SIZES.length)],
  };
}

/** Draws a scene's objects: distinct cells, and for two objects distinct (shape, colour). */
export function randomScene(rng: Rng, count: 1 | 2): ShapeObject[] {
  const first = randomObject(rng, rng.int(9));
  if (count === 1) return [first];
  let cell = rng.int(8);
  if (cell >= first.row * 3 + first.col) cell++;
  let second = randomObject(rng, cell);
  while (second.shape === first.shape && second.color === first.color) second = randomObject(rng, cell);
  return [first, second];
}

function checkSize(size: number): void {
  if (!Number.isInteger(size) || size < 12) throw new Error(`Shapes image size must be an integer >= 12, got ${size}`);
}

/** Renders given scenes (no randomness unless jitter > 0, drawn from `rng`). */
export function renderScenes(scenes: ShapeObject[][], size: number, antialias: number, jitter: number, rng: Rng): ImageBatch {
  checkSize(size);
  const images = imageBatch(scenes.length, size, size);
  const stride = size * size * 3;
  scenes.forEach((objs, i) => {
    const placed = objs.map((o) => placeObject(o, size, (rng.next() * 2 - 1) * jitter, (rng.next() * 2 - 1) * jitter));
    renderShapes(placed, size, antialias, images.data, i * stride);
  });
  return images;
}

/** `count` random Shapes images from `seed`. */
export function generateShapesImages(count: number, seed: number, options: ShapesImageOptions = {}): ShapesImages {
  const { size = 32, objects = 1, antialias = 4, jitter = 0.06 } = options;
  if (!Number.isInteger(count) || count < 0) throw new Error(`image count must be a non-negative integer, got ${count}`);
  if (objects !== 1 && objects !== 2 && objects !== 'mixed') throw new Error(`objects must be 1, 2 or 'mixed', got ${String(objects)}`);
  checkSize(size);
  const rng = new Rng(seed);
  const sceneRng = rng.fork();
  const placeRng = rng.fork();
  const scenes: ShapeObject[][] = [];
  for (let i = 0; i < count; i++) {
    const n: 1 | 2 = objects === 'mixed' ? (sceneRng.int(2) === 0 ? 1 : 2) : objects;
    scenes.push(randomScene(sceneRng, n));
  }
  return {
    images: renderScenes(scenes, size, antialias, jitter, placeRng),
    labels: scenes.map((s) => classOf(s[0].shape, s[0].color)),
    captions: scenes.map(captionOf),
    objects: scenes,
  };
}

/**
 * Images of the given class labels (one object each, random position and size): the data a
 * class-to-image model trains on, and what a class grid shows.
 */
export function generateShapesForLabels(labels: number[], seed: number, options: Omit<ShapesImageOptions, 'objects'> = {}): ShapesImages {
  const { size = 32, antialias = 4, jitter = 0.06 } = options;
  const rng = new Rng(seed);
  const sceneRng = rng.fork();
  const placeRng = rng.fork();
  const scenes = labels.map((label) => {
    if (!Number.isInteger(label) || label < 0 || label >= SHAPES.length * COLOR_NAMES.length) {
      throw new Error(`Shapes class label must be an integer in [0, ${SHAPES.length * COLOR_NAMES.length}), got ${label}`);
    }
    const o = randomObject(sceneRng, sceneRng.int(9));
    return [{ ...o, shape: SHAPES[Math.floor(label / COLOR_NAMES.length)], color: COLOR_NAMES[label % COLOR_NAMES.length] }];
  });
  return { images: renderScenes(scenes, size, antialias, jitter, placeRng), labels: [...labels], captions: scenes.map(captionOf), objects: scenes };
}

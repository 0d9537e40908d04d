// The Shapes domain, stated once: the data generator, the ShapeEval detector and the captions
// all read these constants.

export const SHAPES = ['circle', 'square', 'triangle'] as const;
export type ShapeName = (typeof SHAPES)[number];

/** Colours as 0..255 RGB, far apart so that colour segmentation is unambiguous. */
export const COLORS = {
  red: [230, 40, 40],
  green: [40, 190, 60],
  blue: [50, 90, 235],
  yellow: [240, 220, 40],
  purple: [160, 60, 210],
  cyan: [40, 210, 220],
} as const;
export type ColorName = keyof typeof COLORS;
export const COLOR_NAMES = Object.keys(COLORS) as ColorName[];

/** Background colour (near black). */
export const BACKGROUND: readonly [number, number, number] = [16, 16, 16];

/** 3×3 layout: row 0..2 (top..bottom), column 0..2 (left..right), and the words captions use. */
export const POSITION_NAMES = [
  ['top left', 'top', 'top right'],
  ['left', 'center', 'right'],
  ['bottom left', 'bottom', 'bottom right'],
] as const;

export const SIZES = ['small', 'large'] as const;
export type SizeName = (typeof SIZES)[number];

/** Video motion directions (class = shape × direction). */
export const DIRECTIONS = ['up', 'down', 'left', 'right'] as const;
export type DirectionName = (typeof DIRECTIONS)[number];

export interface ShapeObject {
  shape: ShapeName;
  color: ColorName;
  row: number; // 0..2
  col: number; // 0..2
  size: SizeName;
}

/** Class label for single-object images: shape × colour (18 classes). */
export function classOf(shape: ShapeName, color: ColorName): number {
  return SHAPES.indexOf(shape) * COLOR_NAMES.length + COLOR_NAMES.indexOf(color);
}

export function classParts(label: number): { shape: ShapeName; color: ColorName } {
  if (!Number.isInteger(label) || label < 0 || label >= SHAPES.length * COLOR_NAMES.length) {
    throw new Error(`Shapes class label must be an integer in [0, ${SHAPES.length * COLOR_NAMES.length}), got ${label}`);
  }
  return { shape: SHAPES[Math.floor(label / COLOR_NAMES.length)], color: COLOR_NAMES[label % COLOR_NAMES.length] };
}

export const NUM_IMAGE_CLASSES = SHAPES.length * COLOR_NAMES.length;
export const NUM_VIDEO_CLASSES = SHAPES.length * DIRECTIONS.length;

// What the small encoder is trained to read from a caption: the scene the Shapes generator drew
// it from. Two object slots (in caption order) × {shape, colour, row, column}, plus the object
// count. Size is not supervised: captions never state it. Relation captions ("left of", "above")
// state positions only partly; there the heads learn the posterior over the cells.
import { Rng } from '../../rng';
import { captionOf, randomScene } from '../../data/shapes';
import { COLOR_NAMES, SHAPES, ShapeObject } from '../../data/shapesSpec';

export const ATTRIBUTES = [
  { name: 'shape', classes: SHAPES.length, of: (o: ShapeObject) => SHAPES.indexOf(o.shape) },
  { name: 'color', classes: COLOR_NAMES.length, of: (o: ShapeObject) => COLOR_NAMES.indexOf(o.color) },
  { name: 'row', classes: 3, of: (o: ShapeObject) => o.row },
  { name: 'col', classes: 3, of: (o: ShapeObject) => o.col },
] as const;

export const SLOTS = 2;
/** Logit columns per slot, and in all (slots then the 2-way count). */
export const SLOT_WIDTH = ATTRIBUTES.reduce((s, a) => s + a.classes, 0);
export const TARGET_WIDTH = SLOTS * SLOT_WIDTH + 2;

export interface CaptionSample {
  caption: string;
  scene: ShapeObject[];
}

/** `count` captions from seeded scenes: one or two objects, half and half. */
export function sampleCaptions(rng: Rng, count: number): CaptionSample[] {
  return Array.from({ length: count }, () => {
    const scene = randomScene(rng, rng.int(2) === 0 ? 1 : 2);
    return { caption: captionOf(scene), scene };
  });
}

/**
 * Class indices per sample: [slot][attribute] (−1 where the slot is empty) and the count class.
 * Columns of attribute a of slot s start at s·SLOT_WIDTH + Σ classes before a.
 */
export function targetsOf(scene: ShapeObject[]): { slots: number[][]; count: number } {
  if (scene.length < 1 || scene.length > SLOTS) throw new Error(`caption targets: a scene has 1 or ${SLOTS} objects, got ${scene.length}`);
  const slots = Array.from({ length: SLOTS }, (_, s) => ATTRIBUTES.map((a) => (s < scene.length ? a.of(scene[s]) : -1)));
  return { slots, count: scene.length - 1 };
}

/** Column offset of attribute `a` in slot `s`. */
export function columnOf(s: number, a: number): number {
  let off = s * SLOT_WIDTH;
  for (let i = 0; i < a; i++) off += ATTRIBUTES[i].classes;
  return off;
}

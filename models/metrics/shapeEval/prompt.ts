// What a Shapes prompt asks for, parsed from the captions the Shapes generator writes:
//   "a red circle at the top left"
//   "a blue square left of a green triangle"   (also: right of, above, below)
//   "a blue square at the top left and a green triangle at the bottom right"
//   "two red circles"                          (counting prompts: one/two/three/four)
// or from a class label (shape × colour, any position).
import { COLOR_NAMES, ColorName, POSITION_NAMES, SHAPES, ShapeName, classParts } from '../../data/shapesSpec';

export interface ExpectedObject {
  color: ColorName;
  shape: ShapeName;
  /** absolute layout cell, when the prompt names one */
  cell?: { row: number; col: number };
}

export type Relation = 'left of' | 'right of' | 'above' | 'below';

export interface ShapesPrompt {
  objects: ExpectedObject[];
  /** objects[0] <relation> objects[1] */
  relation?: Relation;
  /** counting prompt: how many of objects[0] */
  count?: number;
}

const NUMBERS: Record<string, number> = { a: 1, an: 1, one: 1, two: 2, three: 3, four: 4 };
const CELLS = new Map<string, { row: number; col: number }>();
POSITION_NAMES.forEach((r, row) => r.forEach((name, col) => CELLS.set(name, { row, col })));

const COLOR_RE = COLOR_NAMES.join('|');
const SHAPE_RE = SHAPES.join('|');
const NOUN = `(a|an|one|two|three|four) (${COLOR_RE}) (${SHAPE_RE})s?`;
const POS = `at the (${[...CELLS.keys()].sort((x, y) => y.length - x.length).join('|')})`;

const SINGLE = new RegExp(`^${NOUN}(?: ${POS})?$`);
const RELATION = new RegExp(`^${NOUN} (left of|right of|above|below) ${NOUN}$`);
const TWO_PLACED = new RegExp(`^${NOUN} ${POS} and ${NOUN} ${POS}$`);

function obj(color: string, shape: string, cell?: string): ExpectedObject {
  const o: ExpectedObject = { color: color as ColorName, shape: shape as ShapeName };
  if (cell) o.cell = CELLS.get(cell);
  return o;
}

export function parseShapesPrompt(text: string): ShapesPrompt {
  const t = text.trim().toLowerCase().replace(/\s+/g, ' ').replace(/\.$/, '');
  let m = SINGLE.exec(t);
  if (m) {
    const count = NUMBERS[m[1]];
    return count > 1 ? { objects: [obj(m[2], m[3], m[4])], count } : { objects: [obj(m[2], m[3], m[4])] };
  }
  m = RELATION.exec(t);
  if (m) return { objects: [obj(m[2], m[3]), obj(m[6], m[7])], relation: m[4] as Relation };
  m = TWO_PLACED.exec(t);
  if (m) return { objects: [obj(m[2], m[3], m[4]), obj(m[6], m[7], m[8])] };
  throw new Error(
    `ShapeEval cannot read the prompt '${text}': expected e.g. "a red circle at the top left", ` +
      `"a blue square left of a green triangle", "a red circle at the top and a blue square at the bottom" or "two red circles"`,
  );
}

/** A class label (shape × colour) as a prompt: one object, any position. */
export function promptFromClass(label: number): ShapesPrompt {
  const { shape, color } = classParts(label);
  return { objects: [{ shape, color }] };
}

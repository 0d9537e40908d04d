// ShapeEval on images this test draws itself: right and wrong colour, shape, position and count.
import { parseShapesPrompt, promptFromClass } from '../../models/metrics/shapeEval/prompt';
import { scoreImage, shapeEval } from '../../models/metrics/shapeEval/score';
import { detectObjects } from '../../models/metrics/shapeEval/detect';
import { classOf } from '../../models/data/shapesSpec';
import { Drawn, cellCentre, drawScenes } from './helpers/drawShapes';

const SIZE = 48;

function at(shape: Drawn['shape'], color: Drawn['color'], row: number, col: number, r = 6): Drawn {
  return { shape, color, r, ...cellCentre(row, col, SIZE) };
}

function score(objs: Drawn[], prompt: string) {
  return scoreImage(drawScenes([objs], SIZE), 0, parseShapesPrompt(prompt));
}

describe('ShapeEval detection', () => {
  it.each([
    ['circle', 'red', 0, 0],
    ['square', 'blue', 1, 2],
    ['triangle', 'green', 2, 1],
    ['circle', 'yellow', 2, 2],
    ['triangle', 'purple', 0, 2],
    ['square', 'cyan', 1, 1],
  ] as const)('finds a %s in %s at row %i, column %i', (shape, color, row, col) => {
    const found = detectObjects(drawScenes([[at(shape, color, row, col)]], SIZE));
    expect(found.map((d) => [d.shape, d.color, d.row, d.col])).toEqual([[shape, color, row, col]]);
  });

  it('finds nothing in an empty background', () => {
    expect(detectObjects(drawScenes([[]], SIZE))).toEqual([]);
  });
});

describe('ShapeEval scoring', () => {
  it('accepts a correct single-object image', () => {
    const s = score([at('circle', 'red', 0, 0)], 'a red circle at the top left');
    expect([s.color, s.shape, s.position, s.count, s.correct]).toEqual([true, true, true, true, true]);
  });

  it('flags the wrong colour only', () => {
    const s = score([at('circle', 'blue', 0, 0)], 'a red circle at the top left');
    expect([s.color, s.shape, s.position, s.count, s.correct]).toEqual([false, true, true, true, false]);
  });

  it('flags the wrong shape only', () => {
    const s = score([at('square', 'red', 0, 0)], 'a red circle at the top left');
    expect([s.color, s.shape, s.position, s.count, s.correct]).toEqual([true, false, true, true, false]);
  });

  it('flags the wrong position only', () => {
    const s = score([at('circle', 'red', 2, 2)], 'a red circle at the top left');
    expect([s.color, s.shape, s.position, s.count, s.correct]).toEqual([true, true, false, true, false]);
  });

  it('flags an extra object as a wrong count', () => {
    const s = score([at('circle', 'red', 0, 0), at('triangle', 'green', 2, 2)], 'a red circle at the top left');
    expect([s.color, s.shape, s.position, s.count, s.correct]).toEqual([true, true, true, false, false]);
  });

  it('scores relations between two objects', () => {
    const objs = [at('square', 'blue', 1, 0), at('triangle', 'green', 1, 2)];
    expect(score(objs, 'a blue square left of a green triangle').correct).toBe(true);
    const wrong = score(objs, 'a blue square right of a green triangle');
    expect([wrong.color, wrong.shape, wrong.position, wrong.correct]).toEqual([true, true, false, false]);
    const missing = score([objs[0]], 'a blue square left of a green triangle');
    expect([missing.color, missing.count, missing.correct]).toEqual([false, false, false]);
  });

  it('scores two placed objects and counting prompts', () => {
    const two = [at('circle', 'yellow', 0, 1), at('square', 'purple', 2, 1)];
    expect(score(two, 'a yellow circle at the top and a purple square at the bottom').correct).toBe(true);
    expect(score(two, 'a yellow circle at the bottom and a purple square at the top').position).toBe(false);
    const reds = [at('circle', 'red', 0, 0), at('circle', 'red', 2, 2)];
    expect(score(reds, 'two red circles').correct).toBe(true);
    expect(score(reds, 'three red circles').count).toBe(false);
    expect(score([reds[0]], 'two red circles').count).toBe(false);
  });

  it('scores class labels (shape × colour, any position) and summarises accuracy', () => {
    const images = drawScenes([[at('triangle', 'cyan', 1, 1)], [at('circle', 'cyan', 1, 1)]], SIZE);
    const label = classOf('triangle', 'cyan');
    const { summary } = shapeEval(images, [promptFromClass(label), promptFromClass(label)]);
    expect(summary).toMatchObject({ images: 2, color: 1, shape: 0.5, count: 1, overall: 0.5 });
    expect(Number.isNaN(summary.position)).toBe(true);
  });

  it('explains which prompts it understands', () => {
    expect(() => parseShapesPrompt('a dog on a sofa')).toThrow(/cannot read the prompt 'a dog on a sofa'.*a red circle at the top left/);
  });
});

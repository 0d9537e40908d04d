// ShapeEval scores: detected objects against a parsed prompt, GenEval-style. Each expected object
// is matched to a distinct detection (the assignment that agrees on the most colours and shapes);
// then colour, shape, position and count are judged, and an image is correct only when all are.
import { ImageBatch } from '../../image/types';
import { DetectOptions, DetectedObject, detectObjects } from './detect';
import { ExpectedObject, ShapesPrompt } from './prompt';

export interface ImageScore {
  color: boolean;
  shape: boolean;
  /** null when the prompt says nothing about position */
  position: boolean | null;
  count: boolean;
  correct: boolean;
  detected: DetectedObject[];
}

export interface ShapeEvalSummary {
  images: number;
  color: number;
  shape: number;
  /** accuracy over the images whose prompt constrains position (NaN when none does) */
  position: number;
  count: number;
  /** fraction of images with everything right */
  overall: number;
}

const MAX_DETECTIONS = 8;

function agreement(e: ExpectedObject, d: DetectedObject): number {
  return (e.color === d.color ? 1 : 0) + (e.shape === d.shape ? 1 : 0);
}

/** Best injective assignment expected → detection (index or −1), by brute force (few objects). */
function assign(expected: ExpectedObject[], detected: DetectedObject[]): number[] {
  let best: number[] = expected.map(() => -1);
  let bestScore = -1;
  const current: number[] = [];
  const used = new Set<number>();
  const visit = (i: number, score: number) => {
    if (i === expected.length) {
      if (score > bestScore) {
        bestScore = score;
        best = [...current];
      }
      return;
    }
    for (let j = -1; j < detected.length; j++) {
      if (j >= 0 && used.has(j)) continue;
      current.push(j);
      if (j >= 0) used.add(j);
      visit(i + 1, score + (j >= 0 ? agreement(expected[i], detected[j]) + 0.5 : 0));
      if (j >= 0) used.delete(j);
      current.pop();
    }
  };
  visit(0, 0);
  return best;
}

function relationHolds(relation: NonNullable<ShapesPrompt['relation']>, a: DetectedObject, b: DetectedObject): boolean {
  switch (relation) {
    case 'left of':
      return a.row === b.row && a.col < b.col;
    case 'right of':
      return a.row === b.row && a.col > b.col;
    case 'above':
      return a.col === b.col && a.row < b.row;
    case 'below':
      return a.col === b.col && a.row > b.row;
  }
}

export function scoreDetections(prompt: ShapesPrompt, detectedAll: DetectedObject[]): ImageScore {
  const detected = detectedAll.slice(0, MAX_DETECTIONS);
  if (prompt.count !== undefined) {
    const want = prompt.objects[0];
    const same = detected.filter((d) => d.color === want.color && d.shape === want.shape);
    const color = detected.some((d) => d.color === want.color);
    const shape = detected.some((d) => d.shape === want.shape);
    const count = same.length === prompt.count && detected.length === prompt.count;
    return { color, shape, position: null, count, correct: color && shape && count, detected };
  }
  const match = assign(prompt.objects, detected);
  const pairs = prompt.objects.map((e, i) => ({ e, d: match[i] >= 0 ? detected[match[i]] : undefined }));
  const color = pairs.every(({ e, d }) => d !== undefined && d.color === e.color);
  const shape = pairs.every(({ e, d }) => d !== undefined && d.shape === e.shape);
  let position: boolean | null = null;
  if (prompt.relation) {
    const [a, b] = pairs;
    position = a.d !== undefined && b.d !== undefined && relationHolds(prompt.relation, a.d, b.d);
  } else if (prompt.objects.some((o) => o.cell)) {
    position = pairs.every(({ e, d }) => !e.cell || (d !== undefined && d.row === e.cell.row && d.col === e.cell.col));
  }
  const count = detected.length === prompt.objects.length;
  return { color, shape, position, count, correct: color && shape && count && position !== false, detected };
}

export function scoreImage(images: ImageBatch, index: number, prompt: ShapesPrompt, options: DetectOptions = {}): ImageScore {
  return scoreDetections(prompt, detectObjects(images, index, options));
}

export function summarize(scores: ImageScore[]): ShapeEvalSummary {
  const n = scores.length;
  const frac = (f: (s: ImageScore) => boolean) => (n ? scores.filter(f).length / n : NaN);
  const positioned = scores.filter((s) => s.position !== null);
  return {
    images: n,
    color: frac((s) => s.color),
    shape: frac((s) => s.shape),
    position: positioned.length ? positioned.filter((s) => s.position).length / positioned.length : NaN,
    count: frac((s) => s.count),
    overall: frac((s) => s.correct),
  };
}

/** Scores a batch against one prompt per image. */
export function shapeEval(images: ImageBatch, prompts: ShapesPrompt[], options: DetectOptions = {}): { perImage: ImageScore[]; summary: ShapeEvalSummary } {
  if (prompts.length !== images.batch) throw new Error(`shapeEval: ${images.batch} images but ${prompts.length} prompts (one per image expected)`);
  const perImage = prompts.map((p, i) => scoreImage(images, i, p, options));
  return { perImage, summary: summarize(perImage) };
}

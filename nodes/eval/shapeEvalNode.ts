// ShapeEval: GenEval-style scoring of Shapes images against their prompts (colour, shape,
// position, count), per image and overall.
import { defineNode, NodeInputError, type Inputs } from '../../server/engine/nodeApi';
import type { ImageBatch } from '../../models/image/types';
import { parseShapesPrompt, promptFromClass } from '../../models/metrics/shapeEval/prompt';
import { shapeEval } from '../../models/metrics/shapeEval/score';

function promptsFor(inputs: Inputs, n: number) {
  const lines = String(inputs.prompts ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length);
  const labels = String(inputs.class_labels ?? '')
    .split(/[\s,]+/)
    .filter((s) => s.length)
    .map(Number);
  if (lines.length && labels.length) throw new NodeInputError('give prompts or class_labels, not both');
  const parsed = lines.length ? lines.map(parseShapesPrompt) : labels.map(promptFromClass);
  if (!parsed.length) throw new NodeInputError('ShapeEval needs prompts (one per line) or class_labels');
  if (parsed.length !== 1 && parsed.length !== n) throw new NodeInputError(`ShapeEval: ${n} images but ${parsed.length} prompts/labels (one per image, or one for all)`);
  return Array.from({ length: n }, (_, i) => parsed[parsed.length === 1 ? 0 : i]);
}

export const ShapeEvalNode = defineNode({
  type: 'ShapeEval',
  displayName: 'ShapeEval (Shapes GenEval)',
  category: 'eval',
  description: 'Detects objects by colour segmentation and geometry and scores colour, shape, position and count against each prompt or class label.',
  inputs: {
    images: { type: 'IMAGE', kind: 'link' },
    prompts: { type: 'STRING', multiline: true, default: '', optional: true },
    class_labels: { type: 'STRING', default: '', optional: true, tooltip: 'class labels (shape × colour), comma separated' },
  },
  outputs: [{ name: 'metrics', type: 'METRICS' }],
  outputNode: true,
  async execute(inputs: Inputs) {
    const images = inputs.images as ImageBatch;
    const { perImage, summary } = shapeEval(images, promptsFor(inputs, images.batch));
    const table = perImage.map((s, i) => ({
      image: i,
      detected: s.detected.map((d) => `${d.color} ${d.shape} r${d.row}c${d.col}`).join(', '),
      color: s.color,
      shape: s.shape,
      position: s.position,
      count: s.count,
      correct: s.correct,
    }));
    return { outputs: [summary], ui: { table, text: [JSON.stringify(summary)], metrics: summary } };
  },
});

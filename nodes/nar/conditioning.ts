// TextEncode (prompts → caption features + mask) and ClassLabel (class ids, by number or by Shapes
// name) make the CONDITIONING a sampler reads. The null condition for guidance comes from the
// model itself (null class row / null caption), so neither node makes one.
import { COLOR_NAMES, DIRECTIONS, NUM_IMAGE_CLASSES, NUM_VIDEO_CLASSES, SHAPES, classParts } from '../../models/data/shapesSpec';
import { videoClassParts } from '../../models/data/shapesVideo';
import { defineNode, NodeInputError } from '../../server/engine/nodeApi';
import { asTextEncoder, type Conditioning } from './values';

/** One prompt per non-empty line. */
export function splitPrompts(text: string): string[] {
  const prompts = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  if (!prompts.length) throw new NodeInputError('prompt is empty: write one caption per line, e.g. "a red circle at the top left"');
  return prompts;
}

export const TextEncode = defineNode({
  type: 'TextEncode',
  displayName: 'Text Encode',
  category: 'NAR/conditioning',
  description: 'Encodes captions (one per line) into the [120, caption_dim] features and left-padded mask a text-to-image NAR model reads.',
  inputs: {
    text_encoder: { type: 'TEXT_ENCODER', kind: 'link' },
    prompt: { type: 'STRING', multiline: true, default: 'a red circle at the top left', tooltip: 'one caption per line; each line is one row of the batch' },
  },
  outputs: [{ name: 'CONDITIONING', type: 'CONDITIONING' }],
  async execute(inputs) {
    const { encoder } = asTextEncoder(inputs.text_encoder);
    const prompts = splitPrompts(String(inputs.prompt ?? ''));
    const enc = await encoder.encode(prompts);
    const cond: Conditioning = { kind: 'text', prompts, features: enc.features, mask: enc.mask, tokens: encoder.maxTokens, captionDim: encoder.captionDim };
    // the model reads at most maxTokens positions: say so when a caption is cut, rather than silently
    const cut = prompts.map((p, i) => [i, encoder.tokenCount(p)] as const).filter(([, n]) => n > encoder.maxTokens);
    const text = cut.map(([i, n]) => `caption ${i + 1} makes ${n} tokens; the model reads the first ${encoder.maxTokens} (the rest is cut)`);
    return { outputs: [cond], ...(text.length ? { ui: { text } } : {}) };
  },
});

/** Shapes image classes by name ("red circle"), in class-id order. */
export const IMAGE_CLASS_NAMES: string[] = Array.from({ length: NUM_IMAGE_CLASSES }, (_, i) => {
  const p = classParts(i);
  return `${p.color} ${p.shape}`;
});

/** Shapes video classes by name ("circle moving up"), in class-id order. */
export const VIDEO_CLASS_NAMES: string[] = Array.from({ length: NUM_VIDEO_CLASSES }, (_, i) => {
  const p = videoClassParts(i);
  return `${p.shape} moving ${p.direction}`;
});

export const BY_ID = 'by id';
export const ALL_IMAGE = 'all Shapes image classes';
export const ALL_VIDEO = 'all Shapes video classes';
export const CLASS_LABEL_OPTIONS = [BY_ID, ALL_IMAGE, ALL_VIDEO, ...IMAGE_CLASS_NAMES, ...VIDEO_CLASS_NAMES];

/** "3, 7,12" → [3, 7, 12]. */
export function parseClassIds(text: string): number[] {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  if (!parts.length) throw new NodeInputError('class_ids is empty: give one or more class ids, e.g. "0" or "0, 5, 17"');
  return parts.map((p) => {
    // decimal digits only: Number() would also take '0x3', '1e2' or '0b1'
    const n = /^\d+$/.test(p) ? Number(p) : Number.NaN;
    if (!Number.isSafeInteger(n)) throw new NodeInputError(`class_ids: '${p}' is not a non-negative integer (expected ids like "0, 5, 17")`);
    return n;
  });
}

/** Class ids and display labels for a ClassLabel choice. */
export function classChoice(label: string, ids: string): { classIds: number[]; labels: string[] } {
  if (label === BY_ID) {
    const classIds = parseClassIds(ids);
    return { classIds, labels: classIds.map((i) => `class ${i}`) };
  }
  if (label === ALL_IMAGE) return { classIds: IMAGE_CLASS_NAMES.map((_, i) => i), labels: [...IMAGE_CLASS_NAMES] };
  if (label === ALL_VIDEO) return { classIds: VIDEO_CLASS_NAMES.map((_, i) => i), labels: [...VIDEO_CLASS_NAMES] };
  const img = IMAGE_CLASS_NAMES.indexOf(label);
  if (img >= 0) return { classIds: [img], labels: [label] };
  const vid = VIDEO_CLASS_NAMES.indexOf(label);
  if (vid >= 0) return { classIds: [vid], labels: [label] };
  throw new NodeInputError(`label '${label}' is not a class choice (expected '${BY_ID}', a Shapes class such as 'red circle' or 'circle moving up')`);
}

export const ClassLabel = defineNode({
  type: 'ClassLabel',
  displayName: 'Class Label',
  category: 'NAR/conditioning',
  description:
    `Class condition for class-to-image and video models: ids (comma-separated for a batch), or a Shapes class by name ` +
    `(${SHAPES.length} shapes × ${COLOR_NAMES.length} colours for images; shape × ${DIRECTIONS.length} directions for videos).`,
  inputs: {
    label: { type: 'COMBO', options: CLASS_LABEL_OPTIONS, default: BY_ID },
    class_ids: { type: 'STRING', default: '0', tooltip: `used when label is '${BY_ID}': e.g. "0" or "0, 5, 17" (ImageNet ids for published models)` },
  },
  outputs: [{ name: 'CONDITIONING', type: 'CONDITIONING' }],
  async execute(inputs) {
    const { classIds, labels } = classChoice(String(inputs.label), String(inputs.class_ids ?? ''));
    const cond: Conditioning = { kind: 'class', classIds, labels };
    return { outputs: [cond] };
  },
});

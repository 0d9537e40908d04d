// MASK nodes (ComfyUI's layout [B, H, W], 1 = the area to change): a rectangle, from an image's
// channel, inverted, as an image to look at, and pixel compositing through a mask.
import { imageBatch, maskBatch, type ImageBatch, type MaskBatch } from '../../models/image/types';
import { defineNode, NodeInputError } from '../../server/engine/nodeApi';

/** Narrows a linked MASK, or a clear error naming what arrived. */
export function asMask(v: unknown, input = 'mask'): MaskBatch {
  const m = v as MaskBatch | undefined;
  if (!m || typeof m !== 'object' || !(m.data instanceof Float32Array) || 'channels' in m) {
    throw new NodeInputError(`input '${input}' expects a MASK ([B, H, W] values in 0..1)`);
  }
  return m;
}

export const RectangleMask = defineNode({
  type: 'RectangleMask',
  displayName: 'Rectangle Mask',
  category: 'mask',
  description: 'A mask of width × height pixels that is 1 inside the rectangle (x, y, w, h) and 0 elsewhere (invert swaps them). 1 marks what an inpainting sampler regenerates.',
  inputs: {
    width: { type: 'INT', default: 32, min: 1, max: 8192, tooltip: 'mask width: the image width' },
    height: { type: 'INT', default: 32, min: 1, max: 8192, tooltip: 'mask height: the image height' },
    x: { type: 'INT', default: 16, min: 0, max: 8192 },
    y: { type: 'INT', default: 0, min: 0, max: 8192 },
    w: { type: 'INT', default: 16, min: 0, max: 8192, tooltip: 'rectangle width (clipped to the mask)' },
    h: { type: 'INT', default: 32, min: 0, max: 8192, tooltip: 'rectangle height (clipped to the mask)' },
    invert: { type: 'BOOLEAN', default: false, tooltip: 'keep the rectangle and mark everything around it' },
  },
  outputs: [{ name: 'MASK', type: 'MASK' }],
  async execute(inputs) {
    const width = Number(inputs.width);
    const height = Number(inputs.height);
    const [x, y, w, h] = [inputs.x, inputs.y, inputs.w, inputs.h].map(Number);
    const inside = inputs.invert ? 0 : 1;
    const m = maskBatch(1, height, width);
    for (let r = 0; r < height; r++) for (let c = 0; c < width; c++) m.data[r * width + c] = r >= y && r < y + h && c >= x && c < x + w ? inside : 1 - inside;
    return { outputs: [m] };
  },
});

const CHANNELS = ['luminance', 'red', 'green', 'blue'] as const;

export const ImageToMask = defineNode({
  type: 'ImageToMask',
  displayName: 'Image to Mask',
  category: 'mask',
  description: 'A mask from one channel of an image (or its luminance): paint white where to change and black where to keep, in any paint program, and load it with Load Image.',
  inputs: {
    image: { type: 'IMAGE', kind: 'link' },
    channel: { type: 'COMBO', options: [...CHANNELS], default: 'luminance' },
  },
  outputs: [{ name: 'MASK', type: 'MASK' }],
  async execute(inputs) {
    const img = inputs.image as ImageBatch;
    const m = maskBatch(img.batch, img.height, img.width);
    const pick = String(inputs.channel);
    for (let i = 0; i < m.data.length; i++) {
      const [r, g, b] = [img.data[i * 3], img.data[i * 3 + 1], img.data[i * 3 + 2]];
      m.data[i] = pick === 'red' ? r : pick === 'green' ? g : pick === 'blue' ? b : 0.299 * r + 0.587 * g + 0.114 * b;
    }
    return { outputs: [m] };
  },
});

export const InvertMask = defineNode({
  type: 'InvertMask',
  displayName: 'Invert Mask',
  category: 'mask',
  description: 'Replaces every mask value v by 1 - v: what was kept is changed, and the other way round.',
  inputs: { mask: { type: 'MASK', kind: 'link' } },
  outputs: [{ name: 'MASK', type: 'MASK' }],
  async execute(inputs) {
    const m = asMask(inputs.mask);
    return { outputs: [maskBatch(m.batch, m.height, m.width, m.data.map((v) => 1 - v))] };
  },
});

export const MaskToImage = defineNode({
  type: 'MaskToImage',
  displayName: 'Mask to Image',
  category: 'mask',
  description: 'A mask as a grey image (white = 1), to preview or save.',
  inputs: { mask: { type: 'MASK', kind: 'link' } },
  outputs: [{ name: 'IMAGE', type: 'IMAGE' }],
  async execute(inputs) {
    const m = asMask(inputs.mask);
    const out = imageBatch(m.batch, m.height, m.width);
    for (let i = 0; i < m.data.length; i++) out.data.fill(m.data[i], i * 3, i * 3 + 3);
    return { outputs: [out] };
  },
});

/**
 * Grows (expand > 0) or shrinks (expand < 0) each mask by |expand| pixels: the largest (or
 * smallest) value within that many pixels, square neighbourhood when `tapered` is off, else
 * diamond (as ComfyUI's GrowMask).
 */
export function growMask(m: MaskBatch, expand: number, tapered: boolean): MaskBatch {
  let cur = Float32Array.from(m.data);
  const { batch, height: H, width: W } = m;
  const pick = expand > 0 ? Math.max : Math.min;
  // |expand| steps of a 3×3 (or plus-shaped) neighbourhood, as a morphological dilation / erosion
  for (let step = 0; step < Math.abs(expand); step++) {
    const next = new Float32Array(cur.length);
    for (let b = 0; b < batch; b++) {
      const base = b * H * W;
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          let v = cur[base + y * W + x];
          for (let dy = -1; dy <= 1; dy++) {
            for (let dx = -1; dx <= 1; dx++) {
              if ((dx === 0 && dy === 0) || (tapered && dx !== 0 && dy !== 0)) continue;
              const yy = y + dy;
              const xx = x + dx;
              if (yy < 0 || yy >= H || xx < 0 || xx >= W) continue;
              v = pick(v, cur[base + yy * W + xx]);
            }
          }
          next[base + y * W + x] = v;
        }
      }
    }
    cur = next;
  }
  return maskBatch(batch, H, W, cur);
}

export const GrowMask = defineNode({
  type: 'GrowMask',
  displayName: 'Grow Mask',
  category: 'mask',
  description:
    'Grows the marked area by `expand` pixels (or shrinks it, when negative): e.g. a little margin around an object to redraw, so that its edge is redrawn too.',
  inputs: {
    mask: { type: 'MASK', kind: 'link' },
    expand: { type: 'INT', default: 4, min: -512, max: 512, tooltip: 'pixels; negative shrinks' },
    tapered_corners: { type: 'BOOLEAN', default: true, tooltip: 'diamond-shaped growth instead of square' },
  },
  outputs: [{ name: 'MASK', type: 'MASK' }],
  async execute(inputs) {
    return { outputs: [growMask(asMask(inputs.mask), Number(inputs.expand), Boolean(inputs.tapered_corners))] };
  },
});

/** The mask value at pixel (y, x) of image b: one mask for every image, or one per image. */
function maskAt(m: MaskBatch, b: number, y: number, x: number): number {
  return m.data[((m.batch === 1 ? 0 : b) * m.height + y) * m.width + x];
}

export const ImageCompositeMasked = defineNode({
  type: 'ImageCompositeMasked',
  displayName: 'Composite Images (masked)',
  category: 'mask',
  description:
    'destination × (1 − mask) + source × mask, pixel by pixel: e.g. the original pixels back outside an inpainted area. Sizes must match; ' +
    'one destination, source or mask serves every image of the others.',
  inputs: {
    destination: { type: 'IMAGE', kind: 'link' },
    source: { type: 'IMAGE', kind: 'link' },
    mask: { type: 'MASK', kind: 'link' },
  },
  outputs: [{ name: 'IMAGE', type: 'IMAGE' }],
  async execute(inputs) {
    const dst = inputs.destination as ImageBatch;
    const src = inputs.source as ImageBatch;
    const m = asMask(inputs.mask);
    const size = (o: { height: number; width: number }) => `${o.width}×${o.height}`;
    if (size(dst) !== size(src) || size(dst) !== size(m)) {
      throw new NodeInputError(`destination (${size(dst)}), source (${size(src)}) and mask (${size(m)}) must have the same size`);
    }
    const batches = [dst.batch, src.batch, m.batch];
    const B = Math.max(...batches);
    if (batches.some((n) => n !== 1 && n !== B)) throw new NodeInputError(`batches must be equal or 1: destination ${dst.batch}, source ${src.batch}, mask ${m.batch}`);
    const { height: H, width: W } = dst;
    const out = imageBatch(B, H, W);
    for (let b = 0; b < B; b++) {
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const a = maskAt(m, b, y, x);
          const o = ((b * H + y) * W + x) * 3;
          const d = (((dst.batch === 1 ? 0 : b) * H + y) * W + x) * 3;
          const s = (((src.batch === 1 ? 0 : b) * H + y) * W + x) * 3;
          for (let c = 0; c < 3; c++) out.data[o + c] = dst.data[d + c] * (1 - a) + src.data[s + c] * a;
        }
      }
    }
    return { outputs: [out] };
  },
});

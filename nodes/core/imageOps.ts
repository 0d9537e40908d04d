// A procedural source and simple pixel operations on ImageBatch values (invert, scale, batch, grid).
import { imageGrid } from '../../models/image/grid';
import { ImageBatch, imageBatch } from '../../models/image/types';
import { Rng } from '../../models/rng';
import { defineNode, NodeInputError } from '../../server/engine/nodeApi';

/** "#rrggbb" → [r, g, b] in [0, 1]. */
export function parseHexColor(s: string, what: string): [number, number, number] {
  const m = /^#?([0-9a-f]{6})$/i.exec(s.trim());
  if (!m) throw new NodeInputError(`${what} must be a colour like #ff8800, got ${JSON.stringify(s)}`);
  const n = parseInt(m[1], 16);
  return [((n >> 16) & 255) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255];
}

export const ColorGradient = defineNode({
  type: 'ColorGradient',
  displayName: 'Colour Gradient',
  category: 'image/generate',
  description: 'A linear gradient between two colours, with optional seeded noise: an image source that needs no files.',
  inputs: {
    width: { type: 'INT', default: 64, min: 1, max: 4096 },
    height: { type: 'INT', default: 64, min: 1, max: 4096 },
    color_a: { type: 'STRING', default: '#1d3557' },
    color_b: { type: 'STRING', default: '#f4a261' },
    direction: { type: 'COMBO', options: ['horizontal', 'vertical', 'diagonal'], default: 'diagonal' },
    noise: { type: 'FLOAT', default: 0, min: 0, max: 1, step: 0.01 },
    seed: { type: 'INT', default: 0, min: 0, max: 2 ** 53 - 1, seed: true },
  },
  outputs: [{ name: 'IMAGE', type: 'IMAGE' }],
  async execute(inputs) {
    const w = inputs.width as number;
    const h = inputs.height as number;
    const a = parseHexColor(String(inputs.color_a), 'color_a');
    const b = parseHexColor(String(inputs.color_b), 'color_b');
    const noise = inputs.noise as number;
    const rng = new Rng(inputs.seed as number);
    const out = imageBatch(1, h, w); // [1, H, W, 3]
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const tx = w > 1 ? x / (w - 1) : 0;
        const ty = h > 1 ? y / (h - 1) : 0;
        const t = inputs.direction === 'horizontal' ? tx : inputs.direction === 'vertical' ? ty : (tx + ty) / 2;
        for (let c = 0; c < 3; c++) {
          const v = a[c] + (b[c] - a[c]) * t + (noise ? (rng.next() - 0.5) * noise : 0);
          out.data[(y * w + x) * 3 + c] = Math.min(1, Math.max(0, v));
        }
      }
    }
    return { outputs: [out] };
  },
});

export const ImageInvert = defineNode({
  type: 'ImageInvert',
  displayName: 'Invert Image',
  category: 'image/ops',
  description: 'Replaces every value v by 1 - v.',
  inputs: { image: { type: 'IMAGE', kind: 'link' } },
  outputs: [{ name: 'IMAGE', type: 'IMAGE' }],
  async execute(inputs) {
    const src = inputs.image as ImageBatch;
    const out = imageBatch(src.batch, src.height, src.width);
    for (let i = 0; i < src.data.length; i++) out.data[i] = 1 - src.data[i];
    return { outputs: [out] };
  },
});

/** Resizes a batch with nearest-neighbour or bilinear sampling (align-corners off). */
export function scaleImages(src: ImageBatch, width: number, height: number, method: string): ImageBatch {
  const out = imageBatch(src.batch, height, width);
  const sx = src.width / width;
  const sy = src.height / height;
  for (let n = 0; n < src.batch; n++) {
    const base = n * src.height * src.width * 3;
    const obase = n * height * width * 3;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const o = obase + (y * width + x) * 3;
        if (method === 'nearest') {
          const ix = Math.min(src.width - 1, Math.floor((x + 0.5) * sx));
          const iy = Math.min(src.height - 1, Math.floor((y + 0.5) * sy));
          for (let c = 0; c < 3; c++) out.data[o + c] = src.data[base + (iy * src.width + ix) * 3 + c];
          continue;
        }
        const fx = Math.max(0, (x + 0.5) * sx - 0.5);
        const fy = Math.max(0, (y + 0.5) * sy - 0.5);
        const x0 = Math.min(src.width - 1, Math.floor(fx));
        const y0 = Math.min(src.height - 1, Math.floor(fy));
        const x1 = Math.min(src.width - 1, x0 + 1);
        const y1 = Math.min(src.height - 1, y0 + 1);
        const wx = fx - x0;
        const wy = fy - y0;
        for (let c = 0; c < 3; c++) {
          const p = (yy: number, xx: number) => src.data[base + (yy * src.width + xx) * 3 + c];
          out.data[o + c] = (p(y0, x0) * (1 - wx) + p(y0, x1) * wx) * (1 - wy) + (p(y1, x0) * (1 - wx) + p(y1, x1) * wx) * wy;
        }
      }
    }
  }
  return out;
}

export const ImageScale = defineNode({
  type: 'ImageScale',
  displayName: 'Scale Image',
  category: 'image/ops',
  description: 'Resizes images to a width and height.',
  inputs: {
    image: { type: 'IMAGE', kind: 'link' },
    method: { type: 'COMBO', options: ['bilinear', 'nearest'], default: 'bilinear' },
    width: { type: 'INT', default: 128, min: 1, max: 8192 },
    height: { type: 'INT', default: 128, min: 1, max: 8192 },
  },
  outputs: [{ name: 'IMAGE', type: 'IMAGE' }],
  async execute(inputs) {
    return { outputs: [scaleImages(inputs.image as ImageBatch, inputs.width as number, inputs.height as number, String(inputs.method))] };
  },
});

export const BatchImages = defineNode({
  type: 'ImageBatch',
  displayName: 'Batch Images',
  category: 'image/ops',
  description: 'image1 then image2 as one batch (image2 scaled to image1\'s size when they differ): e.g. an original beside its variations in one grid.',
  inputs: {
    image1: { type: 'IMAGE', kind: 'link' },
    image2: { type: 'IMAGE', kind: 'link' },
  },
  outputs: [{ name: 'IMAGE', type: 'IMAGE' }],
  async execute(inputs) {
    const a = inputs.image1 as ImageBatch;
    const b0 = inputs.image2 as ImageBatch;
    const b = b0.height === a.height && b0.width === a.width ? b0 : scaleImages(b0, a.width, a.height, 'bilinear');
    const out = imageBatch(a.batch + b.batch, a.height, a.width);
    out.data.set(a.data);
    out.data.set(b.data, a.data.length);
    return { outputs: [out] };
  },
});

export const ImageGrid = defineNode({
  type: 'ImageGrid',
  displayName: 'Image Grid',
  category: 'image/ops',
  description: 'Tiles a batch of images into one image, row by row (e.g. a sampler batch into one picture to save or share).',
  inputs: {
    images: { type: 'IMAGE', kind: 'link' },
    columns: { type: 'INT', default: 0, min: 0, max: 1024, tooltip: '0: as square as the count allows' },
    gap: { type: 'INT', default: 2, min: 0, max: 256 },
    scale: { type: 'INT', default: 1, min: 1, max: 32, tooltip: 'integer upscale of each tile (nearest)' },
    background: { type: 'STRING', default: '#101010' },
  },
  outputs: [{ name: 'IMAGE', type: 'IMAGE' }],
  async execute(inputs) {
    const bg = parseHexColor(String(inputs.background), 'background');
    const grid = imageGrid(inputs.images as ImageBatch, { columns: inputs.columns as number, gap: inputs.gap as number, scale: inputs.scale as number, background: bg });
    return { outputs: [grid] };
  },
});

// LoadImage, SaveImage, PreviewImage.
import * as fs from 'fs';
import type { ImageBatch } from '../../models/image/types';
import { defineNode, expandFilenamePrefix, FILENAME_PREFIX_PLACEHOLDERS } from '../../server/engine/nodeApi';
import { fileInside, listImageFiles, readInputImage, writeImages } from './imageFiles';

export const LoadImage = defineNode({
  type: 'LoadImage',
  displayName: 'Load Image',
  category: 'image',
  description:
    'Loads a PNG or JPEG from the input folder (upload one with the editor or POST /api/upload/image). ' +
    'MASK is 1 where the PNG is transparent (erase what an inpainting sampler should redraw), else 0.',
  inputs: {
    image: { type: 'COMBO', options: (paths) => listImageFiles(paths.input), tooltip: 'a file in the input folder', folder: 'input/' },
  },
  outputs: [
    { name: 'IMAGE', type: 'IMAGE' },
    { name: 'MASK', type: 'MASK' },
  ],
  fingerprint(inputs, paths) {
    const st = fs.statSync(fileInside(paths.input, String(inputs.image)));
    return `${st.mtimeMs}:${st.size}`;
  },
  async execute(inputs, ctx) {
    const { image, mask } = readInputImage(fileInside(ctx.paths.input, String(inputs.image)), String(inputs.image));
    return { outputs: [image, mask] };
  },
});

export const SaveImage = defineNode({
  type: 'SaveImage',
  displayName: 'Save Image',
  category: 'image',
  description: 'Saves images as PNG files in the output folder; each PNG carries the workflow that made it.',
  inputs: {
    images: { type: 'IMAGE', kind: 'link' },
    filename_prefix: { type: 'STRING', default: 'narflow', tooltip: `file name prefix; may contain a subfolder ('run1/img') and ${FILENAME_PREFIX_PLACEHOLDERS}` },
  },
  outputs: [],
  outputNode: true,
  async execute(inputs, ctx) {
    const images = inputs.images as ImageBatch;
    const prefix = expandFilenamePrefix(String(inputs.filename_prefix ?? 'narflow'), { now: new Date(), width: images.width, height: images.height, prompt: ctx.prompt });
    const files = writeImages(ctx.paths.output, prefix, images, ctx.pngText ?? {});
    return { outputs: [], ui: { images: files.map((f) => ({ ...f, type: 'output' as const })) } };
  },
});

export const PreviewImage = defineNode({
  type: 'PreviewImage',
  displayName: 'Preview Image',
  category: 'image',
  description: 'Shows images in the editor (written to the temp folder, not kept as outputs).',
  inputs: { images: { type: 'IMAGE', kind: 'link' } },
  outputs: [],
  outputNode: true,
  async execute(inputs, ctx) {
    const prefix = `preview_${ctx.promptId.slice(0, 8)}_${ctx.nodeId}`;
    const files = writeImages(ctx.paths.temp, prefix, inputs.images as ImageBatch, ctx.pngText ?? {});
    return { outputs: [], ui: { images: files.map((f) => ({ ...f, type: 'temp' as const })) } };
  },
});

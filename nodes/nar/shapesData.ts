// ShapesData: seeded Shapes images (one or two objects) and videos (one moving object), with their
// captions — data for tokenizer round trips, encode/decode demos and evaluation.
import { generateShapesImages } from '../../models/data/shapes';
import { generateShapesVideos } from '../../models/data/shapesVideo';
import { defineNode, NodeInputError } from '../../server/engine/nodeApi';

/** Most pixel values (images and videos together, 1 GiB of float32) one ShapesData run makes. */
export const MAX_SHAPES_VALUES = 2 ** 28;

export const ShapesData = defineNode({
  type: 'ShapesData',
  displayName: 'Shapes Data',
  category: 'NAR/data',
  description: 'Generates Shapes images (circle / square / triangle, six colours, 3×3 layout) and videos of a moving shape; the same seed gives the same pixels.',
  inputs: {
    count: { type: 'INT', default: 8, min: 1, max: 1024 },
    seed: { type: 'INT', default: 0, min: 0, max: 2 ** 31 - 1 },
    size: { type: 'INT', default: 32, min: 8, max: 512, step: 4, tooltip: 'image side in pixels' },
    objects: { type: 'COMBO', options: ['1', '2', 'mixed'], default: 'mixed', tooltip: 'objects per image' },
    frames: { type: 'INT', default: 4, min: 2, max: 64, tooltip: 'frames per video' },
  },
  outputs: [
    { name: 'IMAGE', type: 'IMAGE' },
    { name: 'VIDEO', type: 'VIDEO' },
    { name: 'captions', type: 'STRING' },
  ],
  async execute(inputs) {
    const count = Number(inputs.count);
    const seed = Number(inputs.seed);
    const size = Number(inputs.size);
    const frames = Number(inputs.frames);
    const values = count * size * size * 3 * (1 + frames);
    if (values > MAX_SHAPES_VALUES) {
      throw new NodeInputError(
        `${count} images of ${size}×${size} and as many ${frames}-frame videos are ${values.toLocaleString('en')} pixel values, ` +
          `more than the ${MAX_SHAPES_VALUES.toLocaleString('en')} (1 GiB) one Shapes Data run makes: lower count, size or frames`,
      );
    }
    const objects = inputs.objects === '1' ? 1 : inputs.objects === '2' ? 2 : 'mixed';
    const images = generateShapesImages(count, seed, { size, objects });
    const videos = generateShapesVideos(count, seed, { size, frames });
    return { outputs: [images.images, videos.videos, images.captions.join('\n')] };
  },
});

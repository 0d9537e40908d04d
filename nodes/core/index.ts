// The core node pack: image I/O, primitives, a procedural source, image operations (invert, scale,
// batch, grid), masks (rectangle, from an image, invert, grow, to an image, masked compositing), SlowCounter.
import type { NodePack } from '../../server/engine/nodeApi';
import { LoadImage, PreviewImage, SaveImage } from './imageIo';
import { BatchImages, ColorGradient, ImageGrid, ImageInvert, ImageScale } from './imageOps';
import { GrowMask, ImageCompositeMasked, ImageToMask, InvertMask, MaskToImage, RectangleMask } from './mask';
import { PrimitiveFloat, PrimitiveInt, PrimitiveString, Seed } from './primitives';
import { SlowCounter } from './slowCounter';

export const pack: NodePack = {
  name: 'core',
  nodes: [LoadImage, SaveImage, PreviewImage, PrimitiveInt, PrimitiveFloat, PrimitiveString, Seed, ColorGradient, ImageInvert, ImageScale, BatchImages, ImageGrid, RectangleMask, ImageToMask, InvertMask, GrowMask, MaskToImage, ImageCompositeMasked, SlowCounter],
};

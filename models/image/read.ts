// Reading PNG and JPEG files into an image and a mask. Errors name the file.
import * as fs from 'fs';
import * as path from 'path';
import * as jpeg from 'jpeg-js';
import { declaredSize, MAX_IMAGE_PIXELS, oversizeReason } from './dimensions';
import { decodePngWithAlpha } from './png';
import { imageBatch, maskBatch, type ImageBatch, type MaskBatch } from './types';

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'];

/**
 * Decodes one PNG or JPEG file to a batch of one, with its mask in ComfyUI's convention: 1 − alpha,
 * so transparent pixels are the ones to change (all 0 without alpha, and for JPEG).
 */
export function readImageWithMask(file: string): { image: ImageBatch; mask: MaskBatch } {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new Error(`cannot read image ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const ext = path.extname(file).toLowerCase();
  if (ext === '.png') {
    const { image, alpha } = decodePngWithAlpha(bytes, file);
    return { image, mask: maskBatch(1, image.height, image.width, alpha.map((a) => 1 - a)) };
  }
  if (ext === '.jpg' || ext === '.jpeg') {
    const tooBig = oversizeReason(declaredSize(bytes, 'jpeg'), file);
    if (tooBig) throw new Error(`${tooBig}: not decoded`);
    let img: { width: number; height: number; data: Uint8Array };
    try {
      img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 512, maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6 });
    } catch (e) {
      throw new Error(`${file}: cannot decode JPEG (${(e as Error).message})`);
    }
    const out = imageBatch(1, img.height, img.width);
    for (let i = 0; i < img.width * img.height; i++) {
      for (let c = 0; c < 3; c++) out.data[i * 3 + c] = img.data[i * 4 + c] / 255;
    }
    return { image: out, mask: maskBatch(1, img.height, img.width) };
  }
  throw new Error(`${file}: not an image this loader reads (expected ${IMAGE_EXTENSIONS.join(', ')})`);
}

/** readImageWithMask without the mask. */
export function readImageFile(file: string): ImageBatch {
  return readImageWithMask(file).image;
}

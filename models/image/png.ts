// PNG encode/decode for ImageBatch values, with tEXt/iTXt chunks (workflows travel inside PNGs).
// Writing is zlib only (8-bit RGB, filter 0 scanlines): quick enough for a preview every sampler
// step. pngjs is used only for decoding any PNG a user brings.
import { PNG } from 'pngjs';
import * as zlib from 'zlib';
import { declaredSize, oversizeReason } from './dimensions';
import { ImageBatch, imageBatch } from './types';

export const PNG_SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);

/** CRC-32 (IEEE, as PNG and zip use it) of the bytes, unsigned. */
export function crc32(bytes: Uint8Array): number {
  return zlib.crc32(bytes) >>> 0;
}

/** One PNG chunk: length, type, data, CRC over type + data. */
export function pngChunk(type: string, data: Uint8Array): Buffer {
  if (!/^[A-Za-z]{4}$/.test(type)) throw new Error(`PNG chunk type must be 4 ASCII letters, got '${type}'`);
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** IHDR of an 8-bit RGB image. */
export function rgbHeader(width: number, height: number): Buffer {
  const data = Buffer.alloc(13);
  data.writeUInt32BE(width, 0);
  data.writeUInt32BE(height, 4);
  data.set([8, 2, 0, 0, 0], 8); // bit depth 8, colour type 2 (RGB), deflate, filter 0, no interlace
  return pngChunk('IHDR', data);
}

/** Deflated scanlines (filter 0) of the width×height RGB floats in [0, 1] starting at `offset`. */
export function rgbScanlines(data: Float32Array, offset: number, width: number, height: number): Buffer {
  const stride = 1 + width * 3;
  const raw = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const src = offset + y * width * 3;
    for (let i = 0; i < width * 3; i++) {
      const v = data[src + i];
      raw[y * stride + 1 + i] = v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255);
    }
  }
  return zlib.deflateSync(raw);
}

/** iTXt chunk (UTF-8, uncompressed): keyword\0 compression-flag compression-method lang\0 translated\0 text */
export function textChunk(key: string, text: string): Buffer {
  return pngChunk('iTXt', Buffer.concat([Buffer.from(key, 'latin1'), Buffer.from([0, 0, 0, 0, 0]), Buffer.from(text, 'utf8')]));
}

/** Encodes image `index` of a batch as PNG bytes, with text chunks (e.g. {prompt, workflow}). */
export function encodePng(images: ImageBatch, index = 0, text: Record<string, string> = {}): Buffer {
  const { width, height } = images;
  if (!Number.isInteger(index) || index < 0 || index >= images.batch) throw new Error(`image index ${index} out of range for a batch of ${images.batch}`);
  return Buffer.concat([
    PNG_SIGNATURE,
    rgbHeader(width, height),
    pngChunk('IDAT', rgbScanlines(images.data, index * width * height * 3, width, height)),
    ...Object.entries(text).map(([k, v]) => textChunk(k, v)), // after the pixels, before IEND
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Reads tEXt, iTXt (uncompressed or deflated) and zTXt chunks. Throws if the bytes are not a PNG. */
export function readPngText(bytes: Buffer): Record<string, string> {
  if (bytes.length < 8 || !bytes.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('not a PNG file (bad signature)');
  const out: Record<string, string> = {};
  let p = 8;
  while (p + 8 <= bytes.length) {
    const len = bytes.readUInt32BE(p);
    const type = bytes.toString('latin1', p + 4, p + 8);
    if (p + 12 + len > bytes.length) throw new Error(`PNG chunk ${type} at byte ${p} runs past the end of the file`);
    const data = bytes.subarray(p + 8, p + 8 + len);
    if (type === 'tEXt') {
      const z = data.indexOf(0);
      if (z > 0) out[data.toString('latin1', 0, z)] = data.toString('latin1', z + 1);
    } else if (type === 'zTXt') {
      const z = data.indexOf(0);
      if (z > 0) out[data.toString('latin1', 0, z)] = zlib.inflateSync(data.subarray(z + 2)).toString('latin1');
    } else if (type === 'iTXt') {
      const z = data.indexOf(0);
      if (z > 0) {
        const compressed = data[z + 1] === 1;
        let q = z + 3;
        q = data.indexOf(0, q) + 1; // language tag
        q = data.indexOf(0, q) + 1; // translated keyword
        const body = data.subarray(q);
        out[data.toString('latin1', 0, z)] = (compressed ? zlib.inflateSync(body) : body).toString('utf8');
      }
    } else if (type === 'IEND') break;
    p += 12 + len;
  }
  return out;
}

/** Decodes PNG bytes (any colour type, 8/16 bit) to an RGB batch of one; alpha is composited on black. */
export function decodePng(bytes: Buffer, source = 'PNG'): ImageBatch {
  return decodePngWithAlpha(bytes, source).image;
}

/** decodePng, plus the alpha channel [H·W] in 0..1 (all 1 for files without one). */
export function decodePngWithAlpha(bytes: Buffer, source = 'PNG'): { image: ImageBatch; alpha: Float32Array } {
  // refused before pngjs allocates the declared canvas
  const tooBig = oversizeReason(declaredSize(bytes, 'png'), source);
  if (tooBig) throw new Error(`${tooBig}: not decoded`);
  let png: PNG;
  try {
    png = PNG.sync.read(bytes);
  } catch (e) {
    throw new Error(`${source}: cannot decode PNG (${(e as Error).message})`);
  }
  const { width, height, data } = png; // RGBA 8-bit
  const image = imageBatch(1, height, width);
  const alpha = new Float32Array(width * height);
  for (let i = 0, j = 0; i < width * height; i++, j += 4) {
    const a = data[j + 3] / 255;
    alpha[i] = a;
    image.data[i * 3] = (data[j] / 255) * a;
    image.data[i * 3 + 1] = (data[j + 1] / 255) * a;
    image.data[i * 3 + 2] = (data[j + 2] / 255) * a;
  }
  return { image, alpha };
}

// PNG writing for previews and animated PNGs: chunks with CRCs, RGB 8-bit scanlines (filter 0)
// deflated with zlib. Plain and quick (previews are written every sampler step).
import * as zlib from 'zlib';
import type { ImageBatch } from '../../../models/image/types';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export const PNG_SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);

export function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function pngChunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

export function u32s(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4));
  return b;
}

/** IHDR for 8-bit RGB. */
export function rgbHeader(width: number, height: number): Buffer {
  return pngChunk('IHDR', Buffer.concat([u32s(width, height), Buffer.from([8, 2, 0, 0, 0])]));
}

/** Deflated scanlines (filter 0) of the w×h RGB floats in [0, 1] starting at `offset`. */
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

export function textChunk(key: string, text: string): Buffer {
  return pngChunk('iTXt', Buffer.concat([Buffer.from(key, 'latin1'), Buffer.from([0, 0, 0, 0, 0]), Buffer.from(text, 'utf8')]));
}

/** Image `index` of a batch as an RGB PNG. */
export function encodeRgbPng(images: ImageBatch, index = 0): Buffer {
  const { width, height } = images;
  const idat = rgbScanlines(images.data, index * width * height * 3, width, height);
  return Buffer.concat([PNG_SIGNATURE, rgbHeader(width, height), pngChunk('IDAT', idat), pngChunk('IEND', Buffer.alloc(0))]);
}

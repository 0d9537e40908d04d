// PNG encode/decode for ImageBatch values, with tEXt/iTXt chunks (workflows travel inside PNGs).
import { PNG } from 'pngjs';
import * as zlib from 'zlib';
import { ImageBatch, imageBatch } from './types';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** iTXt chunk (UTF-8, uncompressed): keyword\0 compression-flag compression-method lang\0 translated\0 text */
function itxt(key: string, text: string): Buffer {
  return chunk('iTXt', Buffer.concat([Buffer.from(key, 'latin1'), Buffer.from([0, 0, 0, 0, 0]), Buffer.from(text, 'utf8')]));
}

/** Encodes image `index` of a batch as PNG bytes, with text chunks (e.g. {prompt, workflow}). */
export function encodePng(images: ImageBatch, index = 0, text: Record<string, string> = {}): Buffer {
  const { width, height } = images;
  if (index < 0 || index >= images.batch) throw new Error(`image index ${index} out of range for a batch of ${images.batch}`);
  const png = new PNG({ width, height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  const src = images.data;
  const off = index * width * height * 3;
  const rgb = Buffer.alloc(width * height * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = Math.max(0, Math.min(255, Math.round(src[off + i] * 255)));
  png.data = rgb;
  const bytes = PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false });
  const keys = Object.keys(text);
  if (!keys.length) return bytes;
  const iend = bytes.length - 12; // IEND is always the last 12 bytes
  return Buffer.concat([bytes.subarray(0, iend), ...keys.map((k) => itxt(k, text[k])), bytes.subarray(iend)]);
}

/** Reads tEXt, iTXt (uncompressed or deflated) and zTXt chunks. Throws if the bytes are not a PNG. */
export function readPngText(bytes: Buffer): Record<string, string> {
  const sig = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  if (bytes.length < 8 || !bytes.subarray(0, 8).equals(sig)) throw new Error('not a PNG file (bad signature)');
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
  let png: PNG;
  try {
    png = PNG.sync.read(bytes);
  } catch (e) {
    throw new Error(`${source}: cannot decode PNG (${(e as Error).message})`);
  }
  const { width, height, data } = png; // RGBA 8-bit
  const out = imageBatch(1, height, width);
  for (let i = 0, j = 0; i < width * height; i++, j += 4) {
    const a = data[j + 3] / 255;
    out.data[i * 3] = (data[j] / 255) * a;
    out.data[i * 3 + 1] = (data[j + 1] / 255) * a;
    out.data[i * 3 + 2] = (data[j + 2] / 255) * a;
  }
  return out;
}

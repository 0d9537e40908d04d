// The zlib-only PNG writer: pngjs (with its CRC checks) decodes what it writes to the same 8-bit
// pixels, text chunks read back, and crc32 is the IEEE CRC-32 that PNG and zip use.
import * as zlib from 'zlib';
import { crc32, decodePng, encodePng, pngChunk, readPngText } from '../../models/image/png';
import { imageBatch } from '../../models/image/types';
import { Rng } from '../../models/rng';

function randomImages(batch: number, h: number, w: number, seed: number) {
  const rng = new Rng(seed);
  const images = imageBatch(batch, h, w);
  // include values outside [0, 1] and NaN: they are clamped (NaN → 0)
  for (let i = 0; i < images.data.length; i++) images.data[i] = rng.next() * 1.2 - 0.1;
  images.data[5] = NaN;
  return images;
}

const quantise = (v: number) => (v <= 0 || Number.isNaN(v) ? 0 : v >= 1 ? 255 : Math.round(v * 255));

describe('encodePng', () => {
  it('writes image `index` so that pngjs decodes the same 8-bit pixels', () => {
    const images = randomImages(3, 5, 7, 1);
    const decoded = decodePng(encodePng(images, 2));
    expect([decoded.height, decoded.width]).toEqual([5, 7]);
    const off = 2 * 5 * 7 * 3;
    const got = Array.from(decoded.data, (v) => Math.round(v * 255));
    expect(got).toEqual(Array.from(images.data.subarray(off, off + 5 * 7 * 3), quantise));
  });

  it('carries text chunks (UTF-8) that readPngText returns', () => {
    const text = { prompt: '{"1":{"class_type":"X"}}', workflow: 'ünïcode ✓' };
    const bytes = encodePng(randomImages(1, 2, 2, 2), 0, text);
    expect(readPngText(bytes)).toEqual(text);
    expect(decodePng(bytes).width).toBe(2);
  });

  it('names the batch size when the index is out of range', () => {
    expect(() => encodePng(randomImages(2, 2, 2, 3), 2)).toThrow('image index 2 out of range for a batch of 2');
  });
});

describe('crc32 and pngChunk', () => {
  it('crc32 agrees with zlib over random buffers and with a table-free bitwise CRC', () => {
    const rng = new Rng(4);
    const bytes = Uint8Array.from({ length: 1000 }, () => rng.int(256));
    let c = 0xffffffff;
    for (const b of bytes) {
      c ^= b;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    expect(crc32(bytes)).toBe((c ^ 0xffffffff) >>> 0);
    expect(crc32(bytes)).toBe(zlib.crc32(bytes) >>> 0);
  });

  it('pngChunk lays out length, type, data and the CRC of type + data', () => {
    const data = Buffer.from('hello');
    const chunk = pngChunk('tEXt', data);
    expect(chunk.readUInt32BE(0)).toBe(5);
    expect(chunk.toString('latin1', 4, 8)).toBe('tEXt');
    expect(chunk.subarray(8, 13).equals(data)).toBe(true);
    expect(chunk.readUInt32BE(13)).toBe(crc32(chunk.subarray(4, 13)));
    expect(() => pngChunk('tEX', data)).toThrow("PNG chunk type must be 4 ASCII letters, got 'tEX'");
  });
});

// A small animated-PNG encoder: RGB 8-bit frames, acTL/fcTL/fdAT chunks as in the APNG spec,
// looping forever; text chunks (the workflow) as iTXt. Viewers without APNG show frame 0.
import { PNG_SIGNATURE, pngChunk, rgbHeader, rgbScanlines, textChunk } from '../../../models/image/png';
import type { VideoBatch } from '../../../models/image/types';

/** Big-endian u32 fields. */
function u32s(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4));
  return b;
}

/** Video `index` of a batch as a looping APNG. */
export function encodeApng(video: VideoBatch, index = 0, text: Record<string, string> = {}): Buffer {
  const { width, height, frames } = video;
  if (index < 0 || index >= video.batch) throw new Error(`video index ${index} out of range for a batch of ${video.batch}`);
  // frame delay num/den seconds
  const den = 1000;
  const num = Math.max(1, Math.round(den / Math.max(0.5, video.fps)));
  const fctl = (seq: number) => pngChunk('fcTL', Buffer.concat([u32s(seq, width, height, 0, 0), Buffer.from([num >> 8, num & 255, den >> 8, den & 255, 0, 0])]));
  const parts = [PNG_SIGNATURE, rgbHeader(width, height), pngChunk('acTL', u32s(frames, 0))];
  for (const [k, v] of Object.entries(text)) parts.push(textChunk(k, v));
  let seq = 0;
  for (let t = 0; t < frames; t++) {
    parts.push(fctl(seq++));
    const data = rgbScanlines(video.data, (index * frames + t) * height * width * 3, width, height);
    if (t === 0) parts.push(pngChunk('IDAT', data));
    else parts.push(pngChunk('fdAT', Buffer.concat([u32s(seq++), data])));
  }
  parts.push(pngChunk('IEND', Buffer.alloc(0)));
  return Buffer.concat(parts);
}

// The size a picture file declares in its header, read before anything is decoded: a small file can
// declare a huge canvas (a PNG of zeros compresses about 1000:1), and decoding it allocates the
// declared size several times over (RGBA bytes, float RGB, alpha, mask). Decoders and the upload
// route refuse a picture over MAX_IMAGE_PIXELS before allocating.

/** Pixels one picture may have (2^25: 8192 × 4096; about 800 MB while decoding). */
export const MAX_IMAGE_PIXELS = 2 ** 25;

export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'gif';

/** Width and height from a file's header, or undefined when the header does not say (or is cut short). */
export function declaredSize(bytes: Uint8Array, format: ImageFormat): { width: number; height: number } | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (format) {
    case 'png': // signature, IHDR length and type, then width and height (big-endian u32)
      return b.length >= 24 && b.toString('latin1', 12, 16) === 'IHDR' ? { width: b.readUInt32BE(16), height: b.readUInt32BE(20) } : undefined;
    case 'gif': // logical screen (little-endian u16)
      return b.length >= 10 ? { width: b.readUInt16LE(6), height: b.readUInt16LE(8) } : undefined;
    case 'webp':
      return webpSize(b);
    case 'jpeg':
      return jpegSize(b);
  }
}

function webpSize(b: Buffer): { width: number; height: number } | undefined {
  if (b.length < 30) return undefined;
  const chunk = b.toString('latin1', 12, 16);
  if (chunk === 'VP8X') return { width: 1 + b.readUIntLE(24, 3), height: 1 + b.readUIntLE(27, 3) };
  if (chunk === 'VP8 ') return { width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff };
  if (chunk === 'VP8L') {
    const bits = b.readUInt32LE(21);
    return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >>> 14) & 0x3fff) };
  }
  return undefined;
}

/** The first start-of-frame marker's size (SOF0–SOF15 but DHT, JPG and DAC). */
function jpegSize(b: Buffer): { width: number; height: number } | undefined {
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return undefined;
    const marker = b[i + 1];
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += 2;
      continue;
    }
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { width: b.readUInt16BE(i + 7), height: b.readUInt16BE(i + 5) };
    }
    i += 2 + b.readUInt16BE(i + 2);
  }
  return undefined;
}

/** Why a picture declaring this size is refused, or undefined. `what` names it in the message. */
export function oversizeReason(size: { width: number; height: number } | undefined, what: string): string | undefined {
  if (!size) return undefined;
  const pixels = size.width * size.height;
  if (pixels <= MAX_IMAGE_PIXELS) return undefined;
  return `${what} declares ${size.width}×${size.height} = ${pixels} pixels, more than the ${MAX_IMAGE_PIXELS} (e.g. 8192×4096) a picture may have`;
}

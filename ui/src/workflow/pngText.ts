// Reads the text chunks (tEXt, zTXt, iTXt) of a PNG in the browser: narflow writes the workflow
// into its PNGs, so dropping one onto the editor restores the graph that made it.
// Pure (no DOM); compressed chunks use the standard DecompressionStream.

const PNG_SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

export class PngTextError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PngTextError';
  }
}

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

async function inflate(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as BlobPart]).stream().pipeThrough(new DecompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8');

/** Whether a PNG holds an animation control chunk (acTL, before the image data): an animated PNG. */
export function isAnimatedPng(bytes: Uint8Array): boolean {
  if (!isPng(bytes)) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let p = 8; p + 8 <= bytes.length; p += 12 + view.getUint32(p)) {
    const type = latin1.decode(bytes.subarray(p + 4, p + 8));
    if (type === 'acTL') return true;
    if (type === 'IDAT' || type === 'IEND') return false;
  }
  return false;
}

/** Index of the first 0 byte at or after `from`, or -1. */
function nul(data: Uint8Array, from: number): number {
  return data.indexOf(0, from);
}

async function decodeTextChunk(type: string, data: Uint8Array): Promise<[string, string] | null> {
  const z = nul(data, 0);
  if (z <= 0) return null;
  const key = latin1.decode(data.subarray(0, z));
  if (type === 'tEXt') return [key, latin1.decode(data.subarray(z + 1))];
  if (type === 'zTXt') return [key, latin1.decode(await inflate(data.subarray(z + 2)))];
  // iTXt: key\0 flag method lang\0 translated\0 text
  const compressed = data[z + 1] === 1;
  const langEnd = nul(data, z + 3);
  const translatedEnd = langEnd < 0 ? -1 : nul(data, langEnd + 1);
  if (translatedEnd < 0) return null;
  const body = data.subarray(translatedEnd + 1);
  return [key, utf8.decode(compressed ? await inflate(body) : body)];
}

/** All text chunks of a PNG, by keyword. Throws PngTextError when the bytes are not a PNG. */
export async function readPngText(bytes: Uint8Array): Promise<Record<string, string>> {
  if (!isPng(bytes)) throw new PngTextError('not a PNG file (the first 8 bytes are not the PNG signature)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Record<string, string> = {};
  let p = 8;
  while (p + 8 <= bytes.length) {
    const length = view.getUint32(p);
    const type = latin1.decode(bytes.subarray(p + 4, p + 8));
    if (p + 12 + length > bytes.length) {
      throw new PngTextError(`PNG chunk ${type} at byte ${p} declares ${length} bytes, past the end of the file`);
    }
    if (type === 'IEND') break;
    if (type === 'tEXt' || type === 'zTXt' || type === 'iTXt') {
      const entry = await decodeTextChunk(type, bytes.subarray(p + 8, p + 8 + length));
      if (entry) out[entry[0]] = entry[1];
    }
    p += 12 + length;
  }
  return out;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A copy of a PNG with a tEXt chunk `key` = `value` (latin-1) after its header. */
export function withPngText(bytes: Uint8Array, key: string, value: string): Uint8Array<ArrayBuffer> {
  if (!isPng(bytes)) throw new PngTextError('not a PNG file (the first 8 bytes are not the PNG signature)');
  const body = new Uint8Array([...key].map((c) => c.charCodeAt(0) & 0xff).concat(0, ...[...value].map((c) => c.charCodeAt(0) & 0xff)));
  const chunk = new Uint8Array(12 + body.length);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, body.length);
  chunk.set([0x74, 0x45, 0x58, 0x74], 4); // "tEXt"
  chunk.set(body, 8);
  view.setUint32(8 + body.length, crc32(chunk.subarray(4, 8 + body.length)));
  const headerEnd = 8 + 12 + new DataView(bytes.buffer, bytes.byteOffset).getUint32(8); // signature + IHDR
  const out = new Uint8Array(bytes.length + chunk.length);
  out.set(bytes.subarray(0, headerEnd));
  out.set(chunk, headerEnd);
  out.set(bytes.subarray(headerEnd), headerEnd + chunk.length);
  return out;
}

// GIF's variable-width LZW, decoding side: codes of minCodeSize + 1 bits growing to 12 as the
// table fills, a clear code that resets it, an end code. Strings live as prefix chains (code →
// shorter code + last byte), so the table is four small typed arrays rather than 4096 arrays.
const MAX_CODES = 4096;

export interface LzwResult {
  /** the decoded colour indices, `pixels` long */
  indices: Uint8Array;
  /** how many were decoded: fewer than `pixels` when the stream ends early (viewers leave the rest undrawn) */
  count: number;
}

/** Decodes an image's LZW data (its sub-blocks joined) into at most `pixels` colour indices. */
export function lzwDecode(data: Uint8Array, minCodeSize: number, pixels: number): LzwResult {
  // 2..8 as the spec says: with 1 the first free code would already overflow the first code width
  if (!Number.isInteger(minCodeSize) || minCodeSize < 2 || minCodeSize > 8) throw new Error(`LZW minimum code size must be 2..8, got ${minCodeSize}`);
  const clear = 1 << minCodeSize;
  const end = clear + 1;
  const prefix = new Uint16Array(MAX_CODES);
  const suffix = new Uint8Array(MAX_CODES);
  const first = new Uint8Array(MAX_CODES); // first byte of each code's string
  const length = new Uint16Array(MAX_CODES);
  for (let c = 0; c < clear; c++) {
    suffix[c] = c;
    first[c] = c;
    length[c] = 1;
  }
  const indices = new Uint8Array(pixels);
  let count = 0;
  let size = minCodeSize + 1;
  let next = end + 1;
  let prev = -1;
  let acc = 0;
  let bits = 0;
  let pos = 0;
  for (;;) {
    while (bits < size && pos < data.length) {
      acc |= data[pos++] << bits;
      bits += 8;
    }
    if (bits < size) break; // data ran out without an end code: keep what was decoded
    const code = acc & ((1 << size) - 1);
    acc >>>= size;
    bits -= size;
    if (code === clear) {
      size = minCodeSize + 1;
      next = end + 1;
      prev = -1;
      continue;
    }
    if (code === end) break;
    if (prev < 0) {
      if (code > clear) throw new Error(`LZW stream starts with code ${code}, expected a colour index below ${clear} after a clear code`);
    } else {
      if (code > next) throw new Error(`LZW code ${code} is not in the table yet (next free code is ${next}): the image data is damaged`);
      // A full table stays as it is until the encoder sends a clear code (GIF allows this).
      if (next < MAX_CODES) {
        prefix[next] = prev;
        suffix[next] = code === next ? first[prev] : first[code]; // code === next: the KwKwK case
        first[next] = first[prev];
        length[next] = length[prev] + 1;
        next++;
        if (next === 1 << size && size < 12) size++;
      }
    }
    count = emit(code, indices, count, prefix, suffix, length);
    prev = code;
  }
  return { indices, count: Math.min(count, pixels) };
}

/** Writes code's string at `at` (walking the prefix chain backwards), clipped to the pixels; returns the new end. */
function emit(code: number, out: Uint8Array, at: number, prefix: Uint16Array, suffix: Uint8Array, length: Uint16Array): number {
  const n = length[code];
  let c = code;
  for (let i = n - 1; i >= 0; i--) {
    if (at + i < out.length) out[at + i] = suffix[c];
    c = prefix[c];
  }
  return at + n;
}

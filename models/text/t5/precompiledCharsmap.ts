// SentencePiece's `precompiled_charsmap` (the Precompiled normalizer of tokenizer.json): a
// darts-clone double-array trie over UTF-8 bytes whose values are offsets into a blob of
// NUL-terminated replacement strings. Layout: u32 LE trie size in bytes, the trie's u32 units,
// then the replacement blob. Normalising replaces, left to right, the longest byte prefix found in
// the trie by its replacement; anything else passes through one code point at a time.

export class PrecompiledCharsmap {
  private readonly units: Uint32Array;
  private readonly replacements: Uint8Array;
  private readonly decoder = new TextDecoder('utf-8');

  constructor(bytes: Uint8Array) {
    if (bytes.length < 4) throw new Error(`precompiled_charsmap: expected at least 4 bytes, got ${bytes.length}`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const trieBytes = view.getUint32(0, true);
    if (trieBytes % 4 !== 0 || 4 + trieBytes > bytes.length || trieBytes === 0) {
      throw new Error(`precompiled_charsmap: trie size ${trieBytes} does not fit a blob of ${bytes.length} bytes`);
    }
    this.units = new Uint32Array(trieBytes / 4);
    for (let i = 0; i < this.units.length; i++) this.units[i] = view.getUint32(4 + i * 4, true);
    this.replacements = bytes.subarray(4 + trieBytes);
  }

  static fromBase64(text: string): PrecompiledCharsmap {
    return new PrecompiledCharsmap(new Uint8Array(Buffer.from(text, 'base64')));
  }

  /** Longest key that prefixes `key[from…]`: its byte length and replacement offset, or null. */
  longestPrefix(key: Uint8Array, from: number): { length: number; value: number } | null {
    const u = this.units;
    let pos = offsetOf(u[0]);
    let found: { length: number; value: number } | null = null;
    for (let i = from; i < key.length; i++) {
      const c = key[i];
      if (c === 0) break;
      pos ^= c;
      if (pos >= u.length) break;
      const unit = u[pos];
      if (labelOf(unit) !== c) break;
      pos ^= offsetOf(unit);
      if ((unit >>> 8) & 1) found = { length: i - from + 1, value: u[pos] & 0x7fffffff };
    }
    return found;
  }

  private replacementAt(offset: number): Uint8Array {
    let end = offset;
    while (end < this.replacements.length && this.replacements[end] !== 0) end++;
    return this.replacements.subarray(offset, end);
  }

  normalize(text: string): string {
    const bytes = Buffer.from(text, 'utf-8');
    const out: Uint8Array[] = [];
    let i = 0;
    while (i < bytes.length) {
      const hit = this.longestPrefix(bytes, i);
      if (hit) {
        out.push(this.replacementAt(hit.value));
        i += hit.length;
      } else {
        const len = utf8Length(bytes[i]);
        out.push(bytes.subarray(i, i + len));
        i += len;
      }
    }
    return this.decoder.decode(Buffer.concat(out));
  }
}

function labelOf(unit: number): number {
  return unit & (0x80000000 | 0xff);
}

function offsetOf(unit: number): number {
  return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
}

function utf8Length(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xf0) return 4;
  if (lead >= 0xe0) return 3;
  if (lead >= 0xc0) return 2;
  return 1; // stray continuation byte: pass it on alone
}

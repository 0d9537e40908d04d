// tokenizer.json normalizers that T5-family tokenizers use, as plain string → string functions.
import { PrecompiledCharsmap } from './precompiledCharsmap';

export type Normalizer = (text: string) => string;

interface NormalizerJson {
  type: string;
  [key: string]: unknown;
}

/** Build the normalizer a tokenizer.json `normalizer` entry describes (null → identity). */
export function buildNormalizer(spec: unknown): Normalizer {
  if (spec === null || spec === undefined) return (t) => t;
  const json = spec as NormalizerJson;
  switch (json.type) {
    case 'Sequence': {
      const parts = (json.normalizers as unknown[] | undefined) ?? [];
      const fns = parts.map(buildNormalizer);
      return (t) => fns.reduce((acc, fn) => fn(acc), t);
    }
    case 'Precompiled': {
      const b64 = json.precompiled_charsmap;
      if (b64 === null || b64 === undefined || b64 === '') return (t) => t;
      if (typeof b64 !== 'string') throw new Error('tokenizer.json: Precompiled.precompiled_charsmap must be a base64 string');
      const map = PrecompiledCharsmap.fromBase64(b64);
      return (t) => map.normalize(t);
    }
    case 'Replace':
      return buildReplace(json);
    case 'NFKC':
    case 'NFC':
    case 'NFD':
    case 'NFKD': {
      const form = json.type;
      return (t) => t.normalize(form);
    }
    case 'Lowercase':
      return (t) => t.toLowerCase();
    case 'Strip': {
      const left = json.strip_left !== false;
      const right = json.strip_right !== false;
      return (t) => {
        let s = t;
        if (left) s = s.replace(/^\s+/u, '');
        if (right) s = s.replace(/\s+$/u, '');
        return s;
      };
    }
    case 'Prepend': {
      const prefix = String(json.prepend ?? '');
      return (t) => (t.length > 0 ? prefix + t : t);
    }
    default:
      throw new Error(`tokenizer.json: normalizer type "${json.type}" is not supported (supported: Sequence, Precompiled, Replace, NFKC, NFC, NFD, NFKD, Lowercase, Strip, Prepend)`);
  }
}

function buildReplace(json: NormalizerJson): Normalizer {
  const pattern = json.pattern as { String?: string; Regex?: string } | undefined;
  const content = String(json.content ?? '');
  if (pattern?.String !== undefined) {
    const needle = pattern.String;
    return (t) => (needle === '' ? t : t.split(needle).join(content));
  }
  if (pattern?.Regex !== undefined) {
    const re = new RegExp(pattern.Regex, 'gu');
    return (t) => t.replace(re, () => content);
  }
  throw new Error('tokenizer.json: Replace normalizer needs pattern.String or pattern.Regex');
}

// tokenizer.json pre-tokenizers used by T5-family tokenizers: WhitespaceSplit, Metaspace
// (the SentencePiece "▁" word marker) and Sequence of them. Each maps a list of pieces to a list.

export type PreTokenizer = (pieces: string[]) => string[];

interface PreTokenizerJson {
  type: string;
  [key: string]: unknown;
}

export function buildPreTokenizer(spec: unknown): PreTokenizer {
  if (spec === null || spec === undefined) return (p) => p;
  const json = spec as PreTokenizerJson;
  switch (json.type) {
    case 'Sequence': {
      const fns = ((json.pretokenizers as unknown[] | undefined) ?? []).map(buildPreTokenizer);
      return (p) => fns.reduce((acc, fn) => fn(acc), p);
    }
    case 'WhitespaceSplit':
      return (p) => p.flatMap((s) => s.split(/\s+/u).filter((w) => w.length > 0));
    case 'Metaspace':
      return metaspace(json);
    default:
      throw new Error(`tokenizer.json: pre_tokenizer type "${json.type}" is not supported (supported: Sequence, WhitespaceSplit, Metaspace)`);
  }
}

/**
 * Metaspace: spaces become the replacement character (▁), a ▁ is prepended (prepend_scheme
 * "always", or the legacy add_prefix_space: true; "first" only on the first piece), and with
 * split (default) each piece is cut before every ▁ so that every word starts with one.
 */
function metaspace(json: PreTokenizerJson): PreTokenizer {
  const replacement = typeof json.replacement === 'string' ? json.replacement : '\u2581';
  let scheme = typeof json.prepend_scheme === 'string' ? json.prepend_scheme : undefined;
  if (scheme === undefined) scheme = json.add_prefix_space === false ? 'never' : 'always';
  if (!['always', 'first', 'never'].includes(scheme)) throw new Error(`tokenizer.json: Metaspace prepend_scheme "${scheme}" is not one of always, first, never`);
  const split = json.split !== false;
  return (pieces) =>
    pieces.flatMap((piece, index) => {
      let s = piece.split(' ').join(replacement);
      const prepend = scheme === 'always' || (scheme === 'first' && index === 0);
      if (prepend && !s.startsWith(replacement)) s = replacement + s;
      if (!split) return [s];
      const out: string[] = [];
      let current = '';
      for (const ch of s) {
        if (ch === replacement && current.length > 0) {
          out.push(current);
          current = '';
        }
        current += ch;
      }
      if (current.length > 0) out.push(current);
      return out;
    });
}

// Word-level tokenizer of the small Shapes text encoder. Text is lower-cased and split into words
// and single punctuation marks; each maps to its id in a fixed vocabulary, anything else to <unk>;
// <end> is appended (as T5 appends </s>) so that every prompt, even an empty one, has a token.
import { COLOR_NAMES, DIRECTIONS, POSITION_NAMES, SHAPES, SIZES } from '../../data/shapesSpec';

export const PAD_TOKEN = '<pad>';
export const UNK_TOKEN = '<unk>';
export const END_TOKEN = '<end>';
export const SPECIAL_TOKENS = [PAD_TOKEN, UNK_TOKEN, END_TOKEN] as const;

/** Function words of the caption grammar (models/data/shapes.ts captionOf) and a few near it. */
const GRAMMAR_WORDS = ['a', 'an', 'the', 'at', 'of', 'and', 'in', 'on', 'left', 'right', 'above', 'below', 'moving', 'object', 'shape', '.', ','];

/** The vocabulary built from the Shapes caption grammar: specials, then words in a fixed order. */
export function shapesVocabulary(): string[] {
  const words = [
    ...GRAMMAR_WORDS,
    ...SHAPES,
    ...COLOR_NAMES,
    ...SIZES,
    ...DIRECTIONS,
    ...POSITION_NAMES.flat().flatMap((p) => p.split(' ')),
  ];
  const seen = new Set<string>(SPECIAL_TOKENS);
  const vocab: string[] = [...SPECIAL_TOKENS];
  for (const w of words) {
    if (!seen.has(w)) {
      seen.add(w);
      vocab.push(w);
    }
  }
  return vocab;
}

/** Lower-case words and single punctuation marks of `text`. */
export function splitWords(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu) ?? [];
}

export class WordTokenizer {
  private readonly ids = new Map<string, number>();
  readonly padId: number;
  readonly unkId: number;
  readonly endId: number;

  constructor(readonly vocab: string[]) {
    vocab.forEach((w, i) => {
      if (this.ids.has(w)) throw new Error(`word tokenizer: "${w}" appears twice in the vocabulary (ids ${this.ids.get(w)} and ${i})`);
      this.ids.set(w, i);
    });
    const need = (t: string): number => {
      const id = this.ids.get(t);
      if (id === undefined) throw new Error(`word tokenizer: the vocabulary lacks the special token ${t}`);
      return id;
    };
    this.padId = need(PAD_TOKEN);
    this.unkId = need(UNK_TOKEN);
    this.endId = need(END_TOKEN);
  }

  get size(): number {
    return this.vocab.length;
  }

  /** Ids of the words of `text` then <end>, at most `maxLength` in all (the end token kept). */
  encode(text: string, maxLength = Infinity): number[] {
    const ids = splitWords(text).map((w) => this.ids.get(w) ?? this.unkId);
    return [...ids.slice(0, Math.max(0, maxLength - 1)), this.endId];
  }

  /** Words of `ids`, pad and end dropped, unknowns shown as <unk>. */
  decode(ids: number[]): string {
    return ids
      .filter((id) => id !== this.padId && id !== this.endId)
      .map((id) => {
        const w = this.vocab[id];
        if (w === undefined) throw new Error(`word tokenizer: id ${id} is outside the vocabulary of ${this.vocab.length}`);
        return w;
      })
      .join(' ');
  }
}

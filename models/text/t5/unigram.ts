// The Unigram subword model (SentencePiece / HF tokenizers "Unigram"): the segmentation of a
// word is the path through the lattice of vocabulary pieces with the highest total log-probability
// score (Viterbi). A position no single-character piece covers becomes the unknown token, scored
// `minScore − 10`; consecutive unknowns fuse into one.

export interface UnigramPiece {
  piece: string;
  score: number;
}

export const UNK_PENALTY = 10;

export class UnigramModel {
  private readonly ids = new Map<string, number>();
  private readonly maxPieceChars: number;
  private readonly unkScore: number;

  constructor(
    readonly vocab: UnigramPiece[],
    readonly unkId: number | null,
  ) {
    if (vocab.length === 0) throw new Error('Unigram: the vocabulary is empty');
    let maxChars = 1;
    let minScore = Infinity;
    vocab.forEach(({ piece, score }, id) => {
      if (!this.ids.has(piece)) this.ids.set(piece, id);
      maxChars = Math.max(maxChars, Array.from(piece).length);
      minScore = Math.min(minScore, score);
    });
    if (unkId !== null && (unkId < 0 || unkId >= vocab.length)) throw new Error(`Unigram: unk_id ${unkId} is outside the vocabulary of ${vocab.length}`);
    this.maxPieceChars = maxChars;
    this.unkScore = minScore - UNK_PENALTY;
  }

  idOf(piece: string): number | undefined {
    return this.ids.get(piece);
  }

  /** Best segmentation of one pre-tokenized word into pieces (strings, unknown runs kept). */
  segment(word: string): { pieces: string[]; unknown: boolean[] } {
    const chars = Array.from(word);
    const n = chars.length;
    // best[e]: best score of a path covering chars[0..e); from[e]: start of its last piece
    const best = new Float64Array(n + 1).fill(-Infinity);
    const from = new Int32Array(n + 1).fill(-1);
    const isUnk = new Uint8Array(n + 1);
    best[0] = 0;
    for (let s = 0; s < n; s++) {
      if (best[s] === -Infinity) continue;
      let piece = '';
      let hasSingle = false;
      for (let e = s + 1; e <= Math.min(n, s + this.maxPieceChars); e++) {
        piece += chars[e - 1];
        const id = this.ids.get(piece);
        if (id === undefined) continue;
        if (e === s + 1) hasSingle = true;
        const score = best[s] + this.vocab[id].score;
        if (from[e] < 0 || score > best[e]) {
          best[e] = score;
          from[e] = s;
          isUnk[e] = 0;
        }
      }
      if (!hasSingle) {
        const score = best[s] + this.unkScore;
        if (from[s + 1] < 0 || score > best[s + 1]) {
          best[s + 1] = score;
          from[s + 1] = s;
          isUnk[s + 1] = 1;
        }
      }
    }
    const pieces: string[] = [];
    const unknown: boolean[] = [];
    for (let e = n; e > 0; e = from[e]) {
      const text = chars.slice(from[e], e).join('');
      const unk = isUnk[e] === 1;
      if (unk && unknown.length > 0 && unknown[unknown.length - 1]) {
        pieces[pieces.length - 1] = text + pieces[pieces.length - 1]; // fuse unknown runs
      } else {
        pieces.push(text);
        unknown.push(unk);
      }
    }
    return { pieces: pieces.reverse(), unknown: unknown.reverse() };
  }

  /** Token ids of one word; unknown pieces map to unk_id (an error when the model has none). */
  encodeWord(word: string): number[] {
    const { pieces, unknown } = this.segment(word);
    return pieces.map((piece, i) => {
      if (unknown[i]) {
        if (this.unkId === null) throw new Error(`Unigram: "${piece}" is not in the vocabulary and the model has no unk_id`);
        return this.unkId;
      }
      return this.ids.get(piece) as number;
    });
  }
}

// The small encoder's word tokenizer: built from the Shapes caption grammar, lower-cases, splits
// punctuation, maps unknown words to <unk> and appends <end>.
import { Rng } from '../../models/rng';
import { captionOf, randomScene } from '../../models/data/shapes';
import { shapesVocabulary, splitWords, WordTokenizer } from '../../models/text/shapes/wordTokenizer';

const tok = new WordTokenizer(shapesVocabulary());

describe('WordTokenizer', () => {
  it('round-trips every caption the Shapes generator writes, with no unknown word', () => {
    const rng = new Rng(3);
    for (let i = 0; i < 400; i++) {
      const caption = captionOf(randomScene(rng, i % 2 === 0 ? 1 : 2));
      const ids = tok.encode(caption);
      expect(ids).not.toContain(tok.unkId);
      expect(ids[ids.length - 1]).toBe(tok.endId);
      expect(tok.decode(ids)).toBe(caption);
    }
  });

  it('lower-cases and splits punctuation into tokens of their own', () => {
    expect(splitWords('A Red circle, at the TOP-left.')).toEqual(['a', 'red', 'circle', ',', 'at', 'the', 'top', '-', 'left', '.']);
    expect(tok.decode(tok.encode('A Red circle.'))).toBe('a red circle .');
  });

  it('maps words outside the vocabulary to <unk>', () => {
    const ids = tok.encode('a magenta hexagon at the top');
    expect(ids.filter((id) => id === tok.unkId)).toHaveLength(2);
    expect(tok.decode(ids)).toBe('a <unk> <unk> at the top');
  });

  it('gives an empty prompt one token (<end>) and truncates keeping <end>', () => {
    expect(tok.encode('')).toEqual([tok.endId]);
    const long = tok.encode('red '.repeat(300), 120);
    expect(long).toHaveLength(120);
    expect(long[119]).toBe(tok.endId);
  });

  it('refuses a vocabulary without the special tokens, naming the missing one', () => {
    expect(() => new WordTokenizer(['<pad>', 'red'])).toThrow(/lacks the special token <unk>/);
  });
});

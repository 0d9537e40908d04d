// The T5 (SentencePiece Unigram) tokenizer read from tokenizer.json: hand-computed Viterbi cases,
// Metaspace/whitespace handling, EOS and truncation, and parity with SentencePiece itself on a
// model trained with T5's nmt_nfkc normalisation (fixtures/spm-reference.json, made by
// fixtures/makeSpmReference.py).
import * as fs from 'fs';
import * as path from 'path';
import { T5Tokenizer } from '../../models/text/t5/t5Tokenizer';
import { PrecompiledCharsmap } from '../../models/text/t5/precompiledCharsmap';
import { handTokenizerJson } from './t5Fixtures';

const tok = T5Tokenizer.fromJson(handTokenizerJson());

describe('Unigram Viterbi on a hand-scored vocabulary', () => {
  it('takes the single best-scoring piece when it beats every split (▁red −3 > ▁re+d −7.5)', () => {
    expect(tok.encode('red')).toEqual([4, 1]);
  });

  it('splits when the pieces together score higher (▁bl+ue −4 > ▁blue −9)', () => {
    expect(tok.encode('blue')).toEqual([8, 9, 1]);
  });

  it('segments each word after the Metaspace ▁ and appends </s>', () => {
    expect(tok.encode('a red circle')).toEqual([11, 4, 16, 1]);
  });

  it('maps a character no piece covers to <unk> (▁re + unk x)', () => {
    expect(tok.encode('rex')).toEqual([5, 2, 1]);
  });

  it('fuses a run of unknown characters into one <unk>', () => {
    expect(tok.model.segment('\u2581rxyz').pieces).toEqual(['\u2581', 'rxyz']);
    expect(tok.encode('rxyz')).toEqual([3, 2, 1]);
  });

  it('ignores leading, trailing and repeated whitespace', () => {
    expect(tok.encode('  a \t  red  ')).toEqual(tok.encode('a red'));
  });

  it('truncates the content so that content + </s> fits the limit', () => {
    expect(tok.encode('a red a red', 3)).toEqual([11, 4, 1]);
    expect(tok.encode('a red a red', 120)).toEqual([11, 4, 11, 4, 1]);
  });

  it('splits added special tokens out of the raw text', () => {
    expect(tok.encode('red</s>')).toEqual([4, 1, 1]);
  });

  it('refuses a tokenizer.json whose model is not Unigram, naming what arrived', () => {
    expect(() => T5Tokenizer.fromJson({ model: { type: 'BPE', vocab: {} } })).toThrow(/expected model.type "Unigram".*"BPE"/);
  });
});

describe('parity with SentencePiece (nmt_nfkc charsmap, as T5)', () => {
  const ref = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'spm-reference.json'), 'utf-8')) as {
    tokenizer: unknown;
    cases: { text: string; ids: number[] }[];
  };
  const spmTok = T5Tokenizer.fromJson(ref.tokenizer);

  it.each(ref.cases.map((c) => [c.text, c.ids] as const))('%j gives the SentencePiece ids', (text, ids) => {
    expect(spmTok.encode(text, 120)).toEqual(ids);
  });

  it('the precompiled charsmap folds full-width letters and ligatures (NFKC)', () => {
    const normalizer = (ref.tokenizer as { normalizer: { normalizers: { precompiled_charsmap: string }[] } }).normalizer.normalizers[0];
    const map = PrecompiledCharsmap.fromBase64(normalizer.precompiled_charsmap);
    expect(map.normalize('ｒｅｄ ﬁve')).toBe('red five');
    expect(map.normalize('plain text')).toBe('plain text');
  });
});

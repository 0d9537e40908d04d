// A tokenizer.json (HF tokenizers format) with a Unigram model — T5's SentencePiece tokenizer:
// added/special tokens are split out of the raw text, the rest is normalised, pre-tokenized
// (WhitespaceSplit + Metaspace "▁"), segmented by Viterbi, truncated, and the post-processor's
// template appends `</s>`.
import * as fs from 'fs';
import { buildNormalizer, Normalizer } from './normalizers';
import { buildPreTokenizer, PreTokenizer } from './preTokenizers';
import { UnigramModel, UnigramPiece } from './unigram';

interface AddedToken {
  id: number;
  content: string;
}

type TemplatePart = { kind: 'sequence' } | { kind: 'special'; id: number };

export class T5Tokenizer {
  private constructor(
    readonly model: UnigramModel,
    private readonly normalize: Normalizer,
    private readonly preTokenize: PreTokenizer,
    private readonly added: AddedToken[],
    private readonly template: TemplatePart[],
    readonly padId: number,
  ) {}

  static fromFile(file: string): T5Tokenizer {
    if (!fs.existsSync(file)) throw new Error(`tokenizer.json not found at ${file}`);
    let json: unknown;
    try {
      json = JSON.parse(fs.readFileSync(file, 'utf-8'));
    } catch (e) {
      throw new Error(`${file} is not valid JSON: ${(e as Error).message}`);
    }
    return T5Tokenizer.fromJson(json, file);
  }

  static fromJson(json: unknown, source = 'tokenizer.json'): T5Tokenizer {
    const root = json as Record<string, any>;
    const model = root?.model;
    if (!model || model.type !== 'Unigram') {
      throw new Error(`${source}: expected model.type "Unigram" (a T5 SentencePiece tokenizer), got ${JSON.stringify(model?.type)}`);
    }
    if (!Array.isArray(model.vocab)) throw new Error(`${source}: model.vocab must be an array of [piece, score]`);
    const vocab: UnigramPiece[] = model.vocab.map((entry: unknown, i: number) => {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string' || typeof entry[1] !== 'number') {
        throw new Error(`${source}: model.vocab[${i}] must be [piece: string, score: number], got ${JSON.stringify(entry)}`);
      }
      return { piece: entry[0], score: entry[1] };
    });
    const unigram = new UnigramModel(vocab, typeof model.unk_id === 'number' ? model.unk_id : null);
    const added: AddedToken[] = (Array.isArray(root.added_tokens) ? root.added_tokens : [])
      .map((t: any) => ({ id: Number(t.id), content: String(t.content) }))
      .filter((t: AddedToken) => t.content.length > 0)
      .sort((a: AddedToken, b: AddedToken) => b.content.length - a.content.length);
    const template = parseTemplate(root.post_processor, unigram, added, source);
    const padId = typeof root.padding?.pad_id === 'number' ? root.padding.pad_id : unigram.idOf('<pad>') ?? 0;
    return new T5Tokenizer(unigram, buildNormalizer(root.normalizer), buildPreTokenizer(root.pre_tokenizer), added, template, padId);
  }

  /** Special tokens the template adds around a sequence. */
  get specialTokenCount(): number {
    return this.template.filter((p) => p.kind === 'special').length;
  }

  /** Token ids of the text before the template (no `</s>`). */
  encodeContent(text: string): number[] {
    const ids: number[] = [];
    for (const part of this.splitAdded(text)) {
      if (typeof part === 'number') {
        ids.push(part);
        continue;
      }
      const words = this.preTokenize([this.normalize(part)]);
      for (const w of words) ids.push(...this.model.encodeWord(w));
    }
    return ids;
  }

  /** Ids with the template applied (EOS appended), content truncated so the total fits maxLength. */
  encode(text: string, maxLength = Infinity): number[] {
    const room = Math.max(0, maxLength - this.specialTokenCount);
    const content = this.encodeContent(text).slice(0, room);
    const ids: number[] = [];
    for (const part of this.template) {
      if (part.kind === 'sequence') ids.push(...content);
      else ids.push(part.id);
    }
    return ids;
  }

  /** Raw text split into literal runs and the ids of added tokens found in it. */
  private splitAdded(text: string): Array<string | number> {
    const out: Array<string | number> = [];
    let rest = text;
    while (rest.length > 0) {
      let bestAt = -1;
      let bestTok: AddedToken | null = null;
      for (const tok of this.added) {
        const at = rest.indexOf(tok.content);
        if (at >= 0 && (bestAt < 0 || at < bestAt)) {
          bestAt = at;
          bestTok = tok;
        }
      }
      if (!bestTok) {
        out.push(rest);
        break;
      }
      if (bestAt > 0) out.push(rest.slice(0, bestAt));
      out.push(bestTok.id);
      rest = rest.slice(bestAt + bestTok.content.length);
    }
    return out;
  }
}

function parseTemplate(post: any, model: UnigramModel, added: AddedToken[], source: string): TemplatePart[] {
  const eosFallback = (): TemplatePart[] => {
    const eos = model.idOf('</s>');
    return eos === undefined ? [{ kind: 'sequence' }] : [{ kind: 'sequence' }, { kind: 'special', id: eos }];
  };
  if (!post) return eosFallback();
  if (post.type !== 'TemplateProcessing') throw new Error(`${source}: post_processor type "${post.type}" is not supported (supported: TemplateProcessing)`);
  const single = Array.isArray(post.single) ? post.single : [];
  return single.map((item: any): TemplatePart => {
    if (item.Sequence) return { kind: 'sequence' };
    const name = item.SpecialToken?.id;
    if (typeof name !== 'string') throw new Error(`${source}: post_processor.single entry ${JSON.stringify(item)} is neither Sequence nor SpecialToken`);
    const declared = post.special_tokens?.[name]?.ids?.[0];
    const id = typeof declared === 'number' ? declared : added.find((t) => t.content === name)?.id ?? model.idOf(name);
    if (id === undefined) throw new Error(`${source}: post_processor special token "${name}" has no id`);
    return { kind: 'special', id };
  });
}

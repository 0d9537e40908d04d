// Small T5-style inputs the tests make: a hand-scored Unigram tokenizer.json and a tiny ONNX
// "encoder" (Gather embedding → MatMul → Tanh, zeroed where attention_mask is 0) built with the
// project's ONNX graph builder, plus the same computation done directly for comparison.
import * as fs from 'fs';
import * as path from 'path';
import { GraphBuilder } from '../../models/onnx/builder';
import { Rng } from '../../models/rng';

export const HAND_VOCAB: [string, number][] = [
  ['<pad>', 0], ['</s>', 0], ['<unk>', 0], ['\u2581', -2], ['\u2581red', -3], ['\u2581re', -2.5], ['d', -5], ['re', -4],
  ['\u2581bl', -2], ['ue', -2], ['\u2581blue', -9], ['\u2581a', -1], ['a', -3], ['c', -3], ['ir', -3], ['le', -3], ['\u2581circle', -4],
];

export function handTokenizerJson(): object {
  return {
    version: '1.0',
    added_tokens: [0, 1, 2].map((id) => ({ id, content: HAND_VOCAB[id][0], special: true })),
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }] },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: true }] },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      special_tokens: { '</s>': { id: '</s>', ids: [1], tokens: ['</s>'] } },
    },
    model: { type: 'Unigram', unk_id: 2, vocab: HAND_VOCAB, byte_fallback: false },
  };
}

export interface TinyEncoderWeights {
  vocab: number;
  dim: number;
  embedding: Float32Array; // [vocab, dim]
  proj: Float32Array; // [dim, dim]
}

export function tinyEncoderWeights(vocab: number, dim: number, seed: number): TinyEncoderWeights {
  const rng = new Rng(seed);
  const embedding = Float32Array.from({ length: vocab * dim }, () => rng.normal());
  const proj = Float32Array.from({ length: dim * dim }, () => rng.normal() / Math.sqrt(dim));
  return { vocab, dim, embedding, proj };
}

/** Writes model.onnx (input_ids, attention_mask → last_hidden_state) and tokenizer.json to folder. */
export function writeTinyT5Folder(folder: string, w: TinyEncoderWeights, modelName = 'model.onnx'): void {
  fs.mkdirSync(folder, { recursive: true });
  const g = new GraphBuilder('tiny_t5_encoder');
  const ids = g.input('input_ids', 'int64', ['B', 'S']);
  const mask = g.input('attention_mask', 'int64', ['B', 'S']);
  const emb = g.op('Gather', [g.initializer('embed', w.embedding, [w.vocab, w.dim]), ids], { axis: 0 }); // [B, S, D]
  const h = g.op('Tanh', [g.op('MatMul', [emb, g.initializer('proj', w.proj, [w.dim, w.dim])])]);
  const m = g.op('Unsqueeze', [g.op('Cast', [mask], { to: 1 }), g.constant(BigInt64Array.from([-1n]), [1], 'int64')]); // [B, S, 1]
  g.output(g.op('Mul', [h, m]), 'last_hidden_state', 'float', ['B', 'S', w.dim]);
  fs.writeFileSync(path.join(folder, modelName), g.toBytes());
  fs.writeFileSync(path.join(folder, 'tokenizer.json'), JSON.stringify(handTokenizerJson()));
}

/** The tiny encoder's output for one token id, computed directly: tanh(E[id] · W). */
export function tinyEncoderRow(w: TinyEncoderWeights, id: number): Float32Array {
  const out = new Float32Array(w.dim);
  for (let j = 0; j < w.dim; j++) {
    let s = 0;
    for (let i = 0; i < w.dim; i++) s += w.embedding[id * w.dim + i] * w.proj[i * w.dim + j];
    out[j] = Math.tanh(s);
  }
  return out;
}

// A tokenized dataset: what `narflow extract-codes` writes and NAR training reads. One
// safetensors file: `codes` [N, h, w] (images) or [N, T, h, w] (videos) holding integer code
// indices as F32 (exact up to 2^24), optional `labels` [N]; __metadata__ = {format:
// 'narflow-codes', codebook_size, tokenizer, source, captions (JSON array, optional)}.
import { type StateDict, readSafetensors, writeSafetensors } from '../checkpoint/safetensors';

export const CODE_FILE_FORMAT = 'narflow-codes';

export interface CodeDataset {
  /** [N, h, w] or [N, T, h, w] */
  shape: number[];
  codes: Int32Array;
  codebookSize: number;
  labels?: Int32Array;
  captions?: string[];
  /** tokenizer file the codes came from */
  tokenizer: string;
  /** where the images came from (a folder, or the Shapes generator and its options) */
  source: string;
}

export function writeCodeFile(file: string, d: CodeDataset): void {
  const n = d.shape.reduce((a, b) => a * b, 1);
  if (n !== d.codes.length) throw new Error(`codes hold ${d.codes.length} values, shape [${d.shape}] needs ${n}`);
  if (d.labels && d.labels.length !== d.shape[0]) throw new Error(`${d.labels.length} labels for ${d.shape[0]} items`);
  if (d.captions && d.captions.length !== d.shape[0]) throw new Error(`${d.captions.length} captions for ${d.shape[0]} items`);
  const sd: StateDict = new Map([['codes', { shape: d.shape, data: Float32Array.from(d.codes) }]]);
  if (d.labels) sd.set('labels', { shape: [d.labels.length], data: Float32Array.from(d.labels) });
  const meta: Record<string, string> = { format: CODE_FILE_FORMAT, codebook_size: String(d.codebookSize), tokenizer: d.tokenizer, source: d.source };
  if (d.captions) meta.captions = JSON.stringify(d.captions);
  writeSafetensors(file, sd, meta);
}

export function readCodeFile(file: string): CodeDataset {
  const { tensors, metadata } = readSafetensors(file);
  if (metadata.format !== CODE_FILE_FORMAT) throw new Error(`${file}: not a code file (expected __metadata__.format '${CODE_FILE_FORMAT}', got ${JSON.stringify(metadata.format)})`);
  const codes = tensors.get('codes');
  if (!codes || codes.shape.length < 3) throw new Error(`${file}: code file lacks a 'codes' tensor [N, h, w] or [N, T, h, w]`);
  const labels = tensors.get('labels');
  return {
    shape: codes.shape,
    codes: Int32Array.from(codes.data),
    codebookSize: Number(metadata.codebook_size),
    labels: labels ? Int32Array.from(labels.data) : undefined,
    captions: metadata.captions ? (JSON.parse(metadata.captions) as string[]) : undefined,
    tokenizer: metadata.tokenizer ?? '',
    source: metadata.source ?? '',
  };
}

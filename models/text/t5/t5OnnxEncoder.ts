// The T5 backend: a local model folder with an ONNX encoder (`model.onnx` or
// `encoder_model.onnx`: input_ids [B, S] int64 (+ attention_mask [B, S] int64) →
// last_hidden_state [B, S, D]) and its `tokenizer.json`. Prompts are tokenized (EOS appended,
// at most 120 tokens), run right-padded with the attention mask as the HF encoder expects, and the
// real rows are moved to the end of the 120 positions (left padding, as NAR reads them).
import * as fs from 'fs';
import * as path from 'path';
import { createSession, OrtSession, ortTensor, SessionConfig } from '../../onnx/session';
import { checkPrompts, leftPadRows, TEXT_MAX_TOKENS, TextEncoder, TextEncoderError, TextEncoding } from '../textEncoder';
import { T5Tokenizer } from './t5Tokenizer';

export const T5_MODEL_FILES = ['model.onnx', 'encoder_model.onnx'] as const;

/** The ONNX file of a T5 folder, or null. */
export function findT5Model(folder: string): string | null {
  for (const name of T5_MODEL_FILES) {
    const file = path.join(folder, name);
    if (fs.existsSync(file)) return file;
  }
  const onnx = fs.existsSync(folder) ? fs.readdirSync(folder).filter((f) => f.endsWith('.onnx')).sort() : [];
  return onnx.length === 1 ? path.join(folder, onnx[0]) : null;
}

export class T5OnnxEncoder implements TextEncoder {
  readonly maxTokens = TEXT_MAX_TOKENS;

  private constructor(
    private session: OrtSession | null,
    readonly tokenizer: T5Tokenizer,
    private dim: number,
    readonly description: string,
    private readonly outputName: string,
    private readonly usesMask: boolean,
  ) {}

  /** Opens `folder` (model.onnx or encoder_model.onnx + tokenizer.json); captionDim is probed. */
  static async load(folder: string, config: SessionConfig = {}): Promise<T5OnnxEncoder> {
    const where = 'a T5 encoder folder (e.g. weights/text_encoder/flan-t5-xl/)';
    if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) throw new TextEncoderError(`T5 encoder folder not found: ${folder} (expected ${where})`);
    const modelFile = findT5Model(folder);
    if (!modelFile) throw new TextEncoderError(`no ONNX encoder in ${folder}: expected ${T5_MODEL_FILES.join(' or ')} in ${where}`);
    const tokFile = path.join(folder, 'tokenizer.json');
    if (!fs.existsSync(tokFile)) throw new TextEncoderError(`tokenizer.json missing in ${folder}: it belongs beside ${path.basename(modelFile)} in ${where}`);
    const tokenizer = T5Tokenizer.fromFile(tokFile);
    const session = await createSession(modelFile, config);
    if (!session.inputNames.includes('input_ids')) {
      await session.release();
      throw new TextEncoderError(`${modelFile}: expected an input named input_ids, the model has ${JSON.stringify(session.inputNames)}`);
    }
    const outputName = session.outputNames.includes('last_hidden_state') ? 'last_hidden_state' : session.outputNames[0];
    const encoder = new T5OnnxEncoder(session, tokenizer, 0, `T5 ONNX encoder ${modelFile}`, outputName, session.inputNames.includes('attention_mask'));
    const probe = await encoder.run([[tokenizer.padId]]);
    encoder.dim = probe.dim;
    return encoder;
  }

  get captionDim(): number {
    return this.dim;
  }

  /** Token ids per prompt (EOS appended, truncated to maxTokens). */
  tokenize(prompts: string[]): number[][] {
    return prompts.map((p) => this.tokenizer.encode(p, this.maxTokens));
  }

  tokenCount(prompt: string): number {
    return this.tokenizer.encode(prompt).length;
  }

  async encode(prompts: string[]): Promise<TextEncoding> {
    checkPrompts(prompts);
    const ids = this.tokenize(prompts);
    const { data, seqLen, dim } = await this.run(ids);
    return leftPadRows(data, ids.map((r) => r.length), seqLen, dim, this.maxTokens);
  }

  /** Runs the encoder on right-padded ids: [B, S, D] with S the longest row. */
  private async run(ids: number[][]): Promise<{ data: Float32Array; seqLen: number; dim: number }> {
    if (!this.session) throw new TextEncoderError('T5 encoder used after dispose()');
    const batch = ids.length;
    const seqLen = Math.max(1, ...ids.map((r) => r.length));
    const idData = new BigInt64Array(batch * seqLen).fill(BigInt(this.tokenizer.padId));
    const maskData = new BigInt64Array(batch * seqLen);
    ids.forEach((row, b) => row.forEach((id, t) => {
      idData[b * seqLen + t] = BigInt(id);
      maskData[b * seqLen + t] = 1n;
    }));
    const feeds: Record<string, ReturnType<typeof ortTensor>> = { input_ids: ortTensor('int64', idData, [batch, seqLen]) };
    if (this.usesMask) feeds.attention_mask = ortTensor('int64', maskData, [batch, seqLen]);
    const out = (await this.session.run(feeds))[this.outputName];
    const dims = [...out.dims];
    if (out.type !== 'float32' || dims.length !== 3 || dims[0] !== batch || dims[1] !== seqLen) {
      throw new TextEncoderError(`T5 encoder output ${this.outputName}: expected float32 [${batch}, ${seqLen}, D], got ${out.type} [${dims}]`);
    }
    return { data: Float32Array.from(out.data as Float32Array), seqLen, dim: dims[2] };
  }

  dispose(): void {
    const s = this.session;
    this.session = null;
    if (s) void s.release();
  }
}

// The T5 backend on a tiny ONNX encoder the test builds (Gather → MatMul → Tanh, × attention
// mask) and a hand-scored tokenizer.json: [B, 120, D] features, left-padded, equal to the direct
// computation; missing files give errors that name the file and where it belongs.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { loadTextEncoder } from '../../models/text/loadTextEncoder';
import { T5OnnxEncoder } from '../../models/text/t5/t5OnnxEncoder';
import { TEXT_MAX_TOKENS, TextEncoder } from '../../models/text/textEncoder';
import { HAND_VOCAB, tinyEncoderRow, tinyEncoderWeights, writeTinyT5Folder } from './t5Fixtures';

const weights = tinyEncoderWeights(HAND_VOCAB.length, 8, 5);
let dir: string;
let enc: TextEncoder;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-t5-'));
  writeTinyT5Folder(path.join(dir, 'tiny-t5'), weights);
  enc = await loadTextEncoder(path.join(dir, 'tiny-t5'));
});
afterAll(() => {
  enc.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('T5 ONNX text encoder', () => {
  it('is chosen for a folder with model.onnx + tokenizer.json and probes captionDim from the model', () => {
    expect(enc).toBeInstanceOf(T5OnnxEncoder);
    expect(enc.captionDim).toBe(8);
    expect(enc.maxTokens).toBe(TEXT_MAX_TOKENS);
  });

  it('returns [B, 120, D] left-padded features equal to tanh(E[id]·W) at the real positions', async () => {
    const prompts = ['a red circle', 'blue', 'rex a red'];
    const expectedIds = [[11, 4, 16, 1], [8, 9, 1], [5, 2, 11, 4, 1]];
    expect((enc as T5OnnxEncoder).tokenize(prompts)).toEqual(expectedIds);
    const out = await enc.encode(prompts);
    const D = 8;
    expect(out.batch).toBe(3);
    expect(out.features.length).toBe(3 * TEXT_MAX_TOKENS * D);
    expectedIds.forEach((ids, b) => {
      const start = TEXT_MAX_TOKENS - ids.length;
      const mask = Array.from(out.mask.subarray(b * TEXT_MAX_TOKENS, (b + 1) * TEXT_MAX_TOKENS));
      expect(mask).toEqual([...new Array(start).fill(0), ...new Array(ids.length).fill(1)]);
      for (let t = 0; t < TEXT_MAX_TOKENS; t++) {
        const got = out.features.subarray((b * TEXT_MAX_TOKENS + t) * D, (b * TEXT_MAX_TOKENS + t + 1) * D);
        const want = t < start ? new Float32Array(D) : tinyEncoderRow(weights, ids[t - start]);
        for (let d = 0; d < D; d++) expect(got[d]).toBeCloseTo(want[d], 5);
      }
    });
  });

  it('truncates a long prompt to 120 tokens ending in </s>, filling every position', async () => {
    const out = await enc.encode(['red '.repeat(200)]);
    expect(Array.from(out.mask).every((m) => m === 1)).toBe(true);
    const last = out.features.subarray(119 * 8, 120 * 8);
    const eos = tinyEncoderRow(weights, 1);
    for (let d = 0; d < 8; d++) expect(last[d]).toBeCloseTo(eos[d], 5);
  });

  it('also opens encoder_model.onnx, and leaves tf.memory().numTensors unchanged', async () => {
    const folder = path.join(dir, 'optimum-layout');
    writeTinyT5Folder(folder, weights, 'encoder_model.onnx');
    const before = tf.memory().numTensors;
    const other = await loadTextEncoder(folder);
    const a = await other.encode(['a red circle']);
    const b = await enc.encode(['a red circle']);
    other.dispose();
    expect(Buffer.from(a.features.buffer).equals(Buffer.from(b.features.buffer))).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names the missing file and where it belongs', async () => {
    const noTok = path.join(dir, 'no-tokenizer');
    writeTinyT5Folder(noTok, weights);
    fs.rmSync(path.join(noTok, 'tokenizer.json'));
    await expect(loadTextEncoder(noTok)).rejects.toThrow(/tokenizer.json missing in .*no-tokenizer.*weights\/text_encoder/);
    const noModel = path.join(dir, 'no-model');
    fs.mkdirSync(noModel);
    await expect(loadTextEncoder(noModel)).rejects.toThrow(/no ONNX encoder: expected model.onnx or encoder_model.onnx.*weights\/text_encoder/);
    await expect(loadTextEncoder(path.join(dir, 'absent.safetensors'))).rejects.toThrow(/text encoder not found: .*absent.safetensors.*weights\/text_encoder/);
    fs.writeFileSync(path.join(dir, 'x.bin'), 'x');
    await expect(loadTextEncoder(path.join(dir, 'x.bin'))).rejects.toThrow(/expected a .safetensors file or a folder/);
  });
});

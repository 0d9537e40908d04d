// Data sources: deterministic batches by (seed, index), shapes that fit the model, clear errors.
import * as path from 'path';
import { initBackend } from '../../models/backend';
import { buildNarConfig } from '../../models/nar';
import { codeFileSource, checkSourceFits, shapesCaptionSource, shapesClassSource, shapesVideoSource, type NarDataSource } from '../../models/training';
import { writeCodeFile } from '../../models/vq/codeFile';
import { tempDir, tinyTextEncoder, tinyTokenizer } from './helpers';

beforeAll(async () => {
  await initBackend('wasm');
});

async function snapshot(source: NarDataSource, index: number, size: number): Promise<string> {
  const b = await source.batch(index, size);
  const cond = b.cond.kind === 'class' ? Array.from(b.cond.classIds) : [Array.from(b.cond.features.slice(0, 64)), Array.from(b.cond.mask ?? [])];
  return JSON.stringify({ cond, tokens: Array.from(b.tokens) });
}

describe('Shapes generator sources', () => {
  let tok: ReturnType<typeof tinyTokenizer>;
  let text: ReturnType<typeof tinyTextEncoder>;
  beforeAll(() => {
    tok = tinyTokenizer();
    text = tinyTextEncoder();
  });
  afterAll(() => {
    tok.dispose();
    text.dispose();
  });

  it.each([
    ['class-to-image', (seed: number) => shapesClassSource({ tokenizer: tok, seed })],
    ['captions', (seed: number) => shapesCaptionSource({ tokenizer: tok, textEncoder: text, seed })],
    ['video', (seed: number) => shapesVideoSource({ tokenizer: tok, seed, frames: 3 })],
  ])('%s: same seed and index → same batch; another index or seed → another batch', async (_name, make) => {
    const a = make(11);
    const b = make(11);
    const c = make(12);
    const first = await snapshot(a, 4, 3);
    expect(await snapshot(b, 4, 3)).toBe(first);
    expect(await snapshot(a, 5, 3)).not.toBe(first);
    expect(await snapshot(c, 4, 3)).not.toBe(first);
  });

  it('batches are [B, N] tokens within the codebook, conditions of the right kind and size', async () => {
    const video = shapesVideoSource({ tokenizer: tok, seed: 1, frames: 3 });
    expect(video.spec.grid).toEqual([3, 4, 4]);
    const vb = await video.batch(0, 2);
    expect(vb.tokens.length).toBe(2 * 3 * 16);
    expect(Array.from(vb.tokens).every((t) => t >= 0 && t < 16)).toBe(true);
    const captions = shapesCaptionSource({ tokenizer: tok, textEncoder: text, seed: 1 });
    const cb = await captions.batch(0, 2);
    if (cb.cond.kind !== 'text') throw new Error('expected a text condition');
    expect(cb.cond.features.length).toBe(2 * 120 * 8);
    // left-padded: the last position of each row is a real token, the first is padding
    expect([cb.cond.mask![0], cb.cond.mask![119], cb.cond.mask![120], cb.cond.mask![239]]).toEqual([0, 1, 0, 1]);
  });

  it('a source that does not fit the model is refused with what was expected and what arrived', () => {
    const source = shapesClassSource({ tokenizer: tok, seed: 1 });
    const config = buildNarConfig({ dim: 32, nLayer: 1, nHead: 2, vocabSize: 16, grid: [8, 8], condition: { kind: 'class', numClasses: 18 } });
    expect(() => checkSourceFits(config, source)).toThrow(/token grid: model \[8,8\], data \[4,4\]/);
  });
});

describe('code file source', () => {
  const dir = tempDir();
  const file = path.join(dir, 'codes.safetensors');
  const codes = Int32Array.from({ length: 10 * 2 * 2 }, (_, i) => (Math.floor(i / 4) + 3 * (i % 4)) % 16); // distinct rows
  writeCodeFile(file, { shape: [10, 2, 2], codes, codebookSize: 16, labels: Int32Array.from({ length: 10 }, (_, i) => i % 3), tokenizer: 'test', source: 'test' });

  it('draws examples deterministically from (seed, index), with their labels', async () => {
    const a = codeFileSource({ codes: file, seed: 2 });
    expect(a.spec).toEqual({ grid: [2, 2], vocabSize: 16, condition: { kind: 'class', numClasses: 3 } });
    const first = await snapshot(a, 0, 4);
    expect(await snapshot(codeFileSource({ codes: file, seed: 2 }), 0, 4)).toBe(first);
    expect(await snapshot(a, 1, 4)).not.toBe(first);
    const b = await a.batch(0, 4);
    if (b.cond.kind !== 'class') throw new Error('expected a class condition');
    // every example's tokens are one of the file's rows, with that row's label
    for (let i = 0; i < 4; i++) {
      const row = Array.from(b.tokens).slice(i * 4, i * 4 + 4);
      const k = [...Array(10).keys()].find((j) => JSON.stringify(Array.from(codes.subarray(j * 4, j * 4 + 4))) === JSON.stringify(row));
      expect(k).toBeDefined();
      expect(b.cond.classIds[i]).toBe(k! % 3);
    }
  });

  it('text training on a file without captions is refused clearly', () => {
    expect(() => codeFileSource({ codes: file, seed: 1, condition: 'text', textEncoder: tinyTextEncoder() })).toThrow(/needs captions/);
  });
});

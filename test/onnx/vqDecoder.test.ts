// The VQ decoder graph reproduces LlamaGen's decode_code on the vq-tiny-16 fixture.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readSafetensors } from '../../models/checkpoint/safetensors';
import { OrtVqDecoder } from '../../models/onnx/vq/decoder';
import { parseLlamaGenVqConfig } from '../../models/vq/llamagenConfig';
import { maxAbsDiff, sharedDir } from './fixtures';

const dir = path.join(sharedDir(), 'fixtures', 'vq', 'vq-tiny-16');

describe('OrtVqDecoder', () => {
  const cases = JSON.parse(fs.readFileSync(path.join(dir, 'cases.json'), 'utf8'));
  const sd = readSafetensors(path.join(dir, 'model.safetensors')).tensors;
  const config = parseLlamaGenVqConfig(cases.config);
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-vq-'));
  afterAll(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

  it('decodes the fixture indices to decoded_from_indices_nchw within 1e-4', async () => {
    const decoder = await OrtVqDecoder.create(sd, config, { cacheDir });
    const idx: number[][][] = cases.indices;
    const out = await decoder.decode(idx.flat(2), idx.length, idx[0].length, idx[0][0].length);
    const expected: number[][][][] = cases.decoded_from_indices_nchw;
    expect(out.dims).toEqual([expected.length, expected[0].length, expected[0][0].length, expected[0][0][0].length]);
    expect(maxAbsDiff(out.data, expected.flat(3))).toBeLessThan(1e-4);
    await decoder.release();
  });

  it('loads the compiled graph from the cache the second time and refuses a bad index', async () => {
    const first = await OrtVqDecoder.create(sd, config, { cacheDir });
    const second = await OrtVqDecoder.create(sd, config, { cacheDir });
    expect(second.compiled).toBe(false);
    await expect(second.decode([0, 1, 2, 64], 1, 2, 2)).rejects.toThrow(/index 64 at 3 is outside the codebook \[0, 64\)/);
    await Promise.all([first.release(), second.release()]);
  });
});

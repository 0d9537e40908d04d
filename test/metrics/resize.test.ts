import { resizeBilinearNCHW } from '../../models/metrics/preprocess/resizeBilinear';
import { inceptionPreprocess } from '../../models/metrics/extractors/onnxInception';
import { imageBatch } from '../../models/image/types';
import { fidCases, fidFixture, readF32 } from './helpers/sharedFixtures';

describe('bilinear resize (align_corners = false)', () => {
  it('matches the PyTorch 17×23 → 299×299 fixture within 1e-5', () => {
    const r = fidCases().resize;
    const out = resizeBilinearNCHW(readF32(fidFixture(r.input)), r.input_shape, r.output_shape[2], r.output_shape[3]);
    const expected = readF32(fidFixture(r.bilinear_align_corners_false));
    expect(out.length).toBe(expected.length);
    let worst = 0;
    for (let i = 0; i < out.length; i++) worst = Math.max(worst, Math.abs(out[i] - expected[i]));
    expect(worst).toBeLessThanOrEqual(1e-5);
  });

  it('Inception preprocessing maps [0, 1] to [−1, 1] in NCHW order', () => {
    const img = imageBatch(1, 2, 2, Float32Array.from([0, 0.5, 1, 0, 0.5, 1, 0, 0.5, 1, 0, 0.5, 1]));
    const x = inceptionPreprocess(img, 4);
    expect(x.length).toBe(3 * 16);
    expect(x.slice(0, 16).every((v) => v === -1)).toBe(true);
    expect(x.slice(16, 32).every((v) => Math.abs(v) < 1e-7)).toBe(true);
    expect(x.slice(32).every((v) => v === 1)).toBe(true);
  });

  it('says which shape it expected when the data does not fit', () => {
    expect(() => resizeBilinearNCHW(new Float32Array(5), [1, 3, 2, 2], 4, 4)).toThrow(/\[1,3,2,2\] = 12 values, got 5/);
  });
});

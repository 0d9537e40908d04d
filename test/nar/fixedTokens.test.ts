// Inpainting / outpainting in the sampler: kept tokens stay, later passes read them as context,
// everything sampled before them is untouched, and both engines agree.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../models/backend';
import { buildNarConfig, NarModel, type NarGenerateOptions } from '../../models/nar';
import { orderingFor } from '../../models/nar/ordering';
import { fixedGrid } from '../../models/nar/sampler/generate';
import { OrtNarEngine } from '../../models/onnx/narEngine';

const cond = { kind: 'class' as const, classIds: [1, 3] };
const N = 4 * 5;
const V = 24;
let corner: NarModel;
let allHeads: NarModel;
let raster: NarModel;
const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fixed-tokens-'));

beforeAll(async () => {
  await initBackend('wasm');
  const base = { dim: 32, nLayer: 2, nHead: 2, vocabSize: V, grid: [4, 5], condition: { kind: 'class' as const, numClasses: 4 } };
  corner = NarModel.random(buildNarConfig(base), 1);
  allHeads = NarModel.random(buildNarConfig({ ...base, heads: 'all' }), 2);
  raster = NarModel.random(buildNarConfig({ ...base, ordering: 'raster' }), 3);
});
afterAll(() => {
  [corner, allHeads, raster].forEach((m) => m.dispose());
  fs.rmSync(cacheDir, { recursive: true, force: true });
});

/** keep mask [N]: 1 on rows r0..r1 and columns c0..c1 of the 4×5 grid */
function rect(r0: number, r1: number, c0: number, c1: number): Uint8Array {
  return Uint8Array.from({ length: N }, (_, i) => (Math.floor(i / 5) >= r0 && Math.floor(i / 5) <= r1 && i % 5 >= c0 && i % 5 <= c1 ? 1 : 0));
}

const sampling: Omit<NarGenerateOptions, 'cond'> = { cfgScale: 2, temperature: 1, topK: 0, topP: 1, seed: 7 };

describe('generate with fixed tokens', () => {
  it.each([
    ['corner', () => corner, 'corner'],
    ['centre (four heads)', () => allHeads, 'center'],
    ['raster AR', () => raster, undefined],
  ] as const)('%s: keeping the tokens a free run chose gives that run again, under sampling', async (_, model, seedPosition) => {
    const free = await model().generate({ cond, seedPosition, ...sampling });
    const keep = rect(1, 3, 2, 4);
    const kept = await model().generate({ cond, seedPosition, ...sampling, fixed: { tokens: Int32Array.from(free.flat()), keep } });
    expect(kept).toEqual(free);
  });

  it('keeps other tokens where asked, leaves earlier passes alone and changes later ones', async () => {
    const free = await corner.generate({ cond, ...sampling });
    const keep = rect(0, 1, 0, 1); // top-left 2×2 block: rings 0..2
    const other = free.flat().map((t) => (t + 5) % V);
    const out = await corner.generate({ cond, ...sampling, fixed: { tokens: other, keep } });
    for (let b = 0; b < 2; b++) {
      for (let q = 0; q < N; q++) if (keep[q]) expect(out[b][q]).toBe(other[b * N + q]);
      // the seed token (ring 0) is kept, so every free token reads changed context
      const changed = out[b].filter((t, q) => !keep[q] && t !== free[b][q]).length;
      expect(changed).toBeGreaterThan(0);
    }
  });

  it('leaves the passes before the first kept token as a free run samples them', async () => {
    const free = await corner.generate({ cond, ...sampling });
    const keep = rect(3, 3, 3, 4); // bottom-right: rings 6 and 7 only
    const other = free.flat().map((t) => (t + 1) % V);
    const out = await corner.generate({ cond, ...sampling, fixed: { tokens: other, keep } });
    const rank = orderingFor(corner.config, 'corner').rank;
    const firstKept = Math.min(...Array.from(keep.keys()).filter((q) => keep[q]).map((q) => rank[q]));
    for (let b = 0; b < 2; b++) {
      for (let q = 0; q < N; q++) {
        if (keep[q]) expect(out[b][q]).toBe(other[b * N + q]);
        else if (rank[q] <= firstKept) expect(out[b][q]).toBe(free[b][q]);
      }
    }
  });

  it('keeping every token returns them, one row each or one grid for all', async () => {
    const tokens = Int32Array.from({ length: N }, (_, i) => (i * 7) % V);
    const out = await allHeads.generate({ cond, seedPosition: 'center', ...sampling, fixed: { tokens, keep: new Uint8Array(N).fill(1) } });
    expect(out).toEqual([Array.from(tokens), Array.from(tokens)]);
    const perRow = Int32Array.from({ length: 2 * N }, (_, i) => i % V);
    const out2 = await allHeads.generate({ cond, seedPosition: 'center', greedy: true, fixed: { tokens: perRow, keep: new Uint8Array(2 * N).fill(1) } });
    expect(out2.flat()).toEqual(Array.from(perRow));
  });

  it('shows the kept tokens in the preview from the first pass and leaves no tensors behind', async () => {
    const keep = rect(1, 2, 1, 3);
    const tokens = new Int32Array(N).fill(4);
    const before = tf.memory().numTensors;
    const first: Int32Array[] = [];
    await corner.generate({ cond, ...sampling, fixed: { tokens, keep }, onStep: (s) => void (s.step === 0 && first.push(s.tokens)) });
    expect(tf.memory().numTensors).toBe(before);
    const shown = first[0];
    for (let b = 0; b < 2; b++) {
      for (let q = 0; q < N; q++) {
        if (keep[q]) expect(shown[b * N + q]).toBe(4);
        else if (q !== 0) expect(shown[b * N + q]).toBe(-1);
      }
    }
  });

  it('refuses fixed tokens of the wrong size or outside the vocabulary, by name', async () => {
    const keep = new Uint8Array(N).fill(1);
    await expect(corner.generate({ cond, fixed: { tokens: new Int32Array(N - 1), keep } })).rejects.toThrow(/fixed tokens must be \[20\] or \[2, 20\] \(batch 2, grid of 20\), got 19 values/);
    await expect(corner.generate({ cond, fixed: { tokens: new Int32Array(N), keep: new Uint8Array(3 * N) } })).rejects.toThrow(/fixed keep must be/);
    const bad = new Int32Array(N).fill(V);
    await expect(corner.generate({ cond, fixed: { tokens: bad, keep } })).rejects.toThrow(/fixed token 24 at position 0 of image 0 is outside the vocabulary 0\.\.23/);
    // a token outside the vocabulary where nothing is kept is not read
    expect(fixedGrid({ tokens: bad, keep: new Uint8Array(N) }, 2, N, V)).toBeUndefined();
  });

  it('gives the same tokens on the ORT engine as on tfjs', async () => {
    const ort = await OrtNarEngine.create(allHeads.toStateDict(), allHeads.config, { cacheDir });
    const tokens = Int32Array.from({ length: N }, (_, i) => (i * 5) % V);
    const keep = rect(0, 3, 0, 1);
    const request = { cond, seedPosition: 'center' as const, ...sampling, fixed: { tokens, keep } };
    const viaOrt = await allHeads.generate({ ...request, engine: ort });
    expect(viaOrt).toEqual(await allHeads.generate(request));
    await ort.release();
  });
});

// Host-side tables of the step graph (RoPE rows, attention biases) and the host KV cache.
import { buildNarConfig } from '../../models/nar/config';
import { capacityFor, OrtKvCache } from '../../models/onnx/nar/kvCache';
import { fullSequenceBias, gridCoords, HIDDEN, prefillBias, ropeRows } from '../../models/onnx/nar/stepInputs';

const config = buildNarConfig({ dim: 32, nLayer: 1, nHead: 2, vocabSize: 8, grid: [3, 5], condition: { kind: 'class', numClasses: 2 } });

describe('ropeRows', () => {
  const hd = config.headDim; // 16: elements 0..7 turn with the row, 8..15 with the column
  it('gives condition positions zero cos and sin', () => {
    const { cos, sin } = ropeRows(config, [-1]);
    expect(Array.from(cos).every((v) => v === 0) && Array.from(sin).every((v) => v === 0)).toBe(true);
  });

  it('turns the first half of the pairs with the row and the second half with the column', () => {
    const origin = ropeRows(config, [0]);
    const nextCol = ropeRows(config, [1]); // (0, 1)
    const nextRow = ropeRows(config, [5]); // (1, 0)
    const q = hd / 4; // pairs per axis
    expect(origin.cos.length).toBe(hd / 2);
    expect(Array.from(nextCol.cos.subarray(0, q))).toEqual(Array.from(origin.cos.subarray(0, q)));
    expect(Array.from(nextCol.cos.subarray(q))).not.toEqual(Array.from(origin.cos.subarray(q)));
    expect(Array.from(nextRow.cos.subarray(q))).toEqual(Array.from(origin.cos.subarray(q)));
    expect(Array.from(nextRow.cos.subarray(0, q))).not.toEqual(Array.from(origin.cos.subarray(0, q)));
  });

  it('gives each pair a rotation: cos² + sin² = 1, the first pair of an axis turning by its coordinate', () => {
    const { cos, sin } = ropeRows(config, [13]); // (2, 3)
    for (let i = 0; i < hd / 2; i++) expect(cos[i] ** 2 + sin[i] ** 2).toBeCloseTo(1, 6);
    expect(cos[0]).toBeCloseTo(Math.cos(2), 6); // row axis, pair 0: angle = row
    expect(sin[hd / 4]).toBeCloseTo(Math.sin(3), 6); // column axis, pair 0: angle = column
  });
});

describe('attention biases', () => {
  it('prefill: causal, padded keys hidden except from themselves', () => {
    const C = 3;
    const b = prefillBias(1, C, Float32Array.from([0, 1, 1]));
    const at = (i: number, j: number) => b[i * C + j];
    expect(at(0, 0)).toBe(0); // a padded position still sees itself
    expect(at(1, 0)).toBe(HIDDEN); // padded key
    expect(at(1, 2)).toBe(HIDDEN); // future key
    expect(at(2, 1)).toBe(0);
  });

  it('full sequence: grid tokens see the condition and tokens not farther from the seed', () => {
    const distance = Array.from({ length: 15 }, (_, q) => gridCoords([3, 5], q).reduce((a, v) => a + v, 0));
    const L = 16;
    const b = fullSequenceBias(1, 1, distance);
    const at = (i: number, j: number) => b[i * L + j];
    expect(at(0, 1)).toBe(HIDDEN); // condition does not see the grid
    expect(at(1 + 1, 0)).toBe(0);
    expect(at(1 + 1, 1 + 5)).toBe(0); // (0,1) and (1,0): same distance, visible both ways
    expect(at(1 + 5, 1 + 1)).toBe(0);
    expect(at(1 + 1, 1 + 6)).toBe(HIDDEN); // (1,1) is farther
  });
});

describe('OrtKvCache', () => {
  const shape = { blocks: 1, batch: 2, kvHeads: 1, headDim: 2, slots: 3 };

  it('appends new keys and values into the next slots and opens them in the bias', () => {
    const cache = new OrtKvCache(shape);
    // new keys and values [B=2, kvH=1, S=2, hd=2]
    cache.append([Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8])], [Float32Array.from([10, 11, 12, 13, 14, 15, 16, 17])], 2, (b, s) => !(b === 1 && s === 0));
    expect(cache.capacity).toBe(3);
    expect(Array.from(cache.keys[0])).toEqual([1, 2, 3, 4, 0, 0, 5, 6, 7, 8, 0, 0]);
    expect(Array.from(cache.values[0])).toEqual([10, 11, 12, 13, 0, 0, 14, 15, 16, 17, 0, 0]);
    expect(Array.from(cache.bias)).toEqual([0, 0, HIDDEN, HIDDEN, 0, HIDDEN]);
    expect(cache.keyTensors[0].dims).toEqual([2, 1, 3, 2]);
    expect(cache.filled).toBe(2);
  });

  it('takes keys and values written into its staging views (where ORT writes them), and feeds the regrown buffers', () => {
    const cache = new OrtKvCache(shape);
    const first = cache.stagingViews(1); // [B=2, kvH=1, S=1, hd=2]
    first.keys[0].set([1, 2, 3, 4]);
    first.values[0].set([5, 6, 7, 8]);
    cache.appendStaged(1);
    const wide = cache.stagingViews(2); // needs more staging room: the buffers are replaced
    expect(wide.keys[0].buffer).not.toBe(first.keys[0].buffer);
    expect((cache.keyTensors[0].data as Float32Array).buffer).toBe(wide.keys[0].buffer);
    wide.keys[0].set([11, 12, 13, 14, 15, 16, 17, 18]);
    wide.values[0].set(new Float32Array(8));
    cache.appendStaged(2, (b, s) => b === 0 || s === 1);
    expect(Array.from(cache.keys[0])).toEqual([1, 2, 11, 12, 13, 14, 3, 4, 15, 16, 17, 18]);
    expect(Array.from(cache.values[0].subarray(0, 2))).toEqual([5, 6]);
    expect(Array.from(cache.bias)).toEqual([0, 0, 0, 0, HIDDEN, 0]);
  });

  it('refuses to overflow and clears for reuse', () => {
    const cache = new OrtKvCache(shape);
    cache.append([new Float32Array(8)], [new Float32Array(8)], 2);
    expect(() => cache.append([new Float32Array(8)], [new Float32Array(8)], 2)).toThrow(/holds 3 slots; 2 are filled and 2 more were fed/);
    cache.clear();
    expect(cache.filled).toBe(0);
    expect(Array.from(cache.bias).every((v) => v === HIDDEN)).toBe(true);
  });

  it('grows its capacity in steps, keeping every filled slot, and starts small again after clear()', () => {
    expect([1, 32, 33, 64, 65, 128, 150, 200].map((n) => capacityFor(n, 200))).toEqual([32, 32, 64, 64, 128, 128, 200, 200]);
    expect(capacityFor(100, 257)).toBe(128);
    expect(() => capacityFor(258, 257)).toThrow(/258 slots needed, the cache has 257/);
    const big = { blocks: 2, batch: 3, kvHeads: 2, headDim: 4, slots: 100 };
    const cache = new OrtKvCache(big);
    const rows = big.batch * big.kvHeads;
    const expectK: number[][] = Array.from({ length: rows }, () => []);
    let n = 0;
    for (const S of [1, 20, 20, 30, 29]) {
      const k = Float32Array.from({ length: rows * S * big.headDim }, (_, i) => n * 1000 + i);
      for (let r = 0; r < rows; r++) expectK[r].push(...k.subarray(r * S * big.headDim, (r + 1) * S * big.headDim));
      cache.append([k, k.map((v) => -v)], [k.map((v) => v + 0.5), k], S, (b, s) => b !== 2 || s % 2 === 0);
      n++;
      const T = cache.capacity;
      expect(T).toBe(capacityFor(cache.filled, big.slots));
      expect(cache.keyTensors[1].dims).toEqual([big.batch, big.kvHeads, T, big.headDim]);
      expect(cache.biasTensor.dims).toEqual([big.batch, 1, 1, T]);
      for (let r = 0; r < rows; r++) {
        const row = Array.from(cache.keys[0].subarray(r * T * big.headDim, r * T * big.headDim + cache.filled * big.headDim));
        expect(row).toEqual(expectK[r]);
        expect(Array.from(cache.keys[1].subarray(r * T * big.headDim, r * T * big.headDim + 4))).toEqual(expectK[r].slice(0, 4).map((v) => -v));
      }
      expect(Array.from(cache.bias.subarray(0, T)).filter((v) => v === 0).length).toBe(cache.filled);
      if (cache.filled < T) expect(cache.bias[cache.filled]).toBe(HIDDEN);
      expect(cache.bias[2 * T + cache.filled - S + 1]).toBe(HIDDEN); // row 2 hides odd fed slots
    }
    expect([cache.filled, cache.capacity]).toEqual([100, 100]);
    cache.clear();
    expect([cache.filled, cache.capacity, cache.bias.length]).toEqual([0, 32, 3 * 32]);
  });
});

// The allocation-free token chooser must pick exactly the tokens of the plain pure-function chain
// (temperature → top-k by full sort → top-p → softmax → one uniform draw).
import { Rng } from '../../models/rng';
import { drawFrom, expNonPositive, kthLargest, softmax, TokenChooser, topPFilter, type SamplingOptions } from '../../models/nar/sampler/sampling';

function referenceChoice(row: Float32Array, o: SamplingOptions, rng: Rng): number {
  const t = Math.max(o.temperature ?? 1, 1e-5);
  const logits = Float32Array.from(row, (v) => v / t);
  const k = o.topK ?? 0;
  if (k > 0 && k < logits.length) {
    const threshold = Float32Array.from(logits).sort()[logits.length - k];
    for (let i = 0; i < logits.length; i++) if (logits[i] < threshold) logits[i] = -Infinity;
  }
  if ((o.topP ?? 1) < 1) topPFilter(logits, o.topP!);
  return drawFrom(softmax(logits), rng);
}

it('kthLargest equals the k-th value of a full sort, ties included', () => {
  const rng = new Rng(3);
  for (let trial = 0; trial < 50; trial++) {
    const n = 1 + rng.int(300);
    const x = Float32Array.from({ length: n }, () => Math.round(rng.normal() * 4) / 2); // many ties
    const k = 1 + rng.int(n);
    const sorted = Float32Array.from(x).sort();
    expect(kthLargest(x, k) === sorted[n - k]).toBe(true); // numeric equality (0 and −0 are the same threshold)
  }
});

it.each<SamplingOptions>([{ temperature: 1 }, { temperature: 0.7, topK: 5 }, { temperature: 1.3, topK: 40, topP: 0.9 }, { topP: 0.5 }])(
  'TokenChooser picks the reference chain’s tokens (%j)',
  (o) => {
    const V = 257;
    const chooser = new TokenChooser(V, o);
    const data = new Rng(11);
    const a = new Rng(5);
    const b = new Rng(5);
    for (let i = 0; i < 200; i++) {
      const row = Float32Array.from({ length: V }, () => data.normal() * 3);
      expect(chooser.choose(row, a)).toBe(referenceChoice(row, o, b));
    }
  },
);

it('TokenChooser refuses a row of the wrong length', () => {
  expect(() => new TokenChooser(8, {}).choose(new Float32Array(7), new Rng(0))).toThrow(/7 values, expected 8/);
});

it('plain sampling from float32 probabilities picks the reference chain’s tokens', () => {
  const V = 300;
  const chooser = new TokenChooser(V, { temperature: 0.8 });
  expect(chooser.plainSampling).toBe(true);
  expect(new TokenChooser(V, { topK: 3 }).plainSampling).toBe(false);
  expect(new TokenChooser(V, { greedy: true }).plainSampling).toBe(false);
  const data = new Rng(2);
  const a = new Rng(8);
  const b = new Rng(8);
  const seen = new Set<number>();
  for (let i = 0; i < 300; i++) {
    const row = Float32Array.from({ length: V }, () => data.normal() * 2);
    const probs = Float32Array.from(softmax(Float32Array.from(row, (v) => v / 0.8)));
    const token = chooser.chooseFromProbabilities(probs, a);
    expect(token).toBe(referenceChoice(row, { temperature: 0.8 }, b));
    seen.add(token);
  }
  expect(seen.size).toBeGreaterThan(50); // it samples, not a fixed pick
  expect(() => chooser.chooseFromProbabilities(new Float32Array(7), a)).toThrow(/7 values, expected 300/);
});

it('expNonPositive is e^x within 1e-9 relative on x ≤ 0, 0 at −Infinity', () => {
  const rng = new Rng(4);
  let worst = 0;
  for (let i = 0; i < 20000; i++) {
    const x = -rng.next() * (i % 2 ? 30 : 700);
    worst = Math.max(worst, Math.abs(expNonPositive(x) - Math.exp(x)) / Math.exp(x));
  }
  expect(worst).toBeLessThan(1e-9);
  expect(expNonPositive(0)).toBe(1);
  expect(expNonPositive(-Infinity)).toBe(0);
  expect(expNonPositive(-745.2)).toBe(Math.exp(-745.2)); // past the table: Math.exp
  expect(Number.isNaN(expNonPositive(NaN))).toBe(true);
});

// The bundled small text encoder (weights/text_encoder/shapes-text.safetensors, made by
// scripts/train-text-encoder.ts): its pooled features separate captions that differ in one
// attribute, and shape, colour and position are recoverable — by a linear probe on scene
// combinations it never saw, and per object in two-object captions by a probe fitted on only
// 40 captions. An untrained encoder of the same size is the control: random features in 64
// dimensions already let a probe fitted on hundreds of captions read every attribute, and
// single-object captions are easy for it too, so the binding check asserts a margin over it;
// the distance check (one attribute changed vs a meaning-preserving '.') fails for it as well.
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../models/backend';
import { Rng } from '../../models/rng';
import { captionOf, randomScene } from '../../models/data/shapes';
import { COLOR_NAMES, SHAPES, ShapeObject } from '../../models/data/shapesSpec';
import { loadTextEncoder } from '../../models/text/loadTextEncoder';
import { SmallTextEncoder } from '../../models/text/shapes/smallTextEncoder';
import { pooledFeatures, TextEncoder } from '../../models/text/textEncoder';
import { initialWeights } from '../../models/text/shapes/smallEncoderModel';
import { accuracy, cosineDistance, fitProbe } from './linearProbe';

const FILE = path.resolve(__dirname, '../../weights/text_encoder/shapes-text.safetensors');
let enc: TextEncoder;
let control: SmallTextEncoder;

beforeAll(async () => {
  await initBackend('wasm');
  enc = await loadTextEncoder(FILE);
  const trained = enc as SmallTextEncoder;
  control = new SmallTextEncoder(trained.config, trained.tokenizer.vocab, initialWeights(trained.config, 5));
});
afterAll(() => {
  enc.dispose();
  control.dispose();
});

async function pooled(captions: string[], encoder: TextEncoder = enc): Promise<Float32Array[]> {
  const out = await encoder.encode(captions);
  return captions.map((_, i) => pooledFeatures(out, i, encoder.captionDim));
}

/** All 162 single-object scenes (shape × colour × cell), size fixed (captions do not state it). */
function allSingleScenes(): ShapeObject[] {
  const out: ShapeObject[] = [];
  for (const shape of SHAPES) for (const color of COLOR_NAMES) for (let cell = 0; cell < 9; cell++) out.push({ shape, color, row: Math.floor(cell / 3), col: cell % 3, size: 'small' });
  return out;
}

const ATTRS: [string, number, (o: ShapeObject) => number][] = [
  ['shape', 3, (o) => SHAPES.indexOf(o.shape)],
  ['colour', 6, (o) => COLOR_NAMES.indexOf(o.color)],
  ['cell', 9, (o) => o.row * 3 + o.col],
];

describe('bundled small text encoder', () => {
  it('is a small Shapes encoder under 2 MB with captionDim 64', () => {
    expect(fs.statSync(FILE).size).toBeLessThan(2 * 1024 * 1024);
    expect(enc).toBeInstanceOf(SmallTextEncoder);
    expect(enc.captionDim).toBe(64);
  });

  it('separates captions that differ in one attribute far more than a meaning-preserving edit', async () => {
    const base = 'a red circle at the top left';
    const [b, same, period, colour, shape, place] = await pooled([base, base, `${base}.`, 'a blue circle at the top left', 'a red square at the top left', 'a red circle at the bottom right']);
    expect(cosineDistance(b, same)).toBeLessThan(1e-6);
    const minChange = Math.min(cosineDistance(b, colour), cosineDistance(b, shape), cosineDistance(b, place));
    console.log(`cosine distance: identical ${cosineDistance(b, same).toExponential(1)}, trailing '.' ${cosineDistance(b, period).toFixed(4)}, colour ${cosineDistance(b, colour).toFixed(4)}, shape ${cosineDistance(b, shape).toFixed(4)}, position ${cosineDistance(b, place).toFixed(4)}`);
    const [cb, cperiod, ccolour] = await pooled([base, `${base}.`, 'a blue circle at the top left'], control);
    console.log(`untrained control: trailing '.' ${cosineDistance(cb, cperiod).toFixed(4)}, colour ${cosineDistance(cb, ccolour).toFixed(4)}`);
    expect(minChange).toBeGreaterThan(0.05);
    expect(minChange).toBeGreaterThan(5 * cosineDistance(b, period));
  });

  it('a linear probe reads shape, colour and cell of single-object captions for combinations it never saw', async () => {
    const scenes = allSingleScenes();
    const rng = new Rng(0);
    const heldOut = scenes.map(() => rng.next() < 1 / 3);
    const captions = scenes.map((o) => captionOf([o]));
    const [feats, controlFeats] = [await pooled(captions), await pooled(captions, control)];
    const pick = <T>(xs: T[], held: boolean): T[] => xs.filter((_, i) => heldOut[i] === held);
    for (const [name, classes, of] of ATTRS) {
      const labels = scenes.map(of);
      const score = (f: Float32Array[]) => accuracy(fitProbe(pick(f, false), pick(labels, false), classes), pick(f, true), pick(labels, true));
      const [acc, base] = [score(feats), score(controlFeats)];
      console.log(`probe ${name}: held-out accuracy ${acc.toFixed(3)} (untrained control ${base.toFixed(3)}) on ${pick(labels, true).length} captions`);
      expect(acc).toBeGreaterThanOrEqual(0.95);
    }
  });

  it('binds shape and colour to the right object in two-object captions (probe per slot, 40 fitting captions)', async () => {
    const rng = new Rng(1);
    const scenes = Array.from({ length: 240 }, () => randomScene(rng, 2));
    const captions = scenes.map(captionOf);
    const [feats, controlFeats] = [await pooled(captions), await pooled(captions, control)];
    for (const slot of [0, 1]) {
      for (const [name, classes, of] of ATTRS.slice(0, 2)) {
        const labels = scenes.map((s) => of(s[slot]));
        const score = (f: Float32Array[]) => accuracy(fitProbe(f.slice(0, 40), labels.slice(0, 40), classes), f.slice(40), labels.slice(40));
        const [acc, base] = [score(feats), score(controlFeats)];
        console.log(`two-object probe, object ${slot + 1} ${name}: accuracy ${acc.toFixed(3)} (untrained control ${base.toFixed(3)})`);
        expect(acc).toBeGreaterThanOrEqual(0.95);
        expect(acc).toBeGreaterThan(base + 0.05);
      }
    }
  });

  it('leaves tf.memory().numTensors unchanged after encode', async () => {
    const before = tf.memory().numTensors;
    await enc.encode(['a green triangle above a purple square']);
    expect(tf.memory().numTensors).toBe(before);
  });
});

// How much a Shapes NAR model uses each part of its condition, teacher-forced: the mean loss of the
// object tokens of held-out one-object images given the true condition, the condition with the
// colour changed (red→yellow, green→purple, blue→cyan and back), with the shape changed
// (circle→square→triangle→circle), and the null condition. A part the model ignores costs nothing
// when it is changed. Works for class-to-image (the class) and text-to-image (the caption) models.
// Usage: npx tsx scripts/condition-sensitivity.ts MODEL [--text-encoder F] [--tokenizer F] [--images 48] [--seed 99991]
import { initBackend } from '../models/backend';
import { generateShapesImages } from '../models/data/shapes';
import { classOf, COLOR_NAMES, SHAPES, type ColorName, type ShapeName, type ShapeObject } from '../models/data/shapesSpec';
import { captionOf } from '../models/data/shapes';
import { loadNar } from '../models/nar';
import { loadTextEncoder } from '../models/text';
import { loadTokenizer } from '../models/vq/io';
import { flag, numberFlag, parseArgs } from '../server/cli/command';

const otherColour = (c: ColorName): ColorName => COLOR_NAMES[(COLOR_NAMES.indexOf(c) + 3) % COLOR_NAMES.length];
const otherShape = (s: ShapeName): ShapeName => SHAPES[(SHAPES.indexOf(s) + 1) % SHAPES.length];

async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const file = args.positional[0];
  if (!file) throw new Error('usage: npx tsx scripts/condition-sensitivity.ts MODEL [--text-encoder F] [--tokenizer F] [--images 48] [--seed 99991]');
  await initBackend('wasm');
  const tok = loadTokenizer(flag(args, 'tokenizer') ?? 'weights/tokenizer/shapes-vq.safetensors');
  const model = loadNar(file);
  const c = model.config;
  const B = numberFlag(args, 'images', 48);
  const d = generateShapesImages(B, numberFlag(args, 'seed', 99991), { objects: 1 });
  const tokens = Int32Array.from((tok.encode(d.images) as number[][][]).flat(2));
  const N = c.numTokens;
  const V = c.vocabSize;
  // background: the three most frequent codes of these images; every other token is an object token
  const counts = new Map<number, number>();
  for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
  const background = new Set([...counts].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([t]) => t));
  const text = c.condition.kind === 'text' ? await loadTextEncoder(flag(args, 'text-encoder') ?? 'weights/text_encoder/shapes-text.safetensors') : null;

  const objectLoss = async (scenes: ShapeObject[][], nullAll = false): Promise<number> => {
    const nullRows = new Uint8Array(B).fill(nullAll ? 1 : 0);
    let cond;
    let condMask: Float32Array | undefined;
    if (text && c.condition.kind === 'text') {
      const enc = await text.encode(scenes.map(captionOf));
      const C = c.clsTokenNum;
      const T = c.condition.tokens;
      condMask = Float32Array.from({ length: B * C }, (_, i) => enc.mask[Math.floor(i / C) * T + (T - C) + (i % C)]);
      cond = { kind: 'text' as const, features: enc.features, nullRows };
    } else cond = { kind: 'class' as const, classIds: Int32Array.from(scenes, (s) => classOf(s[0].shape, s[0].color)), nullRows };
    const logits = await model.trainingLogits({ cond, tokens, batch: B, condMask });
    let sum = 0;
    let n = 0;
    for (let i = 0; i < B * N; i++) {
      if (background.has(tokens[i])) continue;
      let m = -Infinity;
      for (let v = 0; v < V; v++) m = Math.max(m, logits[i * V + v]);
      let s = 0;
      for (let v = 0; v < V; v++) s += Math.exp(logits[i * V + v] - m);
      sum += m + Math.log(s) - logits[i * V + tokens[i]];
      n++;
    }
    return sum / n;
  };

  const truth = d.objects;
  const base = await objectLoss(truth);
  const rows: [string, number][] = [
    ['colour changed', await objectLoss(truth.map((s) => s.map((o) => ({ ...o, color: otherColour(o.color) }))))],
    ['shape changed', await objectLoss(truth.map((s) => s.map((o) => ({ ...o, shape: otherShape(o.shape) }))))],
    ['null condition', await objectLoss(truth, true)],
  ];
  process.stdout.write(`${file}: ${B} held-out one-object images, object tokens' mean loss (nats), teacher-forced\n`);
  process.stdout.write(`true condition   ${base.toFixed(4)}\n`);
  for (const [name, loss] of rows) process.stdout.write(`${name.padEnd(16)} ${loss.toFixed(4)}  (${loss >= base ? '+' : ''}${(loss - base).toFixed(4)})\n`);
  model.dispose();
  tok.dispose();
  text?.dispose();
}

main(process.argv.slice(2)).catch((e: Error) => {
  process.stderr.write(`condition-sensitivity: ${e.message}\n`);
  process.exitCode = 1;
});

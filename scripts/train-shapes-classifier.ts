// Trains the built-in Shapes classifier (features for FID-shapes / FVD-shapes) and writes
// weights/metrics/shapes-classifier.safetensors.
//   npx tsx scripts/train-shapes-classifier.ts [--steps 1000] [--batch 64] [--lr 3e-3] [--seed 1] [--out FILE]
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../models/backend';
import { DEFAULT_SHAPES_CLASSIFIER } from '../models/metrics/shapesClassifier/model';
import { classAccuracy, labelledShapes, trainShapesClassifier } from '../models/metrics/shapesClassifier/train';
import { SHAPES_CLASSIFIER_FILE, saveShapesClassifier } from '../models/metrics/shapesClassifier/extractor';
import { disposeParams } from '../models/metrics/shapesClassifier/model';
import { numberFlag, flag, parseArgs } from '../server/cli/command';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const steps = numberFlag(args, 'steps', 1000);
  const batchSize = numberFlag(args, 'batch', 64);
  const lr = numberFlag(args, 'lr', 3e-3);
  const seed = numberFlag(args, 'seed', 1);
  const out = flag(args, 'out') ?? path.join(__dirname, '..', 'weights', SHAPES_CLASSIFIER_FILE);
  const info = await initBackend('auto');
  console.log(`backend: ${info.name}; training ${steps} steps of ${batchSize}`);
  const t0 = Date.now();
  const params = trainShapesClassifier(DEFAULT_SHAPES_CLASSIFIER, {
    steps,
    batchSize,
    lr,
    seed,
    onStep: (s, loss, acc) => console.log(`step ${s} loss ${loss.toFixed(4)} batch accuracy ${acc.toFixed(3)} (${((Date.now() - t0) / 1000).toFixed(0)} s)`),
  });
  const heldOut = classAccuracy(params, DEFAULT_SHAPES_CLASSIFIER, labelledShapes(1000, 7_000_001, 32));
  fs.mkdirSync(path.dirname(out), { recursive: true });
  saveShapesClassifier(out, params, DEFAULT_SHAPES_CLASSIFIER, { steps: String(steps), seed: String(seed), heldOutClassAccuracy: heldOut.toFixed(4) });
  disposeParams(params);
  console.log(`held-out class accuracy ${heldOut.toFixed(4)}; wrote ${out} (${fs.statSync(out).size} bytes) in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

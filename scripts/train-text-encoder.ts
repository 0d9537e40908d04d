// Trains the bundled small Shapes text encoder, deterministically, and writes
// weights/text_encoder/shapes-text.safetensors (config, vocabulary and training facts in
// __metadata__). With --pooled-output (an experiment, not the bundled encoder: docs/comparison.md,
// "Whitened pooled caption features") its output is then the caption's whitened pooled features at
// every position (withPooledOutput, fitted on WHITENING_CAPTIONS captions from WHITENING_SEED).
// Usage:
//   npx tsx scripts/train-text-encoder.ts [--seed 7] [--steps 800] [--batch 128] [--out FILE] [--pooled-output]
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../models/backend';
import { saveSmallEncoder, withPooledOutput } from '../models/text/shapes/smallTextEncoder';
import { sampleCaptions } from '../models/text/shapes/captionTargets';
import { trainSmallEncoder } from '../models/text/shapes/trainSmallEncoder';
import { Rng } from '../models/rng';

const WHITENING_SEED = 4242;
const WHITENING_CAPTIONS = 8192;

function option(argv: string[], name: string, fallback: string): string {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`--${name} needs a value`);
  return v;
}

function intOption(argv: string[], name: string, fallback: number): number {
  const v = Number(option(argv, name, String(fallback)));
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} must be a positive integer, got ${option(argv, name, '')}`);
  return v;
}

async function main(argv: string[]): Promise<void> {
  const seed = intOption(argv, 'seed', 7);
  const steps = intOption(argv, 'steps', 800);
  const batchSize = intOption(argv, 'batch', 128);
  const out = path.resolve(option(argv, 'out', path.join(__dirname, '..', 'weights', 'text_encoder', 'shapes-text.safetensors')));
  const backend = await initBackend('wasm');
  console.log(`backend ${backend.name}; seed ${seed}; ${steps} steps of ${batchSize} captions`);
  const t0 = Date.now();
  const result = await trainSmallEncoder({
    seed,
    steps,
    batchSize,
    logEvery: 100,
    onProgress: ({ step, loss, lr }) => console.log(`step ${step}  loss ${loss.toFixed(4)}  lr ${lr.toExponential(2)}  ${((Date.now() - t0) / 1000).toFixed(1)} s`),
  });
  const bundle = argv.includes('--pooled-output')
    ? await withPooledOutput(result.bundle, sampleCaptions(new Rng(WHITENING_SEED), WHITENING_CAPTIONS).map((c) => c.caption))
    : result.bundle;
  const seconds = (Date.now() - t0) / 1000;
  fs.mkdirSync(path.dirname(out), { recursive: true });
  saveSmallEncoder(out, bundle); // no timings inside: the same seed gives the same bytes
  console.log(`wrote ${out} (${fs.statSync(out).size} bytes) in ${seconds.toFixed(1)} s`);
}

main(process.argv.slice(2)).catch((e) => {
  console.error((e as Error).message);
  process.exit(1);
});

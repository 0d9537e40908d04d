// How much the bundled class-to-image models use their class (docs/comparison.md): teacher-forced
// cross-entropy with the true class against the null class on held-out Shapes images, for all
// tokens, object tokens and object starts (conditionInformation), and how often a sample's seed
// token is an object token (sampled at cfg 2; the seed's logits come from the class alone).
//   npx tsx scripts/class-information.ts [--images 128] [--samples 180] [--data-seed 999] [F.safetensors ...]
import * as fs from 'fs';
import { initBackend } from '../models/backend';
import { loadNar } from '../models/nar';
import { defaultSeed, flatten, resolveSeed } from '../models/nar/ordering';
import { conditionInformation, mostFrequentCode, type ConditionBatch } from '../models/metrics/evaluator/conditionInformation';
import { shapesClassSource } from '../models/training';
import { loadTokenizer } from '../models/vq/io';
import { numberFlag, parseArgs } from '../server/cli/command';

const DEFAULT_MODELS = ['weights/nar/shapes-c2i.safetensors', 'weights/nar/shapes-c2i-center.safetensors', 'weights/nar/shapes-raster-c2i.safetensors'];

async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const images = numberFlag(args, 'images', 128);
  const samples = numberFlag(args, 'samples', 180);
  const files = args.positional.length ? args.positional : DEFAULT_MODELS.filter((f) => fs.existsSync(f));
  await initBackend('auto');
  const tok = loadTokenizer('weights/tokenizer/shapes-vq.safetensors');
  const source = shapesClassSource({ tokenizer: tok, seed: numberFlag(args, 'data-seed', 999) });
  const batches: ConditionBatch[] = [];
  for (let i = 0; i * 32 < images; i++) {
    const b = await source.batch(i, Math.min(32, images - i * 32));
    if (b.cond.kind === 'class') batches.push({ classIds: b.cond.classIds, tokens: b.tokens });
  }
  const background = mostFrequentCode(batches);
  process.stdout.write(`${images} held-out Shapes images; background code ${background}; nats per token saved by the class (with null class → with class)\n\n`);
  process.stdout.write('| model | seed | all tokens | object tokens | object starts (n) | seed token is an object |\n|---|---|---|---|---|---|\n');
  for (const file of files) {
    const model = loadNar(file);
    try {
      const info = await conditionInformation(model, batches, background);
      const c = model.config;
      const seed = resolveSeed(c.grid, defaultSeed(c));
      const numClasses = c.condition.kind === 'class' ? c.condition.numClasses : 0;
      const grids = await model.generate({ cond: { kind: 'class', classIds: Array.from({ length: samples }, (_, i) => i % numClasses) }, cfgScale: 2, seed: 0 });
      const at = flatten(seed, c.grid);
      const objectSeed = grids.filter((g) => g[at] !== background).length / grids.length;
      const f = (x: number) => x.toFixed(3);
      const cell = (n: { withNull: number; withClass: number; gain: number }) => `${f(n.gain)} (${f(n.withNull)} → ${f(n.withClass)})`;
      process.stdout.write(`| ${file} | [${seed}] | ${cell(info.all)} | ${cell(info.objects)} | ${cell(info.objectStarts)} (${info.objectStarts.tokens}) | ${f(objectSeed)} of ${samples} |\n`);
    } finally {
      model.dispose();
    }
  }
  tok.dispose();
}

main(process.argv.slice(2)).catch((e: Error) => {
  process.stderr.write(`class-information: ${e.message}\n`);
  process.exitCode = 1;
});

// Text-to-image NAR models side by side on Shapes captions: the bundled model (from the corner)
// and the one trained from the centre seed (same recipe, data and seed), each sampled from where it
// was trained from, with the same captions, seeds and settings; scored by ShapeEval against each
// caption (colour, shape, position, count) and FID-shapes against captioned Shapes images.
//   npx tsx scripts/compare-t2i.ts [--captions 360] [--cfg 3] [--seed 0] [--reference 2000] [F.safetensors ...]
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../models/backend';
import { generateShapesImages } from '../models/data/shapes';
import { imageBatch, type ImageBatch } from '../models/image/types';
import { compareSamplers, type SamplerUnderTest } from '../models/metrics/evaluator/comparison';
import { shapesSource } from '../models/metrics/evaluator/imageSource';
import { ShapesFeatureExtractor } from '../models/metrics/shapesClassifier/extractor';
import { loadNar } from '../models/nar';
import { defaultSeed, resolveSeed } from '../models/nar/ordering';
import { loadTextEncoder } from '../models/text';
import { loadTokenizer } from '../models/vq/io';
import { nestCodes } from '../models/vq/tokenizer';
import { flag, numberFlag, parseArgs } from '../server/cli/command';

const DEFAULT_MODELS = ['weights/nar/shapes-t2i.safetensors', 'weights/nar/shapes-t2i-center.safetensors'];

async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const n = numberFlag(args, 'captions', 360);
  const cfg = numberFlag(args, 'cfg', 3);
  const seed = numberFlag(args, 'seed', 0);
  const files = args.positional.length ? args.positional : DEFAULT_MODELS.filter((f) => fs.existsSync(f));
  await initBackend('auto');
  const tok = loadTokenizer('weights/tokenizer/shapes-vq.safetensors');
  const text = await loadTextEncoder(flag(args, 'text-encoder') ?? 'weights/text_encoder/shapes-text.safetensors');
  const classifier = 'weights/metrics/shapes-classifier.safetensors';
  const extractor = ShapesFeatureExtractor.load(classifier);
  const stat = fs.statSync(classifier);
  // held-out captions (one or two objects, with positions), seeded apart from training
  const prompts = generateShapesImages(n, 424242, { objects: 'mixed' }).captions;
  const refCount = numberFlag(args, 'reference', 2000);
  const models = files.map((f) => ({ file: f, model: loadNar(f) }));
  const samplers: SamplerUnderTest[] = models.map(({ file, model }) => ({
    name: `${path.basename(file, '.safetensors')} from [${resolveSeed(model.config.grid, defaultSeed(model.config))}]`,
    async sample(ps, s) {
      const out = imageBatch(ps.length, 32, 32);
      const px = 32 * 32 * 3;
      const [h, w] = model.config.grid;
      for (let i = 0; i < ps.length; i += 36) {
        const chunk = ps.slice(i, i + 36);
        const enc = await text.encode(chunk);
        const tokens = await model.generate({ cond: { kind: 'text', features: enc.features, mask: enc.mask }, cfgScale: cfg, seed: s + i });
        const images: ImageBatch = tok.decode(nestCodes(tokens.flat(), tokens.length, h, w));
        out.data.set(images.data, i * px);
      }
      return out;
    },
  }));
  try {
    const rows = await compareSamplers({
      samplers,
      prompts,
      reference: shapesSource({ count: refCount, seed: 1234, size: 32, objects: 'mixed' }),
      extractor,
      extractorFingerprint: `${classifier}:${stat.size}:${stat.mtimeMs}`,
      seed,
      cacheDir: '.cache/reference-stats',
    });
    process.stdout.write(`${n} held-out Shapes captions (one or two objects), cfg ${cfg}, temperature 1, seed ${seed}; FID-shapes against ${refCount} captioned Shapes images (seed 1234)\n\n`);
    process.stdout.write('| model | ShapeEval overall | colour | shape | position | count | FID-shapes | img/s |\n|---|---|---|---|---|---|---|---|\n');
    const f = (x: number) => x.toFixed(3);
    for (const r of rows) process.stdout.write(`| ${r.sampler} | ${f(r.shapeEvalOverall)} | ${f(r.shapeEvalColor)} | ${f(r.shapeEvalShape)} | ${f(r.shapeEvalPosition)} | ${f(r.shapeEvalCount)} | ${r.fidShapes.toFixed(2)} | ${r.imagesPerSecond.toFixed(1)} |\n`);
  } finally {
    for (const m of models) m.model.dispose();
    tok.dispose();
    text.dispose();
    await extractor.dispose();
  }
}

main(process.argv.slice(2)).catch((e: Error) => {
  process.stderr.write(`compare-t2i: ${e.message}\n`);
  process.exitCode = 1;
});

// Sample pictures of the bundled Shapes models, written under docs/samples/:
//   c2i-grid.png          class-to-image NAR: rows = shape × sample, columns = the six colours
//   raster-c2i-grid.png   raster-AR baseline, same classes, same layout
//   c2i-center-grid.png   class-to-image NAR trained and sampled from the centre seed, same layout
//   c2i-nar-vs-raster.png NAR (left), raster-AR (middle) and real Shapes images through the tokenizer (right)
//   t2i-<i>.png + t2i.md  text-to-image NAR, one picture per caption (captions in t2i.md and the PNG text);
//                         t2i-all.png all of them in one picture
//   video-strip.png       video NAR: one clip per row (shape × direction), frames left to right
// and prints the sampling time per image. Usage:
//   npx tsx scripts/make-samples.ts [--weights-dir weights/nar] [--tokenizer F] [--text-encoder F]
//        [--out docs/samples] [--seed 0] [--cfg 3] [--temperature 1] [--top-k 0] [--scale 4]
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../models/backend';
import { generateShapesForLabels } from '../models/data/shapes';
import { COLOR_NAMES, DIRECTIONS, SHAPES, classOf } from '../models/data/shapesSpec';
import { videoClassOf } from '../models/data/shapesVideo';
import { imageGrid } from '../models/image/grid';
import { encodePng } from '../models/image/png';
import { imageBatch, type ImageBatch } from '../models/image/types';
import { loadNar, type NarModel, type SampleCondition } from '../models/nar';
import { defaultSeed, resolveSeed } from '../models/nar/ordering';
import { loadTextEncoder } from '../models/text';
import { loadTokenizer } from '../models/vq/io';
import { nestCodes, type Tokenizer } from '../models/vq/tokenizer';
import { decodeVideo } from '../models/vq/video';
import { flag, numberFlag, parseArgs } from '../server/cli/command';

/** Tiles images (all the same size) into one picture, `cols` per row, `gap` pixels apart, scaled up. */
function split(images: ImageBatch): ImageBatch[] {
  const n = images.height * images.width * 3;
  return Array.from({ length: images.batch }, (_, i) => imageBatch(1, images.height, images.width, images.data.slice(i * n, (i + 1) * n)));
}

interface Sampling {
  cfgScale: number;
  temperature: number;
  topK: number;
  seed: number;
}

async function sampleImages(model: NarModel, tok: Tokenizer, cond: SampleCondition, s: Sampling): Promise<{ images: ImageBatch; ms: number; batch: number }> {
  const t0 = performance.now();
  const tokens = await model.generate({ cond, ...s });
  const ms = performance.now() - t0;
  const [h, w] = model.config.grid;
  return { images: tok.decode(nestCodes(tokens.flat(), tokens.length, h, w)), ms, batch: tokens.length };
}

function write(file: string, image: ImageBatch, text: Record<string, string>): void {
  fs.writeFileSync(file, encodePng(image, 0, text));
  process.stdout.write(`wrote ${file} (${image.width}×${image.height})\n`);
}

async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const dir = flag(args, 'weights-dir') ?? 'weights/nar';
  const out = flag(args, 'out') ?? 'docs/samples';
  const scale = numberFlag(args, 'scale', 4);
  const s: Sampling = { cfgScale: numberFlag(args, 'cfg', 3), temperature: numberFlag(args, 'temperature', 1), topK: numberFlag(args, 'top-k', 0), seed: numberFlag(args, 'seed', 0) };
  const settings = `cfg ${s.cfgScale}, temperature ${s.temperature}, top-k ${s.topK || 'off'}, seed ${s.seed}`;
  const backend = await initBackend('auto');
  const tok = loadTokenizer(flag(args, 'tokenizer') ?? 'weights/tokenizer/shapes-vq.safetensors');
  fs.mkdirSync(out, { recursive: true });
  const timings: string[] = [];
  const only = flag(args, 'only')?.split(',');
  const wanted = (name: string): boolean => {
    const file = path.join(dir, `shapes-${name}.safetensors`);
    if (only && !only.includes(name)) return false;
    if (fs.existsSync(file)) return true;
    process.stdout.write(`skipping ${name}: ${file} not found\n`);
    return false;
  };

  // class grids: rows = shape × 2 samples, columns = colours
  const labels: number[] = [];
  for (const shape of SHAPES) for (let k = 0; k < 2; k++) for (const color of COLOR_NAMES) labels.push(classOf(shape, color));
  const grids = new Map<string, ImageBatch>();
  for (const name of ['c2i', 'raster-c2i', 'c2i-center'].filter(wanted)) {
    const model = loadNar(path.join(dir, `shapes-${name}.safetensors`));
    const one = await sampleImages(model, tok, { kind: 'class', classIds: [labels[0]] }, s);
    const r = await sampleImages(model, tok, { kind: 'class', classIds: labels }, s);
    // the models sample from where they were trained from (config.trainedSeed, else the corner)
    const from = model.config.ordering === 'raster' ? 'raster order' : `seed [${resolveSeed(model.config.grid, defaultSeed(model.config))}]`;
    timings.push(`${name}: ${one.ms.toFixed(0)} ms for one image (${model.passes()} passes, ${from}); ${(r.ms / r.batch).toFixed(0)} ms/image at batch ${r.batch}`);
    const grid = imageGrid(r.images, { columns: COLOR_NAMES.length, scale });
    write(path.join(out, `${name}-grid.png`), grid, { model: `shapes-${name}`, layout: 'rows: circle×2, square×2, triangle×2; columns: ' + COLOR_NAMES.join(', '), sampling: `${settings}, from ${from}` });
    grids.set(name, grid);
    model.dispose();
  }
  const nar = grids.get('c2i');
  const raster = grids.get('raster-c2i');
  if (nar && raster) {
    const real = generateShapesForLabels(labels, 12345).images;
    const realGrid = imageGrid(tok.decode(tok.encode(real)), { columns: COLOR_NAMES.length, scale });
    write(path.join(out, 'c2i-nar-vs-raster.png'), imageGrid([nar, raster, realGrid], { columns: 3, gap: 8 }), { layout: 'left: NAR, middle: raster-AR, right: real Shapes images through the tokenizer', sampling: settings });
  }
  if (wanted('t2i')) await textSamples(args, dir, out, tok, s, settings, scale, timings);
  if (wanted('video')) await videoSamples(dir, out, tok, s, settings, scale, timings);
  tok.dispose();
  process.stdout.write(`backend ${backend.name}; sampling times:\n  ${timings.join('\n  ')}\n`);
  // with --only, the other models' lines of an earlier run are kept
  const file = path.join(out, 'timings.txt');
  const ran = new Set(timings.map((t) => t.split(':')[0]));
  const kept = only && fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').slice(1).filter((l) => l && !ran.has(l.split(':')[0])) : [];
  fs.writeFileSync(file, `${new Date().toISOString()} backend ${backend.name}; ${settings}${kept.length ? ` (${[...ran].join(', ')} this run)` : ''}\n${[...kept, ...timings].join('\n')}\n`);
}

const CAPTIONS = [
  'a red circle at the top left',
  'a blue square at the center',
  'a green triangle at the bottom right',
  'a yellow circle at the right',
  'a purple square at the top',
  'a cyan triangle at the left',
  'a red square left of a blue circle',
  'a green circle above a yellow triangle',
];

/** One picture per caption, and t2i.md listing the captions next to their pictures. */
async function textSamples(args: ReturnType<typeof parseArgs>, dir: string, out: string, tok: Tokenizer, s: Sampling, settings: string, scale: number, timings: string[]): Promise<void> {
  const captions = CAPTIONS;

  const encoder = await loadTextEncoder(flag(args, 'text-encoder') ?? 'weights/text_encoder/shapes-text.safetensors');
  const enc = await encoder.encode(captions);
  const t2i = loadNar(path.join(dir, 'shapes-t2i.safetensors'));
  const tr = await sampleImages(t2i, tok, { kind: 'text', features: enc.features, mask: enc.mask }, s);
  timings.push(`t2i: ${(tr.ms / tr.batch).toFixed(0)} ms/image at batch ${tr.batch}`);
  const md = ['# Text-to-image samples (bundled Shapes t2i NAR)', '', `Sampling: ${settings}. Made by \`npx tsx scripts/make-samples.ts\`.`, '', '| caption | sample |', '|---|---|'];
  split(tr.images).forEach((img, i) => {
    write(path.join(out, `t2i-${i}.png`), imageGrid(img, { columns: 1, scale, gap: 0 }), { caption: captions[i], sampling: settings });
    md.push(`| ${captions[i]} | ![${captions[i]}](t2i-${i}.png) |`);
  });
  write(path.join(out, 't2i-all.png'), imageGrid(tr.images, { columns: 4, scale }), { captions: captions.map((c, i) => `${i}: ${c}`).join('; '), sampling: settings });
  md.push('', 'All eight in one picture (row-major, same order): ![all](t2i-all.png)');
  fs.writeFileSync(path.join(out, 't2i.md'), md.join('\n') + '\n');
  t2i.dispose();
  encoder.dispose();
}

/** One clip per class (shape × direction), frames left to right. */
async function videoSamples(dir: string, out: string, tok: Tokenizer, s: Sampling, settings: string, scale: number, timings: string[]): Promise<void> {
  const video = loadNar(path.join(dir, 'shapes-video.safetensors'));
  const vLabels = SHAPES.flatMap((shape) => DIRECTIONS.map((d) => videoClassOf(shape, d)));
  const t0 = performance.now();
  const vTokens = await video.generate({ cond: { kind: 'class', classIds: vLabels }, ...s });
  timings.push(`video: ${((performance.now() - t0) / vLabels.length).toFixed(0)} ms/clip at batch ${vLabels.length} (${video.passes()} passes)`);
  const [T, h, w] = video.config.grid;
  const clips = decodeVideo(tok, vTokens.map((t) => Array.from({ length: T }, (_, f) => nestCodes(t.slice(f * h * w, (f + 1) * h * w), 1, h, w)[0])), 4);
  const frames = imageBatch(clips.batch * clips.frames, clips.height, clips.width, clips.data);
  write(path.join(out, 'video-strip.png'), imageGrid(frames, { columns: T, scale }), { layout: `rows: ${SHAPES.map((sh) => DIRECTIONS.map((d) => `${sh} ${d}`).join(', ')).join(', ')}; columns: frames`, sampling: settings });
  video.dispose();
}

main(process.argv.slice(2)).catch((e: Error) => {
  process.stderr.write(`make-samples: ${e.message}\n`);
  process.exitCode = 1;
});

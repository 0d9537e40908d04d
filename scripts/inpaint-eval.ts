// How well the bundled class-to-image models fill in a hidden part of a held-out Shapes image
// (README "Inpainting and outpainting", docs/comparison.md). Each image is encoded, part of its
// token grid is hidden, and each model regenerates that part from the kept tokens and the image's
// class; the same model sampling freely (same class and seed, nothing kept) is the baseline.
// Scored on the hidden pixels against the original picture:
//   object redrawn   share of the hidden object pixels drawn within 0.2 of their colour
//   clean background share of the hidden background pixels left background
//   MSE              mean squared error over the hidden pixels
//   blind            regenerated tokens per image sampled before every kept one (they cannot see it)
// With --pictures DIR it also writes DIR/inpaint-<task>.png: for the first 6 images whose object
// is partly kept and partly hidden, a row each: the original, what is kept (hidden area grey), then
// each model's result with the first sampling seed.
//   npx tsx scripts/inpaint-eval.ts [--images 300] [--data-seed 4242] [--seeds 0,1,2] [--cfg 2] [--pictures docs/samples]
import { initBackend } from '../models/backend';
import { generateShapesImages } from '../models/data/shapes';
import { BACKGROUND } from '../models/data/shapesSpec';
import * as path from 'path';
import * as fs from 'fs';
import { imageGrid } from '../models/image/grid';
import { encodePng } from '../models/image/png';
import { imageAt, imageBatch, type ImageBatch } from '../models/image/types';
import { loadNar, type NarModel, type SeedSpec } from '../models/nar';
import { orderingFor } from '../models/nar/ordering';
import { createNarStepEngine } from '../models/onnx/engineChoice';
import { loadTokenizer } from '../models/vq/io';
import { nestCodes } from '../models/vq/tokenizer';
import { numberFlag, parseArgs } from '../server/cli/command';
import { RedrawTally, type RedrawScore } from './redrawScore';

const MODELS = [
  ['NAR from the corner', 'weights/nar/shapes-c2i.safetensors'],
  ['NAR from the centre', 'weights/nar/shapes-c2i-center.safetensors'],
  ['raster AR', 'weights/nar/shapes-raster-c2i.safetensors'],
] as const;

interface Task {
  /** hidden token (1 = regenerate) of an h×w grid */
  hidden: (r: number, c: number, h: number, w: number) => boolean;
  /** a seed inside the kept part, for the four-head model, when its trained seed is hidden */
  keptSeed?: [number, number];
}

const TASKS: Record<string, Task & { file: string }> = {
  'right half hidden (inpainting)': { file: 'right-half', hidden: (_r, c, _h, w) => c >= w / 2, keptSeed: [3, 1] },
  'border hidden, centre kept (outpainting)': { file: 'border', hidden: (r, c, h, w) => r < h / 4 || r >= (3 * h) / 4 || c < w / 4 || c >= (3 * w) / 4 },
};

const PICTURE_ROWS = 6;

/** Whether pixel (y, x) of an H×W picture lies in a hidden token. */
function hiddenPixel(hidden: Uint8Array, y: number, x: number, H: number, W: number, h: number, w: number): boolean {
  return hidden[Math.floor((y * h) / H) * w + Math.floor((x * w) / W)] === 1;
}

/** Images whose object has pixels both kept and hidden (the ones a picture shows). */
function straddling(orig: ImageBatch, hidden: Uint8Array, h: number, w: number): number[] {
  const bg = BACKGROUND.map((v) => v / 255);
  const out: number[] = [];
  const { height: H, width: W } = orig;
  for (let b = 0; b < orig.batch; b++) {
    let kept = 0, hid = 0;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const o = ((b * H + y) * W + x) * 3;
        if (![0, 1, 2].some((c) => Math.abs(orig.data[o + c] - bg[c]) > 0.15)) continue;
        if (hiddenPixel(hidden, y, x, H, W, h, w)) hid++;
        else kept++;
      }
    }
    if (kept >= 8 && hid >= 8) out.push(b);
  }
  return out;
}

/** The original with its hidden area grey. */
function keptView(img: ImageBatch, hidden: Uint8Array, h: number, w: number): ImageBatch {
  const out = imageBatch(1, img.height, img.width, Float32Array.from(img.data));
  for (let y = 0; y < img.height; y++) for (let x = 0; x < img.width; x++) if (hiddenPixel(hidden, y, x, img.height, img.width, h, w)) out.data.fill(0.5, (y * img.width + x) * 3, (y * img.width + x) * 3 + 3);
  return out;
}

/** Scores decoded images against the originals over the hidden pixels (token cells of `hidden`). */
function score(out: ImageBatch, orig: ImageBatch, hidden: Uint8Array, h: number, w: number): RedrawScore {
  const { height: H, width: W } = orig;
  const tally = new RedrawTally();
  for (let b = 0; b < orig.batch; b++) {
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (hiddenPixel(hidden, y, x, H, W, h, w)) tally.add(out.data, orig.data, ((b * H + y) * W + x) * 3);
  }
  return tally.score();
}

async function sample(model: NarModel, file: string, classIds: number[], seed: number, cfg: number, seedPosition: SeedSpec | undefined, fixed?: { tokens: Int32Array; keep: Uint8Array }): Promise<Int32Array> {
  const { engine } = await createNarStepEngine({ choice: 'auto', stateDict: model.toStateDict(), config: model.config, tfjs: () => model.createEngine(), ort: { checkpointHash: file } });
  try {
    const grids = await model.generate({ cond: { kind: 'class', classIds }, cfgScale: cfg, seed, engine, fixed, seedPosition });
    return Int32Array.from(grids.flat());
  } finally {
    await (engine as { release?: () => Promise<void> }).release?.();
  }
}

async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const count = numberFlag(args, 'images', 300);
  const cfg = numberFlag(args, 'cfg', 2);
  const seeds = (args.flags.get('seeds')?.[0] ?? '0,1,2').split(',').map(Number);
  await initBackend('wasm');
  const tok = loadTokenizer('weights/tokenizer/shapes-vq.safetensors');
  const data = generateShapesImages(count, numberFlag(args, 'data-seed', 4242), { size: 32, objects: 1 });
  const codes = Int32Array.from(tok.encode(data.images).flat(2) as number[]);
  const decode = (tokens: Int32Array, h: number, w: number) => tok.decode(nestCodes(tokens, count, h, w));
  process.stdout.write(`${count} held-out one-object Shapes images (32×32, 8×8 tokens), class given, cfg ${cfg}, sampling seeds ${seeds.join(', ')}; ranges over the seeds\n`);
  const range = (xs: number[], d = 3) => (Math.min(...xs).toFixed(d) === Math.max(...xs).toFixed(d) ? xs[0].toFixed(d) : `${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)}`);
  const picturesDir = args.flags.get('pictures')?.[0];
  for (const [task, { hidden: hiddenAt, keptSeed, file: pictureName }] of Object.entries(TASKS)) {
    const columns: { name: string; images: ImageBatch }[] = [];
    let shown: number[] = [];
    let hiddenGrid = new Uint8Array(0);
    let gridShape = [0, 0];
    process.stdout.write(`\n### ${task}\n\n| model | kept context | blind tokens | object redrawn | clean background | MSE |\n|---|---|---|---|---|---|\n`);
    let floorDone = false;
    const runs: [string, string, SeedSpec | undefined][] = MODELS.map(([name, file]) => [name, file, undefined]);
    if (keptSeed) runs.splice(2, 0, [`NAR from the centre, seeded at [${keptSeed}] (kept part)`, MODELS[1][1], keptSeed]);
    for (const [name, file, seedPosition] of runs) {
      const model = loadNar(file);
      try {
        const [h, w] = model.config.grid;
        const N = h * w;
        const hidden = Uint8Array.from({ length: N }, (_, q) => (hiddenAt(Math.floor(q / w), q % w, h, w) ? 1 : 0));
        if (!floorDone) {
          const s = score(decode(codes, h, w), data.images, hidden, h, w);
          process.stdout.write(`| (tokenizer round trip, nothing hidden) | all | 0 | ${s.redrawn.toFixed(3)} | ${s.clean.toFixed(3)} | ${s.mse.toFixed(4)} |\n`);
          floorDone = true;
        }
        const rank = orderingFor(model.config, seedPosition).rank;
        const firstKept = Math.min(...Array.from(hidden.keys()).filter((q) => !hidden[q]).map((q) => rank[q]));
        const blind = Array.from(hidden.keys()).filter((q) => hidden[q] && rank[q] < firstKept).length;
        const keep = Uint8Array.from(hidden, (v) => 1 - v);
        const rows: Record<'kept' | 'free', RedrawScore[]> = { kept: [], free: [] };
        if (!shown.length) {
          shown = straddling(data.images, hidden, h, w).slice(0, PICTURE_ROWS);
          hiddenGrid = hidden;
          gridShape = [h, w];
        }
        for (const seed of seeds) {
          const inpainted = decode(await sample(model, file, data.labels, seed, cfg, seedPosition, { tokens: codes, keep }), h, w);
          if (seed === seeds[0]) columns.push({ name, images: inpainted });
          rows.kept.push(score(inpainted, data.images, hidden, h, w));
          rows.free.push(score(decode(await sample(model, file, data.labels, seed, cfg, seedPosition), h, w), data.images, hidden, h, w));
        }
        for (const kind of ['kept', 'free'] as const) {
          const r = rows[kind];
          const label = kind === 'kept' ? 'yes' : 'no (free sample)';
          process.stdout.write(`| ${name} | ${label} | ${kind === 'kept' ? blind : '–'} | ${range(r.map((s) => s.redrawn))} | ${range(r.map((s) => s.clean))} | ${range(r.map((s) => s.mse), 4)} |\n`);
        }
      } finally {
        model.dispose();
      }
    }
    if (picturesDir) {
      const [h, w] = gridShape;
      const tiles = shown.flatMap((b) => [imageAt(data.images, b), keptView(imageAt(data.images, b), hiddenGrid, h, w), ...columns.map((c) => imageAt(c.images, b))]);
      const file = path.join(picturesDir, `inpaint-${pictureName}.png`);
      const layout = `columns: original, kept (hidden area grey), ${columns.map((c) => c.name).join(', ')}; sampling seed ${seeds[0]}, cfg ${cfg}`;
      fs.mkdirSync(picturesDir, { recursive: true });
      fs.writeFileSync(file, encodePng(imageGrid(tiles, { columns: 2 + columns.length, scale: 4, gap: 4, background: [1, 1, 1] }), 0, { layout }));
      process.stdout.write(`\nwrote ${file} (${layout})\n`);
    }
  }
  tok.dispose();
}

main(process.argv.slice(2)).catch((e: Error) => {
  process.stderr.write(`inpaint-eval: ${e.message}\n`);
  process.exitCode = 1;
});

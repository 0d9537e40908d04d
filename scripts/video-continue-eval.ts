// How well the bundled video model carries on from given frames (README "Image-to-video and video
// continuation", docs/comparison.md). Each held-out Shapes clip is encoded; its first frame (or first
// two) is kept and the model makes the other frames from those tokens and the clip's class (shape ×
// direction). The same model sampling freely (same class and seed, nothing kept) is the baseline: it
// knows the shape and the direction, not the colour or where the object starts.
// Scored on the made frames against the clip's own frames:
//   object drawn   share of the clip's object pixels drawn within 0.2 of their colour
//   clean bg       share of the clip's background pixels left background
//   MSE            mean squared error over the made frames' pixels
// (scripts/redrawScore.ts)
// With --pictures DIR it also writes DIR/video-continue.png: for the first 6 clips a row each of the
// clip's frames, then the frames made from its first frame, then the free sample's.
//   npx tsx scripts/video-continue-eval.ts [--model weights/nar/shapes-video.safetensors] [--clips 300] [--data-seed 4343] [--seeds 0,1,2] [--cfg 1.25] [--pictures docs/samples]
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../models/backend';
import { generateShapesVideos, videoClassParts } from '../models/data/shapesVideo';
import { DIRECTIONS, type DirectionName } from '../models/data/shapesSpec';
import { imageGrid } from '../models/image/grid';
import { encodePng } from '../models/image/png';
import { imageAt, videoFrames, type ImageBatch, type VideoBatch } from '../models/image/types';
import { loadNar, type NarModel } from '../models/nar';
import { orderingFor } from '../models/nar/ordering';
import { createNarStepEngine } from '../models/onnx/engineChoice';
import { loadTokenizer } from '../models/vq/io';
import { nestCodes } from '../models/vq/tokenizer';
import { decodeVideo, encodeVideo } from '../models/vq/video';
import { numberFlag, parseArgs } from '../server/cli/command';
import { RedrawTally, type RedrawScore } from './redrawScore';

const PICTURE_ROWS = 6;

/** Scores frames `from`.. of the made clips (all, or those listed) against the originals. */
function score(out: VideoBatch, orig: VideoBatch, from: number, clips?: number[]): RedrawScore {
  const { height: H, width: W, frames: T } = orig;
  const tally = new RedrawTally();
  for (const b of clips ?? Array.from({ length: orig.batch }, (_, i) => i)) {
    for (let t = from; t < T; t++) for (let p = 0; p < H * W; p++) tally.add(out.data, orig.data, ((b * T + t) * H * W + p) * 3);
  }
  return tally.score();
}

/** The clips with their first `frames` frames held still: what a model that copies and never moves would make. */
function heldStill(v: VideoBatch, frames: number): VideoBatch {
  const size = v.height * v.width * 3;
  const data = Float32Array.from(v.data);
  for (let b = 0; b < v.batch; b++) for (let t = frames; t < v.frames; t++) data.copyWithin((b * v.frames + t) * size, (b * v.frames + frames - 1) * size, (b * v.frames + frames) * size);
  return { ...v, data };
}

/**
 * Cross-entropy per frame (teacher forcing, the training loss split by frame) over the first `clips`
 * clips: a model that has learned that a frame follows from the one before has a lower loss on the
 * later frames than on the first.
 */
async function lossPerFrame(model: NarModel, codes: Int32Array, labels: number[], clips: number): Promise<number[]> {
  const [T, h, w] = model.config.grid;
  const N = T * h * w;
  const V = model.config.vocabSize;
  const tokens = codes.subarray(0, clips * N);
  const logits = await model.trainingLogits({ cond: { kind: 'class', classIds: Int32Array.from(labels.slice(0, clips)) }, tokens, batch: clips });
  const sums = new Array<number>(T).fill(0);
  for (let i = 0; i < clips * N; i++) {
    const row = logits.subarray(i * V, (i + 1) * V);
    let max = -Infinity;
    for (const v of row) max = Math.max(max, v);
    let z = 0;
    for (const v of row) z += Math.exp(v - max);
    sums[Math.floor((i % N) / (h * w))] += Math.log(z) + max - row[tokens[i]];
  }
  return sums.map((x) => x / (clips * h * w));
}

async function sample(model: NarModel, file: string, classIds: number[], seed: number, cfg: number, fixed?: { tokens: Int32Array; keep: Uint8Array }): Promise<Int32Array> {
  const { engine } = await createNarStepEngine({ choice: 'auto', stateDict: model.toStateDict(), config: model.config, tfjs: () => model.createEngine(), ort: { checkpointHash: file } });
  try {
    return Int32Array.from((await model.generate({ cond: { kind: 'class', classIds }, cfgScale: cfg, seed, engine, fixed })).flat());
  } finally {
    await (engine as { release?: () => Promise<void> }).release?.();
  }
}

/** A clip's frames side by side, as one row of tiles. */
function frameTiles(v: VideoBatch, b: number): ImageBatch[] {
  const frames = videoFrames(v, b);
  return Array.from({ length: v.frames }, (_, t) => imageAt(frames, t));
}

async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const count = numberFlag(args, 'clips', 300);
  const cfg = numberFlag(args, 'cfg', 1.25);
  const seeds = (args.flags.get('seeds')?.[0] ?? '0,1,2').split(',').map(Number);
  await initBackend('wasm');
  const tok = loadTokenizer('weights/tokenizer/shapes-vq.safetensors');
  const file = args.flags.get('model')?.[0] ?? 'weights/nar/shapes-video.safetensors';
  const model = loadNar(file);
  const [T, h, w] = model.config.grid;
  const plane = h * w;
  const N = T * plane;
  const data = generateShapesVideos(count, numberFlag(args, 'data-seed', 4343), { size: 32, frames: T });
  const codes = Int32Array.from(encodeVideo(tok, data.videos).flat(3) as number[]);
  const decode = (tokens: Int32Array) => {
    const all = nestCodes(tokens, count * T, h, w);
    return decodeVideo(tok, Array.from({ length: count }, (_, b) => all.slice(b * T, (b + 1) * T)), data.videos.fps);
  };
  const range = (xs: number[], d = 3) => (Math.min(...xs).toFixed(d) === Math.max(...xs).toFixed(d) ? xs[0].toFixed(d) : `${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)}`);
  process.stdout.write(`${count} held-out Shapes clips (${T} frames of 32×32, ${T}×${h}×${w} tokens), class (shape × direction) given, cfg ${cfg}, sampling seeds ${seeds.join(', ')}; ranges over the seeds; scored on the frames the model makes\n\n`);
  process.stdout.write('| frames kept | blind tokens | object drawn, kept / free | clean background, kept / free | MSE, kept / free |\n|---|---|---|---|---|\n');
  const rank = orderingFor(model.config).rank;
  let pictureRows: ImageBatch[] = [];
  const directionScores: Partial<Record<DirectionName, { kept: number[]; free: number[] }>> = {};
  try {
    for (const frames of [1, 2]) {
      const keep = Uint8Array.from({ length: count * N }, (_, i) => ((i % N) < frames * plane ? 1 : 0));
      const firstKept = Math.min(...Array.from(rank.subarray(0, frames * plane)));
      const blind = Array.from(rank.subarray(frames * plane)).filter((r) => r < firstKept).length;
      const kept: RedrawScore[] = [];
      const free: RedrawScore[] = [];
      for (const seed of seeds) {
        const made = decode(await sample(model, file, data.labels, seed, cfg, { tokens: codes, keep }));
        const loose = decode(await sample(model, file, data.labels, seed, cfg));
        kept.push(score(made, data.videos, frames));
        free.push(score(loose, data.videos, frames));
        if (frames === 1) {
          for (const d of DIRECTIONS) {
            const clips = data.labels.flatMap((l, b) => (videoClassParts(l).direction === d ? [b] : []));
            (directionScores[d] ??= { kept: [], free: [] }).kept.push(score(made, data.videos, 1, clips).redrawn);
            directionScores[d].free.push(score(loose, data.videos, 1, clips).redrawn);
          }
        }
        if (frames === 1 && seed === seeds[0]) {
          const original = decode(codes);
          pictureRows = Array.from({ length: Math.min(PICTURE_ROWS, count) }, (_, b) => [...frameTiles(data.videos, b), ...frameTiles(made, b), ...frameTiles(loose, b)]).flat();
          const floor = score(original, data.videos, 1);
          process.stdout.write(`| (tokenizer round trip) | – | ${floor.redrawn.toFixed(3)} | ${floor.clean.toFixed(3)} | ${floor.mse.toFixed(4)} |\n`);
        }
      }
      const pair = (f: (s: RedrawScore) => number, d = 3) => `${range(kept.map(f), d)} / ${range(free.map(f), d)}`;
      process.stdout.write(`| ${frames} of ${T} | ${blind} | ${pair((s) => s.redrawn)} | ${pair((s) => s.clean)} | ${pair((s) => s.mse, 4)} |\n`);
      const still = score(heldStill(decode(codes), frames), data.videos, frames);
      process.stdout.write(`| ${frames} of ${T}, held still (no model: the last kept frame repeated) | – | ${still.redrawn.toFixed(3)} | ${still.clean.toFixed(3)} | ${still.mse.toFixed(4)} |\n`);
    }
    const losses = await lossPerFrame(model, codes, data.labels, Math.min(48, count));
    process.stdout.write(`\nCross-entropy per frame (teacher forcing, ${Math.min(48, count)} clips): ${losses.map((l, t) => `frame ${t + 1} ${l.toFixed(3)}`).join(', ')}\n`);
    process.stdout.write(`\nFirst frame kept, by the direction of motion (object drawn, kept / free):\n\n| moving | clips | object drawn, kept / free |\n|---|---|---|\n`);
    for (const d of DIRECTIONS) {
      const r = directionScores[d]!;
      process.stdout.write(`| ${d} | ${data.labels.filter((l) => videoClassParts(l).direction === d).length} | ${range(r.kept)} / ${range(r.free)} |\n`);
    }
  } finally {
    model.dispose();
    tok.dispose();
  }
  const picturesDir = args.flags.get('pictures')?.[0];
  if (picturesDir) {
    const file = path.join(picturesDir, 'video-continue.png');
    const layout = `rows: a held-out clip's ${T} frames, then ${T} frames made from its first frame, then ${T} sampled freely (same class); sampling seed ${seeds[0]}, cfg ${cfg}`;
    fs.mkdirSync(picturesDir, { recursive: true });
    fs.writeFileSync(file, encodePng(imageGrid(pictureRows, { columns: 3 * T, scale: 3, gap: 3, background: [1, 1, 1] }), 0, { layout }));
    process.stdout.write(`\nwrote ${file} (${layout})\n`);
  }
}

main(process.argv.slice(2)).catch((e: Error) => {
  process.stderr.write(`video-continue-eval: ${e.message}\n`);
  process.exitCode = 1;
});

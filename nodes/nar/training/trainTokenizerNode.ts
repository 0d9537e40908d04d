// TrainTokenizer: trains a patch VQ tokenizer (the bundled Shapes tokenizer's architecture) on the
// seeded Shapes generator or a folder of images, into the user's weights/tokenizer/ folder.
// Streams loss / learning rate / samples per second and reconstructions; Stop keeps the last checkpoint.
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../../../models/backend';
import { loadImageFolder } from '../../../models/data/folders';
import { generateShapesImages } from '../../../models/data/shapes';
import { generateShapesVideos } from '../../../models/data/shapesVideo';
import { encodePng } from '../../../models/image/png';
import { imageBatch, type ImageBatch } from '../../../models/image/types';
import { Rng } from '../../../models/rng';
import { roundTrip, sideBySide } from '../../../models/vq/evaluate';
import { saveTokenizer } from '../../../models/vq/io';
import { PatchVq, SHAPES_PATCH_VQ } from '../../../models/vq/patchVq';
import { DEFAULT_RECIPE, trainTokenizer } from '../../../models/vq/trainRecipe';
import { defineNode, NodeInputError, nodeInputPath, type ExecContext, type Inputs } from '../../../server/engine/nodeApi';
import { outputFolder, trainedModelFile } from '../modelFiles';
import type { TokenizerValue } from '../values';

export const TOKENIZER_DATA = ['shapes images', 'shapes images + video frames', 'image folder'] as const;

/** Batch i of the chosen data, a pure function of (seed, i). */
export function tokenizerBatches(data: string, seed: number, batch: number, size: number, folder: string): (i: number) => ImageBatch {
  if (data === 'image folder') {
    if (!folder) throw new NodeInputError("data 'image folder' needs folder: a folder of PNG/JPEG images");
    const images = loadImageFolder(folder, { size }).images;
    const per = size * size * 3;
    return (i) => {
      const rng = new Rng(seed * 1_000_003 + i);
      const out = imageBatch(batch, size, size).data; // refused past MAX_BATCH_VALUES
      for (let b = 0; b < batch; b++) {
        const k = rng.int(images.batch);
        out.set(images.data.subarray(k * per, (k + 1) * per), b * per);
      }
      return { batch, height: size, width: size, channels: 3, data: out };
    };
  }
  const withVideo = data === 'shapes images + video frames';
  return (i) => {
    if (withVideo && i % 4 === 3) {
      const v = generateShapesVideos(Math.max(1, Math.ceil(batch / 4)), seed * 100_003 + i, { size }).videos;
      return { batch: v.batch * v.frames, height: v.height, width: v.width, channels: 3, data: v.data };
    }
    return generateShapesImages(batch, seed * 100_003 + i, { objects: 'mixed', size }).images;
  };
}

function writeCheckpoint(tok: PatchVq, file: string, step: number, recipe: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.partial`);
  saveTokenizer(tok, tmp, { trained_by: `TrainTokenizer node (${recipe})`, step: String(step) });
  fs.renameSync(tmp, file);
}

/** Held-out Shapes images over their reconstructions, as a progress preview. */
function reconstructionPreview(tok: PatchVq, heldOut: ImageBatch, label: string) {
  const rt = roundTrip(tok, heldOut);
  return { preview: { pngBase64: encodePng(sideBySide([heldOut, rt.reconstructions], 2)).toString('base64'), label: `${label}, PSNR ${rt.psnr.toFixed(1)} dB` }, psnr: rt.psnr };
}

async function runTrainTokenizer(inputs: Inputs, ctx: ExecContext) {
  const file = trainedModelFile(outputFolder(ctx.paths, 'tokenizer'), String(inputs.output_name));
  const size = Number(inputs.image_size ?? 32);
  const patch = Number(inputs.patch_size ?? SHAPES_PATCH_VQ.patchSize);
  if (size % patch) throw new NodeInputError(`image_size ${size} must be a multiple of patch_size ${patch}`);
  await initBackend();
  const seed = Number(inputs.seed ?? 0);
  const batch = Number(inputs.batch ?? 16);
  const data = String(inputs.data);
  const folder = String(inputs.folder ?? '').trim();
  const batchAt = tokenizerBatches(data, seed, batch, size, data === 'image folder' && folder ? nodeInputPath(ctx.paths, folder, 'folder') : folder);
  const codebookSize = Number(inputs.codebook_size ?? SHAPES_PATCH_VQ.codebookSize);
  const lr = Number(inputs.lr ?? DEFAULT_RECIPE.maxLr);
  const recipe = {
    ...DEFAULT_RECIPE,
    warmupSteps: Number(inputs.warmup_steps ?? 100),
    steps: Number(inputs.steps ?? 500),
    maxLr: lr,
    minLr: lr / 20,
    kmeansSamples: Math.max(codebookSize * 4, 1024),
  };
  const rng = new Rng(seed);
  const tok = PatchVq.init({ ...SHAPES_PATCH_VQ, patchSize: patch, codebookSize }, rng.fork());
  const heldOut = generateShapesImages(4, 900_000_001 + seed, { objects: 'mixed', size }).images;
  const every = Number(inputs.preview_every ?? 0);
  const describe = `seed ${seed}, ${recipe.warmupSteps}+${recipe.steps} steps of ${batch}`;
  let written = -1;
  const t0 = performance.now();
  let ok = false;
  try {
    const result = await trainTokenizer({
      tokenizer: tok,
      batchAt,
      recipe,
      rng: rng.fork(),
      signal: ctx.signal,
      checkpointEvery: Number(inputs.checkpoint_every ?? 100),
      onCheckpoint: (step) => {
        if (step <= recipe.warmupSteps || step === written) return;
        writeCheckpoint(tok, file, step, describe);
        written = step;
      },
      onProgress: (p) => {
        const vq = p.phase === 'vq';
        const show = vq && every > 0 && (p.step % every === 0 || p.step === p.total);
        const preview = show ? reconstructionPreview(tok, heldOut, `step ${p.step}`).preview : undefined;
        const elapsed = (performance.now() - t0) / 1000;
        ctx.progress(p.step, p.total, preview, { loss: p.loss, lr: p.lr, step: p.step, samples_per_s: (p.step * batch) / Math.max(elapsed, 1e-9), phase: p.phase, recon: p.recon });
      },
    });
    if (written < 0) throw new NodeInputError(`stopped during the auto-encoder warm-up (step ${result.step} of ${recipe.warmupSteps}); no tokenizer was written`);
    const { psnr } = reconstructionPreview(tok, heldOut, 'final');
    const text = [`${result.status === 'done' ? 'finished' : 'stopped'} at step ${result.step}, held-out PSNR ${psnr.toFixed(2)} dB`, `checkpoint: ${file}`];
    const value: TokenizerValue = { tokenizer: tok, file, dispose: () => tok.dispose() };
    ok = true;
    return { outputs: [value], ui: { text } };
  } finally {
    if (!ok) tok.dispose();
  }
}

export const TrainTokenizer = defineNode({
  type: 'TrainTokenizer',
  displayName: 'Train Tokenizer',
  category: 'NAR/training',
  description:
    'Trains a patch VQ image tokenizer (L2-normalised codebook, code dimension 8): auto-encoder warm-up, k-means codebook, then VQ training ' +
    '(reconstruction + codebook + commitment). Writes weights/tokenizer/<output_name>.safetensors; Stop keeps the last checkpoint.',
  inputs: {
    output_name: { type: 'STRING', default: 'my-shapes-vq', tooltip: 'file name in weights/tokenizer/ (.safetensors added)' },
    data: { type: 'COMBO', options: [...TOKENIZER_DATA], default: 'shapes images + video frames' },
    folder: { type: 'STRING', default: '', optional: true, tooltip: "for data 'image folder': a folder of PNG/JPEG images (resized to image_size)" },
    image_size: { type: 'INT', default: 32, min: 4, max: 1024, step: 4 },
    patch_size: { type: 'INT', default: SHAPES_PATCH_VQ.patchSize, min: 1, max: 64 },
    codebook_size: { type: 'INT', default: SHAPES_PATCH_VQ.codebookSize, min: 2, max: 65536 },
    warmup_steps: { type: 'INT', default: 100, min: 0, max: 1_000_000, tooltip: 'auto-encoder steps before the codebook is made' },
    steps: { type: 'INT', default: 500, min: 1, max: 1_000_000, tooltip: 'VQ steps' },
    batch: { type: 'INT', default: 16, min: 1, max: 1024 },
    lr: { type: 'FLOAT', default: DEFAULT_RECIPE.maxLr, min: 0, max: 1, step: 0.0001 },
    seed: { type: 'INT', default: 0, min: 0, max: 2 ** 31 - 1 },
    checkpoint_every: { type: 'INT', default: 100, min: 0, max: 1_000_000 },
    preview_every: { type: 'INT', default: 50, min: 0, max: 1_000_000, tooltip: 'show held-out reconstructions every this many steps (0 = never)' },
  },
  outputs: [{ name: 'TOKENIZER', type: 'TOKENIZER' }],
  outputNode: true,
  execute: runTrainTokenizer,
});

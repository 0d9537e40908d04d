// Trains the bundled Shapes tokenizer (a 4×4-patch VQ: 32×32 image → 8×8 codes, 512 codes of
// dimension 8) on Shapes images and video frames, deterministically from a seed, and writes
//   weights/tokenizer/shapes-vq.safetensors   (config and training facts in __metadata__)
//   docs/tokenizer-roundtrip.png              (held-out originals over their reconstructions)
// Usage: npx tsx scripts/train-tokenizer.ts [--seed 1] [--steps 2000] [--warmup 300] [--batch 32]
//        [--out weights/tokenizer/shapes-vq.safetensors] [--picture docs/tokenizer-roundtrip.png]
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../models/backend';
import { generateShapesImages } from '../models/data/shapes';
import { generateShapesVideos } from '../models/data/shapesVideo';
import type { ImageBatch } from '../models/image/types';
import { encodePng } from '../models/image/png';
import { Rng } from '../models/rng';
import { roundTrip, sideBySide } from '../models/vq/evaluate';
import { saveTokenizer } from '../models/vq/io';
import { PatchVq, SHAPES_PATCH_VQ } from '../models/vq/patchVq';
import { DEFAULT_RECIPE, trainTokenizer } from '../models/vq/trainRecipe';
import { flag, numberFlag, parseArgs } from '../server/cli/command';

/** Held-out images are drawn from seeds this far away from any training seed. */
export const HELD_OUT_SEED = 900_000_001;

/** Training batch i: Shapes images (one or two objects), every fourth batch video frames. */
function shapesBatch(seed: number, batch: number, i: number): ImageBatch {
  if (i % 4 === 3) {
    const v = generateShapesVideos(Math.max(1, Math.floor(batch / 4)), seed * 100_003 + i).videos;
    return { batch: v.batch * v.frames, height: v.height, width: v.width, channels: 3, data: v.data };
  }
  return generateShapesImages(batch, seed * 100_003 + i, { objects: 'mixed' }).images;
}

async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const seed = numberFlag(args, 'seed', 1);
  const batch = numberFlag(args, 'batch', 32);
  const recipe = { ...DEFAULT_RECIPE, steps: numberFlag(args, 'steps', 2000), warmupSteps: numberFlag(args, 'warmup', 300) };
  const out = flag(args, 'out') ?? 'weights/tokenizer/shapes-vq.safetensors';
  const picture = flag(args, 'picture') ?? 'docs/tokenizer-roundtrip.png';
  const backend = await initBackend('auto');
  process.stdout.write(`backend ${backend.name}; ${recipe.warmupSteps} auto-encoder + ${recipe.steps} VQ steps of ${batch} images, seed ${seed}\n`);

  const rng = new Rng(seed);
  const tok = PatchVq.init(SHAPES_PATCH_VQ, rng.fork());
  const t0 = Date.now();
  await trainTokenizer({
    tokenizer: tok,
    batchAt: (i) => shapesBatch(seed, batch, i),
    recipe,
    rng: rng.fork(),
    onProgress: (p) => {
      if (p.step % 50 === 0 || p.codesUsed !== undefined) {
        const rate = (Date.now() - t0) / 1000 / p.step;
        const usage = p.codesUsed !== undefined ? ` codes used ${p.codesUsed}${p.reseeded ? `, re-seeded ${p.reseeded}` : ''}` : '';
        process.stdout.write(`${p.phase} step ${p.step} loss ${p.loss.toFixed(5)} recon ${p.recon.toFixed(5)} lr ${p.lr.toExponential(2)} ${rate.toFixed(2)} s/step${usage}\n`);
      }
    },
  });
  const seconds = (Date.now() - t0) / 1000;

  const heldOut = generateShapesImages(256, HELD_OUT_SEED, { objects: 'mixed' }).images;
  const rt = roundTrip(tok, heldOut);
  const frames = generateShapesVideos(16, HELD_OUT_SEED).videos;
  const rtv = roundTrip(tok, { batch: frames.batch * frames.frames, height: frames.height, width: frames.width, channels: 3, data: frames.data });
  process.stdout.write(
    `held-out images (256): MSE ${rt.mse.toFixed(6)} PSNR ${rt.psnr.toFixed(2)} dB, ${rt.codesUsed} codes used; ` +
      `held-out video frames (64): MSE ${rtv.mse.toFixed(6)} PSNR ${rtv.psnr.toFixed(2)} dB; trained in ${seconds.toFixed(0)} s\n`,
  );

  fs.mkdirSync(path.dirname(out), { recursive: true });
  saveTokenizer(tok, out, {
    trained_by: `scripts/train-tokenizer.ts --seed ${seed} --steps ${recipe.steps} --warmup ${recipe.warmupSteps} --batch ${batch}`,
    held_out_psnr_db: rt.psnr.toFixed(2),
    held_out_mse: rt.mse.toExponential(3),
  });
  const shown = 12;
  const take = (b: ImageBatch) => ({ ...b, batch: shown, data: b.data.subarray(0, shown * b.height * b.width * 3) });
  fs.mkdirSync(path.dirname(picture), { recursive: true });
  fs.writeFileSync(picture, encodePng(sideBySide([take(heldOut), take(rt.reconstructions)], 4)));
  process.stdout.write(`wrote ${out} (${fs.statSync(out).size} bytes) and ${picture}\n`);
  tok.dispose();
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: Error) => {
    process.stderr.write(`train-tokenizer: ${e.message}\n`);
    process.exitCode = 1;
  });
}

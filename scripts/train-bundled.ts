// Trains the bundled Shapes models with the project's training loop, reproducibly (fixed seeds,
// fixed step counts), and writes them in F16 without optimizer state:
//   weights/nar/shapes-c2i.safetensors         class-to-image NAR (18 classes: shape × colour)
//   weights/nar/shapes-raster-c2i.safetensors  raster-AR baseline, same size, same data
//   weights/nar/shapes-t2i.safetensors         text-to-image NAR (small Shapes text encoder)
//   weights/nar/shapes-video.safetensors       video NAR, 4×8×8 tokens (12 classes: shape × direction; dim 96, RoPE over (t, r, c))
//   weights/nar/shapes-c2i-center.safetensors  class-to-image NAR trained from the centre seed (4 heads),
//                                              same recipe, data and seed as shapes-c2i (--kinds c2i-center)
//   weights/nar/shapes-t2i-center.safetensors  text-to-image NAR trained from the centre seed, same recipe,
//                                              data and seed as shapes-t2i (--kinds t2i-center; an experiment,
//                                              not bundled: it did not help, see docs/comparison.md)
// Full checkpoints (with optimizer state) go to output/training/bundled/; an interrupted run resumes from them.
// Needs the bundled tokenizer and text encoder; waits for them (--wait-minutes) when absent.
// Usage: npx tsx scripts/train-bundled.ts [--kinds c2i,raster-c2i,t2i,video,c2i-center,t2i-center] [--steps-scale 1]
//        [--tokenizer F] [--text-encoder F] [--out-dir weights/nar] [--runs output/training/bundled] [--wait-minutes 0]
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../models/backend';
import { loadNar, type SeedSpec } from '../models/nar';
import { BUNDLED_SIZE, stagedSchedule, stagedSteps, trainShapesModel, type LrStage, type ModelSize, type ShapesKind } from '../models/training';
import { flag, numberFlag, parseArgs } from '../server/cli/command';
import { progressLine } from '../server/cli/commands/train';

/**
 * Per-kind recipe: learning-rate stages (each a warm-up + cosine), batch, seed. Fixed, so a rerun
 * gives the same files; a run stopped between stages resumes into the next one exactly.
 */
type Bundle = ShapesKind | 'c2i-center' | 't2i-center';
const BUNDLES: readonly Bundle[] = ['c2i', 'raster-c2i', 't2i', 'video', 'c2i-center', 't2i-center'];
/** What each bundle trains: its data kind and the seed its ordering grows from. */
const TRAINS: Record<Bundle, { kind: ShapesKind; seedPosition: SeedSpec }> = {
  c2i: { kind: 'c2i', seedPosition: 'corner' },
  'raster-c2i': { kind: 'raster-c2i', seedPosition: 'corner' },
  t2i: { kind: 't2i', seedPosition: 'corner' },
  video: { kind: 'video', seedPosition: 'corner' },
  'c2i-center': { kind: 'c2i', seedPosition: 'center' },
  't2i-center': { kind: 't2i', seedPosition: 'center' },
};

function parseBundle(name: string): Bundle {
  if (!(BUNDLES as readonly string[]).includes(name)) throw new Error(`--kinds: '${name}' is not one of ${BUNDLES.join(', ')}`);
  return name as Bundle;
}

/** Per-kind recipe; `size` defaults to BUNDLED_SIZE. */
const RECIPES: Record<Bundle, { stages: LrStage[]; batch: number; seed: number; size?: ModelSize }> = {
  c2i: { stages: [{ steps: 700, maxLr: 2e-3 }, { steps: 500, maxLr: 1e-3, warmupSteps: 0 }, { steps: 800, maxLr: 5e-4, warmupSteps: 0 }], batch: 16, seed: 101 },
  'raster-c2i': { stages: [{ steps: 700, maxLr: 2e-3 }, { steps: 500, maxLr: 1e-3, warmupSteps: 0 }, { steps: 800, maxLr: 5e-4, warmupSteps: 0 }], batch: 16, seed: 101 },
  t2i: { stages: [{ steps: 700, maxLr: 2e-3 }, { steps: 500, maxLr: 1e-3, warmupSteps: 0 }, { steps: 800, maxLr: 5e-4, warmupSteps: 0 }], batch: 16, seed: 202 },
  // RoPE over (t, r, c) (head_dim 24: 8 per axis) instead of the published video layout's learned absolute
  // positions: at the same step the absolute-position model had not learned that a frame follows from
  // the one before (docs/comparison.md, Image-to-video)
  video: { stages: [{ steps: 2400, maxLr: 2e-3, warmupSteps: 100 }], batch: 8, seed: 303, size: { dim: 96, nLayer: 3, nHead: 4, positions: 'rope' } },
  'c2i-center': { stages: [{ steps: 700, maxLr: 2e-3 }, { steps: 500, maxLr: 1e-3, warmupSteps: 0 }, { steps: 800, maxLr: 5e-4, warmupSteps: 0 }], batch: 16, seed: 101 },
  't2i-center': { stages: [{ steps: 700, maxLr: 2e-3 }, { steps: 500, maxLr: 1e-3, warmupSteps: 0 }, { steps: 800, maxLr: 5e-4, warmupSteps: 0 }], batch: 16, seed: 202 },
};

const OUT_NAMES: Record<Bundle, string> = {
  c2i: 'shapes-c2i',
  'raster-c2i': 'shapes-raster-c2i',
  t2i: 'shapes-t2i',
  video: 'shapes-video',
  'c2i-center': 'shapes-c2i-center',
  't2i-center': 'shapes-t2i-center',
};

async function waitFor(files: string[], minutes: number): Promise<void> {
  const deadline = Date.now() + minutes * 60_000;
  for (;;) {
    const missing = files.filter((f) => !fs.existsSync(f));
    if (!missing.length) return;
    if (Date.now() > deadline) throw new Error(`missing ${missing.join(', ')} (train them first: scripts/train-tokenizer.ts, scripts/train-text-encoder.ts)`);
    process.stdout.write(`waiting for ${missing.join(', ')}…\n`);
    await new Promise((r) => setTimeout(r, 30_000));
  }
}

async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const bundles = (flag(args, 'kinds') ?? 'c2i,raster-c2i,t2i,video').split(',').map(parseBundle);
  const kinds = bundles.map((b) => TRAINS[b].kind);
  const scale = numberFlag(args, 'steps-scale', 1);
  const tokenizerFile = flag(args, 'tokenizer') ?? 'weights/tokenizer/shapes-vq.safetensors';
  const textEncoderFile = flag(args, 'text-encoder') ?? 'weights/text_encoder/shapes-text.safetensors';
  const outDir = flag(args, 'out-dir') ?? 'weights/nar';
  const runs = flag(args, 'runs') ?? 'output/training/bundled';
  await waitFor(kinds.includes('t2i') ? [tokenizerFile, textEncoderFile] : [tokenizerFile], numberFlag(args, 'wait-minutes', 0));
  const backend = await initBackend('auto');
  process.stdout.write(`backend ${backend.name}; size dim ${BUNDLED_SIZE.dim}, ${BUNDLED_SIZE.nLayer} layers, ${BUNDLED_SIZE.nHead} heads unless a recipe says otherwise; tokenizer ${tokenizerFile}\n`);
  fs.mkdirSync(outDir, { recursive: true });
  for (const bundle of bundles) {
    const { kind, seedPosition } = TRAINS[bundle];
    const r = RECIPES[bundle];
    const stages = r.stages.map((st) => ({ ...st, steps: Math.max(1, Math.round(st.steps * scale)) }));
    const steps = stagedSteps(stages);
    const run = path.join(runs, `${OUT_NAMES[bundle]}.safetensors`);
    const resume = fs.existsSync(run) ? run : undefined;
    const plan = stages.map((st) => `${st.steps} steps from lr ${st.maxLr}`).join(', then ');
    process.stdout.write(`\n== ${bundle}: ${plan}; batch ${r.batch}, seed ${r.seed}, seed position ${JSON.stringify(seedPosition)}${resume ? `, resuming ${resume}` : ''}\n`);
    const result = await trainShapesModel({
      kind,
      steps,
      batch: r.batch,
      seed: r.seed,
      seedPosition,
      lr: stagedSchedule(stages),
      out: run,
      resume,
      tokenizerFile,
      textEncoderFile,
      size: r.size,
      checkpointEvery: 100,
      onStart: (i) => process.stdout.write(`${i.parameters} parameters, ${i.config.totalBlocks} blocks, grid [${i.config.grid}], ${i.config.ordering}; data: ${i.source}\n`),
      onProgress: (p) => {
        if (p.step % 50 === 0 || p.step === p.steps) process.stdout.write(progressLine(p) + '\n');
      },
    });
    const tail = result.losses.slice(-50);
    const finalLoss = tail.reduce((a, b) => a + b, 0) / Math.max(1, tail.length);
    const model = loadNar(run);
    const file = path.join(outDir, `${OUT_NAMES[bundle]}.safetensors`);
    model.save(file, {
      dtype: 'F16',
      extraMetadata: {
        trained_by: `scripts/train-bundled.ts --kinds ${bundle}${scale !== 1 ? ` --steps-scale ${scale}` : ''}`,
        'training.seed_position': JSON.stringify(seedPosition),
        'training.steps': String(result.step),
        'training.batch': String(r.batch),
        'training.seed': String(r.seed),
        'training.final_loss_mean50': finalLoss.toFixed(4),
        tokenizer: path.basename(tokenizerFile),
        ...(kind === 't2i' ? { text_encoder: path.basename(textEncoderFile) } : {}),
      },
    });
    model.dispose();
    process.stdout.write(`${bundle}: step ${result.step}, mean loss of the last ${tail.length} steps ${finalLoss.toFixed(4)}, ${result.seconds.toFixed(0)} s this session → ${file} (${(fs.statSync(file).size / 1e6).toFixed(2)} MB)\n`);
  }
}

main(process.argv.slice(2)).catch((e: Error) => {
  process.stderr.write(`train-bundled: ${e.message}\n`);
  process.exitCode = 1;
});

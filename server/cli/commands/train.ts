// narflow train: trains a Shapes NAR model (class-to-image, text-to-image, video) or the raster-AR
// baseline with the project's training loop; prints a progress line per logged step. Ctrl-C stops
// (or SIGTERM) after the current step and writes the checkpoint; --resume continues it.
import { flag, intFlag, numberFlag, type CliCommand } from '../command';
import { initBackend } from '../../../models/backend';
import { BUNDLED_SIZE, parseKind, trainShapesModel, type TrainProgress } from '../../../models/training';
import type { PositionKind } from '../../../models/nar';
import { defaultSeed, resolveSeed } from '../../../models/nar/ordering';

const USAGE = `usage: narflow train --kind c2i|t2i|video|raster-c2i [--steps N] [--batch B] [--out F.safetensors]
         [--resume F.safetensors] [--seed S] [--seed-position corner|center|R,C] [--codes CODES.safetensors]
         [--tokenizer weights/tokenizer/shapes-vq.safetensors] [--text-encoder weights/text_encoder/shapes-text.safetensors]
         [--dim ${BUNDLED_SIZE.dim}] [--layers ${BUNDLED_SIZE.nLayer}] [--heads ${BUNDLED_SIZE.nHead}] [--positions rope|abs]
         [--lr 1e-3] [--min-lr LR/10] [--warmup W] [--checkpoint-every 100] [--log-every 10] [--device auto|wasm|cpu]
  Trains on the Shapes generator (seeded), or on a code file from \`narflow extract-codes\`.
  --seed-position: where generation grows from (default corner, as the published models); any
  other seed gives the model a head per direction, and samplers set to 'auto' start there.
  --positions: RoPE or learned absolute grid positions (default: rope for images, abs for videos,
  as the published video layout); RoPE needs head_dim (dim / heads) divisible by 2 × the grid's axes.
  The checkpoint (weights + config) goes to --out, its optimizer state beside it (.optim.safetensors).`;

function positionsFlag(v: string | undefined): PositionKind | undefined {
  if (v === undefined || v === 'rope' || v === 'abs') return v;
  throw new Error(`--positions must be 'rope' or 'abs', got '${v}'`);
}

export function progressLine(p: TrainProgress): string {
  return `step ${p.step}/${p.steps}  loss ${p.loss.toFixed(4)}  lr ${p.lr.toExponential(2)}  ${p.samplesPerSec.toFixed(1)} samples/s  ${p.elapsed.toFixed(1)} s`;
}

export const command: CliCommand = {
  name: 'train',
  summary: 'train a Shapes NAR model (c2i, t2i, video) or the raster-AR baseline; checkpoints, resume, Ctrl-C / SIGTERM stop cleanly',
  usage: USAGE,
  options: {
    values: ['kind', 'steps', 'batch', 'out', 'resume', 'seed', 'seed-position', 'codes', 'tokenizer', 'text-encoder', 'dim', 'layers', 'heads', 'positions', 'lr', 'min-lr', 'warmup', 'checkpoint-every', 'log-every', 'device'],
  },
  async run(args) {
    const kindArg = flag(args, 'kind');
    if (!kindArg) throw new Error(`missing required option --kind\n${USAGE}`);
    const kind = parseKind(kindArg);
    const steps = intFlag(args, 'steps', 1000);
    const batch = intFlag(args, 'batch', 16);
    const size = { dim: intFlag(args, 'dim', BUNDLED_SIZE.dim), nLayer: intFlag(args, 'layers', BUNDLED_SIZE.nLayer), nHead: intFlag(args, 'heads', BUNDLED_SIZE.nHead), positions: positionsFlag(flag(args, 'positions')) };
    const logEvery = intFlag(args, 'log-every', 10);
    const checkpointEvery = intFlag(args, 'checkpoint-every', 100, 0);
    const out = flag(args, 'out') ?? `output/training/shapes-${kind}.safetensors`;
    const backend = await initBackend((flag(args, 'device') as 'wasm' | 'cpu' | 'auto' | undefined) ?? 'auto');
    const stop = new AbortController();
    // Ctrl-C, and `timeout` / a scheduler's SIGTERM, stop after the current step with the checkpoint written
    const onSignal = (signal: NodeJS.Signals) => {
      process.stderr.write(`\n${signal}: stopping after the current step…\n`);
      stop.abort();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const r = await trainShapesModel({
        kind,
        steps,
        batch,
        seed: numberFlag(args, 'seed', 0),
        seedPosition: flag(args, 'seed-position'),
        out,
        resume: flag(args, 'resume'),
        codes: flag(args, 'codes'),
        tokenizerFile: flag(args, 'tokenizer') ?? 'weights/tokenizer/shapes-vq.safetensors',
        textEncoderFile: flag(args, 'text-encoder') ?? 'weights/text_encoder/shapes-text.safetensors',
        size,
        maxLr: numberFlag(args, 'lr', 1e-3),
        minLr: flag(args, 'min-lr') !== undefined ? numberFlag(args, 'min-lr', 0) : undefined,
        warmupSteps: flag(args, 'warmup') !== undefined ? numberFlag(args, 'warmup', 0) : undefined,
        checkpointEvery,
        signal: stop.signal,
        onStart: (i) =>
          process.stdout.write(
            `backend ${backend.name}; ${kind}: ${i.parameters} parameters, dim ${i.config.dim}, ${i.config.totalBlocks} blocks, ` +
              `grid [${i.config.grid}], vocab ${i.config.vocabSize}, ${i.config.ordering} ordering${i.config.ordering === 'raster' ? '' : ` from seed [${resolveSeed(i.config.grid, defaultSeed(i.config))}] with ${i.config.heads.length} heads`}; data: ${i.source}\n`,
          ),
        onProgress: (p) => {
          if (p.step % logEvery === 0 || p.step === p.steps) process.stdout.write(progressLine(p) + '\n');
        },
      });
      process.stdout.write(`${r.status === 'done' ? 'finished' : 'stopped'} at step ${r.step} in ${r.seconds.toFixed(1)} s; checkpoint ${r.checkpoint.join(' + ') || '(none written)'}\n`);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    return 0;
  },
};

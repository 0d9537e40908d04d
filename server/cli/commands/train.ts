// narflow train: trains a Shapes NAR model (class-to-image, text-to-image, video) or the raster-AR
// baseline with the project's training loop; prints a progress line per logged step. Ctrl-C stops
// (or SIGTERM) after the current step and writes the checkpoint; --resume continues it.
import { flag, intFlag, numberFlag, type CliCommand } from '../command';
import { initBackend } from '../../../models/backend';
import { BUNDLED_SIZE, DEFAULT_RUN, kindOfConfig, parseKind, trainShapesModel, type TrainProgress } from '../../../models/training';
import type { PositionKind } from '../../../models/nar';
import { defaultSeed, resolveSeed } from '../../../models/nar/ordering';

const USAGE = `usage: narflow train --kind c2i|t2i|video|raster-c2i (or --resume F) [--steps ${DEFAULT_RUN.steps}] [--batch ${DEFAULT_RUN.batch}] [--out F.safetensors]
         [--resume F.safetensors] [--seed ${DEFAULT_RUN.seed}] [--seed-position corner|center|R,C] [--codes CODES.safetensors]
         [--tokenizer weights/tokenizer/shapes-vq.safetensors] [--text-encoder weights/text_encoder/shapes-text.safetensors]
         [--dim ${BUNDLED_SIZE.dim}] [--layers ${BUNDLED_SIZE.nLayer}] [--heads ${BUNDLED_SIZE.nHead}] [--positions rope|abs]
         [--lr ${DEFAULT_RUN.maxLr}] [--min-lr LR/10] [--warmup STEPS/20, at most 100] [--checkpoint-every 100] [--log-every 10] [--device auto|wasm|cpu]
  Trains on the Shapes generator (seeded), or on a code file from \`narflow extract-codes\`.
  --seed-position: where generation grows from (default corner, as the published models); any
  other seed gives the model a head per direction, and samplers set to 'auto' start there.
  --positions: RoPE or learned absolute grid positions (default: rope for images, abs for videos,
  as the published video layout); RoPE needs head_dim (dim / heads) divisible by 2 × the grid's axes.
  The checkpoint (weights + config) goes to --out (default output/training/shapes-KIND.safetensors; with
  --resume, the file resumed), its optimizer state beside it (.optim.safetensors).
  --resume: continues the run in that checkpoint with its kind, size, steps, batch, seed and learning
  rate, so a resumed run equals an uninterrupted one; another kind, size, batch, seed or learning rate
  is refused; another --steps trains on to that count, with a warning (the schedule then differs).`;

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
    const resume = flag(args, 'resume');
    if (!kindArg && !resume) throw new Error(`missing required option --kind\n${USAGE}`);
    const kind = kindArg === undefined ? undefined : parseKind(kindArg);
    const given = (name: string, parse: () => number) => (flag(args, name) === undefined ? undefined : parse());
    const size = {
      dim: given('dim', () => intFlag(args, 'dim', 0)),
      nLayer: given('layers', () => intFlag(args, 'layers', 0)),
      nHead: given('heads', () => intFlag(args, 'heads', 0)),
      positions: positionsFlag(flag(args, 'positions')),
    };
    // every flag is read (and refused when bad) before the backend starts
    const run = {
      steps: given('steps', () => intFlag(args, 'steps', 0)),
      batch: given('batch', () => intFlag(args, 'batch', 0)),
      seed: given('seed', () => numberFlag(args, 'seed', 0)),
      maxLr: given('lr', () => numberFlag(args, 'lr', 0)),
      minLr: given('min-lr', () => numberFlag(args, 'min-lr', 0)),
      warmupSteps: given('warmup', () => numberFlag(args, 'warmup', 0)),
    };
    const logEvery = intFlag(args, 'log-every', 10);
    const checkpointEvery = intFlag(args, 'checkpoint-every', 100, 0);
    // a resumed run goes on in the file it was resumed from, unless --out names another
    const out = flag(args, 'out') ?? resume ?? `output/training/shapes-${kind}.safetensors`;
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
        ...run,
        seedPosition: flag(args, 'seed-position'),
        out,
        resume,
        codes: flag(args, 'codes'),
        tokenizerFile: flag(args, 'tokenizer') ?? 'weights/tokenizer/shapes-vq.safetensors',
        textEncoderFile: flag(args, 'text-encoder') ?? 'weights/text_encoder/shapes-text.safetensors',
        size,
        checkpointEvery,
        signal: stop.signal,
        onNote: (m) => process.stderr.write(`warning: ${m}\n`),
        onStart: (i) =>
          process.stdout.write(
            (i.fromStep ? `resuming ${resume} at step ${i.fromStep}/${i.settings.steps} (batch ${i.settings.batch}, seed ${i.settings.seed}, lr ${i.settings.lr.maxLr})\n` : '') +
            `backend ${backend.name}; ${kindOfConfig(i.config)}: ${i.parameters} parameters, dim ${i.config.dim}, ${i.config.totalBlocks} blocks, ` +
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

// TrainNAR: trains a Shapes NAR model (class-to-image, text-to-image, video) or the raster-AR
// baseline with the project's trainer, into the user's weights/nar/ folder. Streams loss, learning
// rate and samples/s (the editor plots them) with a sample preview now and then; Stop ends after
// the current step and keeps the checkpoint; re-running resumes it.
import * as fs from 'fs';
import { initBackend } from '../../../models/backend';
import { NarModel, type NarConfig, type SeedSpec } from '../../../models/nar';
import { parseSeedSpec } from '../../../models/nar/ordering/neighbor';
import { readNarCheckpoint } from '../../../models/nar/checkpoint';
import { approxParameterCount } from '../../../models/nar/config';
import { warmupCosine } from '../../../models/train/schedule';
import {
  BUNDLED_SIZE,
  checkResumedModel,
  newRunSettings,
  readTrainingCheckpoint,
  resumedRunSettings,
  SHAPES_KINDS,
  shapesModelConfig,
  shapesSource,
  trainNar,
  TrainingError,
  type RunSettings,
  type ShapesKind,
  type TrainProgress,
} from '../../../models/training';
import { defineNode, NodeInputError, nodeInputPath, type ExecContext, type Inputs } from '../../../server/engine/nodeApi';
import { fileFingerprint, outputFolder, trainedModelFile } from '../modelFiles';
import { asTextEncoder, asTokenizer, type NarModelValue } from '../values';
import { samplePreview } from './samplePreview';

function resumeConfig(file: string, ifExists: string): NarConfig | null {
  if (!fs.existsSync(file) || ifExists !== 'resume') return null;
  const config = readNarCheckpoint(file).config;
  if (!config) throw new NodeInputError(`${file} exists but holds no NAR config; choose another output_name or if_exists 'overwrite'`);
  return config;
}

/**
 * Parameters a Train NAR node may build (2^28, about 268 M; the bundled models have about 1 M).
 * Its ranges allow dim 4096 × 64 layers, 13 G parameters, which took one server to 24 GB of
 * memory before failing: refused before the model is built.
 */
export const MAX_TRAIN_PARAMS = 2 ** 28;

async function runTrainNar(inputs: Inputs, ctx: ExecContext) {
  const kind = String(inputs.kind) as ShapesKind;
  if (!(SHAPES_KINDS as readonly string[]).includes(kind)) throw new NodeInputError(`kind must be one of ${SHAPES_KINDS.join(', ')}, got '${kind}'`);
  const codesName = String(inputs.codes ?? '').trim();
  const codes = codesName ? nodeInputPath(ctx.paths, codesName, 'codes') : undefined;
  const tokenizer = inputs.tokenizer ? asTokenizer(inputs.tokenizer).tokenizer : undefined;
  const textEncoder = inputs.text_encoder ? asTextEncoder(inputs.text_encoder).encoder : undefined;
  if (!tokenizer && !codes) throw new NodeInputError("link a tokenizer (to tokenize Shapes images) or give 'codes' (a code file from narflow extract-codes)");
  if (kind === 't2i' && !textEncoder) throw new NodeInputError("kind 't2i' needs a text encoder: link Load Text Encoder to 'text_encoder'");
  const file = trainedModelFile(outputFolder(ctx.paths, 'nar'), String(inputs.output_name));
  await initBackend();
  const seed = Number(inputs.seed ?? 0);
  const steps = Number(inputs.steps);
  const source = shapesSource({ kind, seed, tokenizer, textEncoder, codes, frames: Number(inputs.frames ?? 4) });
  const resumed = resumeConfig(file, String(inputs.if_exists ?? 'resume'));
  const size = { ...BUNDLED_SIZE, dim: Number(inputs.dim ?? BUNDLED_SIZE.dim), nLayer: Number(inputs.layers ?? BUNDLED_SIZE.nLayer), nHead: Number(inputs.heads ?? BUNDLED_SIZE.nHead) };
  let seedPosition: SeedSpec;
  try {
    seedPosition = parseSeedSpec(String(inputs.seed_position ?? 'corner'), source.spec.grid);
  } catch (e) {
    source.dispose();
    throw new NodeInputError(`seed_position ${(e as Error).message}`);
  }
  let config: NarConfig;
  try {
    config = resumed ?? shapesModelConfig(kind, source.spec, size, seedPosition);
  } catch (e) {
    throw new NodeInputError(`cannot build a ${kind} model of dim ${size.dim}, ${size.nLayer} layers, ${size.nHead} heads: ${(e as Error).message}`);
  }
  const params = approxParameterCount(config);
  if (params > MAX_TRAIN_PARAMS) {
    source.dispose();
    throw new NodeInputError(
      `a ${kind} model of dim ${config.dim}, ${config.nLayer} layers has about ${(params / 1e6).toFixed(0)} M parameters, more than the ${MAX_TRAIN_PARAMS / 1e6} M ` +
        'this node trains (with gradients and optimizer state about 16 bytes each): choose a smaller dim or fewer layers',
    );
  }
  const asked = { steps, batch: Number(inputs.batch ?? 16), seed, maxLr: Number(inputs.lr ?? 1e-3) };
  let settings: RunSettings;
  let notes: string[] = [];
  try {
    if (resumed) {
      checkResumedModel(file, resumed, kind, {});
      ({ settings, notes } = resumedRunSettings(file, readTrainingCheckpoint(file).state, asked));
    } else settings = newRunSettings(asked);
  } catch (e) {
    source.dispose();
    if (!(e instanceof TrainingError)) throw e;
    // a resumed run continues the run in the checkpoint: the node's widgets must say the same
    throw new NodeInputError(`${e.message.replace(/: leave .*$/, '')}: set the widgets back, or choose if_exists 'overwrite' (or another output_name) to start a new run`);
  }
  const model = NarModel.random(config, seed);
  const every = Number(inputs.preview_every ?? 0);
  let ok = false;
  try {
    const result = await trainNar({
      model,
      source,
      steps: settings.steps,
      batch: settings.batch,
      lr: warmupCosine({ ...settings.lr, totalSteps: settings.steps }),
      lrSettings: settings.lr,
      seed: settings.seed,
      weightDecay: 0.05,
      maxGradNorm: 1,
      checkpointEvery: Number(inputs.checkpoint_every ?? 50),
      outFile: file,
      resumeFrom: resumed ? file : undefined,
      signal: ctx.signal,
      onProgress: async (p: TrainProgress) => {
        const show = every > 0 && (p.step % every === 0 || p.step === p.steps);
        const preview = show && tokenizer ? await samplePreview({ model, tokenizer, textEncoder, label: `step ${p.step}` }) : undefined;
        ctx.progress(p.step, p.steps, preview, { loss: p.loss, lr: p.lr, step: p.step, samples_per_s: p.samplesPerSec });
        await new Promise((resolve) => setImmediate(resolve));
      },
    });
    const last = result.losses.length ? result.losses[result.losses.length - 1].toFixed(4) : 'n/a';
    const text = [`${result.status === 'done' ? 'finished' : 'stopped'} at step ${result.step}/${steps}, last loss ${last}, ${result.seconds.toFixed(1)} s`, `checkpoint: ${file}`];
    if (resumed) text.push('resumed from that checkpoint: its model size wins over dim / layers / heads', ...notes);
    const value: NarModelValue = { model, config, file, fingerprint: fileFingerprint(file), dispose: () => model.dispose() };
    ok = true;
    return { outputs: [value], ui: { text } };
  } finally {
    source.dispose();
    if (!ok) model.dispose();
  }
}

export const TrainNAR = defineNode({
  type: 'TrainNAR',
  displayName: 'Train NAR',
  category: 'NAR/training',
  description:
    'Trains a Shapes NAR model (c2i, t2i, video) or the raster-AR baseline (raster-c2i) on the seeded Shapes generator or a code file, ' +
    'writing weights/nar/<output_name>.safetensors (+ .optim.safetensors). Stop keeps the last checkpoint; running again resumes it.',
  inputs: {
    tokenizer: { type: 'TOKENIZER', kind: 'link', optional: true, tooltip: 'tokenizes the Shapes images (not needed with a code file)' },
    text_encoder: { type: 'TEXT_ENCODER', kind: 'link', optional: true, tooltip: 'needed for t2i' },
    kind: { type: 'COMBO', options: [...SHAPES_KINDS], default: 'c2i' },
    output_name: { type: 'STRING', default: 'my-shapes-c2i', tooltip: 'file name in weights/nar/ (.safetensors added)' },
    if_exists: { type: 'COMBO', options: ['resume', 'overwrite'], default: 'resume' },
    steps: { type: 'INT', default: 300, min: 1, max: 1_000_000 },
    batch: { type: 'INT', default: 16, min: 1, max: 1024 },
    lr: { type: 'FLOAT', default: 0.001, min: 0, max: 1, step: 0.0001, tooltip: 'peak learning rate (warm-up, then cosine to lr/10)' },
    seed: { type: 'INT', default: 0, min: 0, max: 2 ** 31 - 1 },
    seed_position: {
      type: 'STRING',
      default: 'corner',
      optional: true,
      tooltip: "where generation grows from: 'corner' (as the published models), 'center' or \"r,c\"; any other than the corner gives the model a head per direction (a resumed model keeps its own)",
    },
    checkpoint_every: { type: 'INT', default: 50, min: 0, max: 1_000_000, tooltip: '0 = only at the end (and on Stop)' },
    preview_every: { type: 'INT', default: 50, min: 0, max: 1_000_000, tooltip: 'sample a preview every this many steps (0 = never)' },
    dim: { type: 'INT', default: BUNDLED_SIZE.dim, min: 8, max: 4096, step: 8 },
    layers: { type: 'INT', default: BUNDLED_SIZE.nLayer, min: 1, max: 64 },
    heads: { type: 'INT', default: BUNDLED_SIZE.nHead, min: 1, max: 64 },
    frames: { type: 'INT', default: 4, min: 2, max: 32, tooltip: 'video clips: frames per clip' },
    codes: { type: 'STRING', default: '', optional: true, tooltip: 'a code file from `narflow extract-codes` instead of the generator' },
  },
  outputs: [{ name: 'MODEL', type: 'NAR_MODEL' }],
  outputNode: true,
  execute: runTrainNar,
});

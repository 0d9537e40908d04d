// narflow sample-tokens: runs the NAR sampler on given weights and prints token grids [B][N] as JSON.
// For interop and debugging against the published code.
import * as fs from 'fs';
import { flag, numberFlag, requireFlag, UsageError, type CliCommand } from '../command';
import { initBackend } from '../../../models/backend';
import { loadNar, type SampleCondition, type SeedSpec } from '../../../models/nar';
import { parseSeedSpec } from '../../../models/nar/ordering/neighbor';
import { readModelArgs, readNarCheckpoint } from '../../../models/nar/checkpoint';
import type { NarConfig } from '../../../models/nar/config';
import { createNarStepEngine, parseEngineChoice } from '../../../models/onnx/engineChoice';
import { DEFAULT_ONNX_CACHE_DIR } from '../../../models/onnx/graphCache';

const USAGE = `usage: narflow sample-tokens --weights W.safetensors|W.pt [--model-args A.json] --cond C.json
         [--cfg-scale S] [--cfg-interval I] [--seed-position corner|center|i,j[,k]]
         [--greedy | --temperature T --top-k K --top-p P --seed N]
         [--engine auto|ort|tfjs] [--onnx-cache DIR] [--device wasm|cpu|auto]
  defaults: --cfg-scale 1 (no guidance), --cfg-interval -1 (guidance throughout), --temperature 1,
  --top-k 0 and --top-p 1 (off), --seed 0; --seed-position: the model's own (the corner for published models)
  --engine: 'auto' (default) runs onnxruntime where it loads, else tfjs; the engine used goes to stderr
  --onnx-cache: folder of compiled ONNX graphs (default ${DEFAULT_ONNX_CACHE_DIR})
  A.json: published ModelArgs fields (dim, n_layer, n_head, vocab_size, block_size, model_type, ...);
          needed only where W stores no config (files narflow wrote store theirs: narflow.nar.config)
  C.json: {"cond": class ids [B] or caption features [B][C][caption_dim], "emb_masks": [B][C] (optional)}`;

function readCond(file: string): SampleCondition {
  let json: { cond?: unknown; emb_masks?: unknown };
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`--cond ${file}: ${(e as Error).message}`);
  }
  const cond = json.cond;
  if (!Array.isArray(cond) || cond.length === 0) throw new Error(`--cond ${file}: "cond" must be a non-empty array (class ids or caption features)`);
  if (cond.every((c) => typeof c === 'number')) return { kind: 'class', classIds: cond as number[] };
  if (cond.every((c) => Array.isArray(c))) {
    const features = Float32Array.from((cond as number[][][]).flat(2));
    const m = json.emb_masks;
    const mask = Array.isArray(m) ? Float32Array.from((m as number[][]).flat()) : undefined;
    return { kind: 'text', features, mask };
  }
  throw new Error(`--cond ${file}: "cond" must be class ids [B] or caption features [B][C][caption_dim]`);
}

/** Config fields where `given` and `stored` differ (training-only fields and the trained seed aside). */
export function configDifferences(given: NarConfig, stored: NarConfig): string[] {
  const ignored = new Set(['classDropoutProb', 'trainedSeed']);
  const keys = new Set([...Object.keys(given), ...Object.keys(stored)].filter((k) => !ignored.has(k)));
  const show = (v: unknown) => (typeof v === 'object' ? JSON.stringify(v) : String(v));
  return [...keys]
    .filter((k) => JSON.stringify(given[k as keyof NarConfig]) !== JSON.stringify(stored[k as keyof NarConfig]))
    .map((k) => `${k} ${show(given[k as keyof NarConfig])} (stored ${show(stored[k as keyof NarConfig])})`);
}

/**
 * The model's config: --model-args when given, else the one the weights store. Both present must
 * agree; the trained seed, which ModelArgs cannot say, comes from the file.
 */
function modelConfig(weights: string, modelArgs: string | undefined, stored: NarConfig | null): NarConfig {
  if (!modelArgs) {
    if (!stored) throw new UsageError(`${weights} stores no NAR config (no narflow.nar.config in its metadata): pass --model-args A.json`);
    return stored;
  }
  const given = readModelArgs(modelArgs);
  if (!stored) return given;
  const diff = configDifferences(given, stored);
  if (diff.length) throw new UsageError(`--model-args ${modelArgs} disagrees with the config stored in ${weights}: ${diff.join(', ')}; leave out --model-args to use the stored one`);
  return stored.trainedSeed && !given.trainedSeed ? { ...given, trainedSeed: stored.trainedSeed } : given;
}

/** --seed-position on the model's grid (absent: the model's default, the corner for published models). */
function seedPosition(v: string | undefined, grid: readonly number[]): SeedSpec | undefined {
  if (v === undefined) return undefined;
  try {
    return parseSeedSpec(v, grid);
  } catch (e) {
    throw new Error(`--seed-position ${(e as Error).message}`);
  }
}

export const command: CliCommand = {
  name: 'sample-tokens',
  summary: 'sample NAR token grids from weights (+ published ModelArgs where they store no config); prints [B][N] JSON',
  usage: USAGE,
  options: {
    values: ['weights', 'model-args', 'cond', 'cfg-scale', 'cfg-interval', 'seed-position', 'temperature', 'top-k', 'top-p', 'seed', 'engine', 'onnx-cache', 'device'],
    booleans: ['greedy'],
  },
  async run(args) {
    const weights = requireFlag(args, 'weights');
    const checkpoint = readNarCheckpoint(weights);
    const config = modelConfig(weights, flag(args, 'model-args'), checkpoint.config);
    const cond = readCond(requireFlag(args, 'cond'));
    await initBackend((flag(args, 'device') as 'wasm' | 'cpu' | 'auto' | undefined) ?? 'auto');
    const choice = parseEngineChoice(flag(args, 'engine'));
    const model = loadNar(checkpoint.stateDict, config);
    try {
      const chosen = await createNarStepEngine({
        choice,
        stateDict: model.toStateDict(),
        config,
        tfjs: () => model.createEngine(),
        ort: { cacheDir: flag(args, 'onnx-cache') ?? DEFAULT_ONNX_CACHE_DIR },
      });
      process.stderr.write(`engine: ${chosen.kind}${chosen.note ? ` (${chosen.note})` : ''}\n`);
      try {
        const tokens = await model.generate({
          cond,
          seedPosition: seedPosition(flag(args, 'seed-position'), config.grid),
          cfgScale: numberFlag(args, 'cfg-scale', 1),
          cfgInterval: numberFlag(args, 'cfg-interval', -1),
          greedy: flag(args, 'greedy') === 'true',
          temperature: numberFlag(args, 'temperature', 1),
          topK: numberFlag(args, 'top-k', 0),
          topP: numberFlag(args, 'top-p', 1),
          seed: numberFlag(args, 'seed', 0),
          engine: chosen.engine,
        });
        process.stdout.write(JSON.stringify(tokens) + '\n');
      } finally {
        chosen.engine.dispose();
        await (chosen.engine as { release?: () => Promise<void> }).release?.call(chosen.engine);
      }
    } finally {
      model.dispose();
    }
    return 0;
  },
};

// LoadNARModel, LoadTokenizer, LoadTextEncoder: a COMBO of the files in weights/<kind>/ folders,
// fingerprinted by size, mtime, inode and ctime, with an error naming the file and its folder when it is missing.
import { initBackend } from '../../models/backend';
import { narConfigFromCheckpoint } from '../../models/checkpoint/layout';
import { NarModel } from '../../models/nar';
import { firstNonFinite } from '../../models/checkpoint/safetensors';
import { readNarCheckpoint } from '../../models/nar/checkpoint';
import { loadTextEncoder } from '../../models/text';
import { stateDictHash } from '../../models/onnx/graphCache';
import { loadTokenizer } from '../../models/vq/io';
import { defineNode, NodeInputError, type HostPaths } from '../../server/engine/nodeApi';
import { fileFingerprint, listModels, modelFingerprint, resolveModel, type ModelKind } from './modelFiles';
import { describeModel, type NarModelValue, type TextEncoderValue, type TokenizerValue } from './values';

/** Reads a NAR checkpoint: its stored config, else the layout read off the weights (published .pt). */
export function loadNarModelFile(file: string): NarModelValue {
  let ck;
  try {
    ck = readNarCheckpoint(file);
  } catch (e) {
    throw new NodeInputError(`cannot read NAR model ${file}: ${(e as Error).message}`);
  }
  // a run that diverged can save NaN weights: such a model samples one token everywhere, silently
  const bad = firstNonFinite(ck.stateDict);
  if (bad) throw new NodeInputError(`NAR model ${file}: tensor ${bad.name} holds ${bad.value} (at flat index ${bad.index}); a model with non-finite weights cannot sample (was it saved after its training diverged?)`);
  const args = ck.metadata.args;
  const config = ck.config ?? narConfigFromCheckpoint(ck.stateDict, { args: args && typeof args === 'object' ? (args as Record<string, unknown>) : undefined }).config;
  const model = NarModel.fromStateDict(ck.stateDict, config, file);
  return { model, config, file, fingerprint: fileFingerprint(file), checkpointHash: stateDictHash(ck.stateDict), dispose: () => model.dispose() };
}

/** The file `name` in weights/<kind>/, loaded by `load` on the initialised backend; a load failure names the file. */
async function openModelFile<T>(paths: HostPaths, kind: ModelKind, name: unknown, what: string, load: (file: string) => T | Promise<T>): Promise<[T, string]> {
  const file = resolveModel(paths, kind, String(name));
  await initBackend();
  try {
    return [await load(file), file];
  } catch (e) {
    if (e instanceof NodeInputError) throw e;
    throw new NodeInputError(`cannot load ${what} ${file}: ${(e as Error).message}`);
  }
}

export const LoadNARModel = defineNode({
  type: 'LoadNARModel',
  displayName: 'Load NAR Model',
  category: 'NAR/loaders',
  description: 'Loads a NAR generator (or a raster-AR baseline) from weights/nar/: narflow .safetensors with its config, or a published .pt.',
  inputs: {
    model_name: { type: 'COMBO', options: (paths) => listModels(paths, 'nar'), tooltip: 'a file in weights/nar/', folder: 'weights/nar/' },
  },
  outputs: [{ name: 'MODEL', type: 'NAR_MODEL' }],
  fingerprint: (inputs, paths) => modelFingerprint(paths, 'nar', inputs.model_name),
  async execute(inputs, ctx) {
    const [value] = await openModelFile(ctx.paths, 'nar', inputs.model_name, 'NAR model', loadNarModelFile);
    ctx.log.info(`${inputs.model_name}: ${describeModel(value.config)}`);
    return { outputs: [value] };
  },
});

export const LoadTokenizer = defineNode({
  type: 'LoadTokenizer',
  displayName: 'Load Tokenizer',
  category: 'NAR/loaders',
  description: 'Loads an image tokenizer from weights/tokenizer/: the bundled Shapes patch VQ or a published LlamaGen VQ-16.',
  inputs: {
    tokenizer_name: { type: 'COMBO', options: (paths) => listModels(paths, 'tokenizer'), tooltip: 'a file in weights/tokenizer/', folder: 'weights/tokenizer/' },
  },
  outputs: [{ name: 'TOKENIZER', type: 'TOKENIZER' }],
  fingerprint: (inputs, paths) => modelFingerprint(paths, 'tokenizer', inputs.tokenizer_name),
  async execute(inputs, ctx) {
    const [tokenizer, file] = await openModelFile(ctx.paths, 'tokenizer', inputs.tokenizer_name, 'tokenizer', loadTokenizer);
    const value: TokenizerValue = { tokenizer, file, dispose: () => tokenizer.dispose() };
    return { outputs: [value] };
  },
});

export const LoadTextEncoder = defineNode({
  type: 'LoadTextEncoder',
  displayName: 'Load Text Encoder',
  category: 'NAR/loaders',
  description: 'Loads a caption encoder from weights/text_encoder/: the small Shapes encoder (.safetensors) or a T5 ONNX folder.',
  inputs: {
    encoder_name: { type: 'COMBO', options: (paths) => listModels(paths, 'text_encoder'), tooltip: 'a file or T5 folder in weights/text_encoder/', folder: 'weights/text_encoder/' },
  },
  outputs: [{ name: 'TEXT_ENCODER', type: 'TEXT_ENCODER' }],
  fingerprint: (inputs, paths) => modelFingerprint(paths, 'text_encoder', inputs.encoder_name),
  async execute(inputs, ctx) {
    const [encoder, file] = await openModelFile(ctx.paths, 'text_encoder', inputs.encoder_name, 'text encoder', loadTextEncoder);
    const value: TextEncoderValue = { encoder, file, dispose: () => encoder.dispose() };
    return { outputs: [value] };
  },
});

// Saving and loading tokenizers: one safetensors file, weights with the PyTorch key names and
// `__metadata__` = {format: 'narflow-tokenizer', kind, config}. A bare published LlamaGen VQ
// state dict (safetensors or .pt) loads too; its config is given or read off the weight shapes.
import { readCheckpoint } from '../checkpoint/read';
import { type StateDict, writeSafetensors } from '../checkpoint/safetensors';
import { type LlamaGenVqConfig, parseLlamaGenVqConfig } from './llamagenConfig';
import { LlamaGenVq } from './llamagenVq';
import { PatchVq, parsePatchVqConfig } from './patchVq';
import type { Tokenizer } from './tokenizer';

export const TOKENIZER_FORMAT = 'narflow-tokenizer';

/** The bundled Shapes tokenizer, relative to a weights root (the repository's `weights/`). */
export const SHAPES_TOKENIZER_FILE = 'tokenizer/shapes-vq.safetensors';

export interface LoadTokenizerOptions {
  /** LlamaGen config (published snake_case names) for files that do not carry one */
  llamagenConfig?: LlamaGenVqConfig;
}

export function saveTokenizer(tok: Tokenizer, file: string, extraMetadata: Record<string, string> = {}): void {
  writeSafetensors(file, tok.stateDict(), { ...extraMetadata, ...tok.metadata() });
}

function parseConfig(raw: unknown, source: string): Record<string, unknown> {
  if (typeof raw !== 'string') throw new Error(`${source}: tokenizer metadata has no config`);
  try {
    return JSON.parse(raw) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${source}: tokenizer config in __metadata__ is not JSON (${(e as Error).message})`);
  }
}

/** Builds a tokenizer from a state dict and the metadata that came with it. */
export function tokenizerFromStateDict(sd: StateDict, metadata: Record<string, unknown>, source: string, options: LoadTokenizerOptions = {}): Tokenizer {
  if (metadata.format === TOKENIZER_FORMAT) {
    if (metadata.kind === 'patch-vq') return PatchVq.fromStateDict(sd, parsePatchVqConfig(parseConfig(metadata.config, source)), source);
    if (metadata.kind === 'llamagen-vq') {
      return LlamaGenVq.fromStateDict(sd, options.llamagenConfig ?? parseLlamaGenVqConfig(parseConfig(metadata.config, source)), source);
    }
    throw new Error(`${source}: unknown tokenizer kind ${JSON.stringify(metadata.kind)} (expected 'patch-vq' or 'llamagen-vq')`);
  }
  if (sd.has('encoder.conv_in.weight') && sd.has('quantize.embedding.weight')) return LlamaGenVq.fromStateDict(sd, options.llamagenConfig, source);
  const keys = [...sd.keys()];
  throw new Error(`${source}: not a tokenizer (no narflow tokenizer metadata and not a LlamaGen VQ state dict; keys: ${keys.slice(0, 4).join(', ')}${keys.length > 4 ? ', …' : ''})`);
}

/** Loads any tokenizer file: a narflow tokenizer, or a published LlamaGen VQ checkpoint. */
export function loadTokenizer(file: string, options: LoadTokenizerOptions = {}): Tokenizer {
  const ck = readCheckpoint(file);
  return tokenizerFromStateDict(ck.tensors, ck.metadata, file, options);
}

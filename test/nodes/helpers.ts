// A temporary host for NAR node tests: weights/<kind>/ folders holding tiny random models under the
// bundled names (so the shipped workflows validate and run fast), a registry with the core, NAR and eval
// packs, and an executor that records events.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NarModel, type NarConfig } from '../../models/nar';
import { Rng } from '../../models/rng';
import { saveSmallEncoder, shapesVocabulary } from '../../models/text';
import { initialWeights } from '../../models/text/shapes/smallEncoderModel';
import { BUNDLED_SIZE, shapesModelConfig, type ShapesKind, type SourceSpec } from '../../models/training';
import { saveTokenizer } from '../../models/vq/io';
import { PatchVq } from '../../models/vq/patchVq';
import { NUM_IMAGE_CLASSES, NUM_VIDEO_CLASSES } from '../../models/data/shapesSpec';
import type { ExecutionEvent } from '../../server/api/protocol';
import { Executor, type RunResult } from '../../server/engine/executor/executor';
import type { HostPaths } from '../../server/engine/nodeApi';
import { NodeRegistry } from '../../server/engine/registry/registry';
import type { ApiWorkflow } from '../../server/engine/workflow/schema';
import { silentLogger } from '../../server/host/hostConfig';
import { pack as corePack } from '../../nodes/core';
import { pack as narPack } from '../../nodes/nar';
import { pack as evalPack } from '../../nodes/eval';

export const TINY_VQ = { patchSize: 8, codebookSize: 16, codeDim: 8, encoderHidden: 16, decoderHidden: 16, commitBeta: 0.25 };
export const TINY_TEXT = { dim: 8, layers: 1, heads: 2, ffnDim: 16 };
export const TINY_SIZE = { ...BUNDLED_SIZE, dim: 32, nLayer: 1, nHead: 2 };
/** 32×32 images through 8×8 patches: a 4×4 token grid; videos of 3 frames. */
export const TINY_GRID = [4, 4];
export const TINY_FRAMES = 3;

export function tinySpec(kind: ShapesKind): SourceSpec {
  if (kind === 't2i') return { grid: TINY_GRID, vocabSize: TINY_VQ.codebookSize, condition: { kind: 'text', captionDim: TINY_TEXT.dim, tokens: 120 } };
  if (kind === 'video') return { grid: [TINY_FRAMES, ...TINY_GRID], vocabSize: TINY_VQ.codebookSize, condition: { kind: 'class', numClasses: NUM_VIDEO_CLASSES } };
  return { grid: TINY_GRID, vocabSize: TINY_VQ.codebookSize, condition: { kind: 'class', numClasses: NUM_IMAGE_CLASSES } };
}

export function tinyConfig(kind: ShapesKind): NarConfig {
  return shapesModelConfig(kind, tinySpec(kind), TINY_SIZE);
}

export const BUNDLED_NAR: Record<ShapesKind, string> = {
  c2i: 'shapes-c2i.safetensors',
  t2i: 'shapes-t2i.safetensors',
  video: 'shapes-video.safetensors',
  'raster-c2i': 'shapes-raster-c2i.safetensors',
};

/** The bundled class-to-image model trained from the centre seed. */
export const BUNDLED_C2I_CENTER = 'shapes-c2i-center.safetensors';

/** A weights root with nar/, tokenizer/, text_encoder/ holding tiny random models under the bundled names. */
export function tinyWeights(root: string): Record<string, string[]> {
  const dirs = { nar: path.join(root, 'nar'), tokenizer: path.join(root, 'tokenizer'), text_encoder: path.join(root, 'text_encoder') };
  for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });
  const tok = PatchVq.init(TINY_VQ, new Rng(3));
  saveTokenizer(tok, path.join(dirs.tokenizer, 'shapes-vq.safetensors'));
  tok.dispose();
  const vocab = shapesVocabulary();
  const textConfig = { vocabSize: vocab.length, ...TINY_TEXT };
  saveSmallEncoder(path.join(dirs.text_encoder, 'shapes-text.safetensors'), { config: textConfig, vocab, weights: initialWeights(textConfig, 5) });
  (Object.keys(BUNDLED_NAR) as ShapesKind[]).forEach((kind, i) => {
    const model = NarModel.random(tinyConfig(kind), 10 + i);
    model.save(path.join(dirs.nar, BUNDLED_NAR[kind]));
    model.dispose();
  });
  const center = NarModel.random(shapesModelConfig('c2i', tinySpec('c2i'), TINY_SIZE, 'center'), 20);
  center.save(path.join(dirs.nar, BUNDLED_C2I_CENTER));
  center.dispose();
  return { nar: [dirs.nar], tokenizer: [dirs.tokenizer], text_encoder: [dirs.text_encoder] };
}

export function tempRoot(prefix = 'narflow-nodes-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function hostPaths(root: string, models: Record<string, string[]>): HostPaths {
  const p = { output: path.join(root, 'output'), input: path.join(root, 'input'), temp: path.join(root, 'temp'), models };
  for (const d of [p.output, p.input, p.temp]) fs.mkdirSync(d, { recursive: true });
  return p;
}

export function narRegistry(): NodeRegistry {
  const registry = new NodeRegistry();
  registry.addPack(corePack);
  registry.addPack(narPack);
  registry.addPack(evalPack);
  return registry;
}

export interface NodeHarness {
  registry: NodeRegistry;
  executor: Executor;
  paths: HostPaths;
  root: string;
  run(prompt: ApiWorkflow, opts?: { signal?: AbortSignal; pngText?: Record<string, string> }): Promise<RunResult & { events: ExecutionEvent[] }>;
}

/** Registry + executor over a temp folder whose weights are tiny random models. */
export function nodeHarness(): NodeHarness {
  const root = tempRoot();
  const paths = hostPaths(root, tinyWeights(path.join(root, 'weights')));
  const registry = narRegistry();
  const executor = new Executor({ registry, paths, log: silentLogger });
  let n = 0;
  return {
    registry,
    executor,
    paths,
    root,
    async run(prompt, opts = {}) {
      const events: ExecutionEvent[] = [];
      const outputs = Object.keys(prompt).filter((id) => registry.get(prompt[id].class_type)?.outputNode);
      const r = await executor.run({ promptId: `p${++n}`, prompt, outputs, signal: opts.signal ?? new AbortController().signal, emit: (e) => events.push(e), pngText: opts.pngText });
      return { ...r, events };
    },
  };
}

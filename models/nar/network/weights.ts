// NAR parameters: named exactly as the published state dicts, held as tf.Variables.
// Linear weights are stored on disk as [out, in] (PyTorch) and held here transposed, [in, out],
// so every projection is a plain 2-D matmul (the fast path of tfjs-wasm).
import * as tf from '@tensorflow/tfjs';
import { CheckpointError, type HostTensor, type StateDict } from '../../checkpoint/safetensors';
import type { Rng } from '../../rng';
import type { NarConfig } from '../config';

export interface ParamSpec {
  /** shape as stored in the checkpoint (PyTorch layout) */
  shape: number[];
  /** held transposed ([in, out]) in memory */
  linear: boolean;
  init: 'normal' | 'ones' | 'caption';
}

/** Every state-dict key of a model with this config and its checkpoint shape. */
export function paramSpecs(c: NarConfig): Map<string, ParamSpec> {
  const specs = new Map<string, ParamSpec>();
  const lin = (k: string, out: number, inp: number) => specs.set(k, { shape: [out, inp], linear: true, init: 'normal' });
  const vec = (k: string, n: number) => specs.set(k, { shape: [n], linear: false, init: 'ones' });
  if (c.condition.kind === 'class') {
    specs.set('cls_embedding.embedding_table.weight', { shape: [c.condition.numClasses + 1, c.dim], linear: false, init: 'normal' });
  } else {
    specs.set('cls_embedding.uncond_embedding', { shape: [c.condition.tokens, c.condition.captionDim], linear: false, init: 'caption' });
    lin('cls_embedding.cap_proj.fc1.weight', c.dim, c.condition.captionDim);
    lin('cls_embedding.cap_proj.fc2.weight', c.dim, c.dim);
  }
  specs.set('tok_embeddings.weight', { shape: [c.vocabSize, c.dim], linear: false, init: 'normal' });
  if (c.positions === 'abs') specs.set('abs_pe', { shape: [1, c.maxSeqLen + c.clsTokenNum, c.dim], linear: false, init: 'normal' });
  const qkv = (c.nHead + 2 * c.nKvHead) * c.headDim;
  for (let i = 0; i < c.totalBlocks; i++) {
    const p = `layers.${i}.`;
    lin(p + 'attention.wqkv.weight', qkv, c.dim);
    lin(p + 'attention.wo.weight', c.dim, c.dim);
    lin(p + 'feed_forward.w1.weight', c.ffnHidden, c.dim);
    lin(p + 'feed_forward.w3.weight', c.ffnHidden, c.dim);
    lin(p + 'feed_forward.w2.weight', c.dim, c.ffnHidden);
    vec(p + 'attention_norm.weight', c.dim);
    vec(p + 'ffn_norm.weight', c.dim);
  }
  for (const h of c.heads) {
    vec(h.normKey, c.dim);
    lin(h.outputKey, c.vocabSize, c.dim);
  }
  return specs;
}

/** The model's variables by state-dict key (linear ones transposed to [in, out]). */
export type NarParams = Map<string, tf.Variable>;

function transposeHost(t: HostTensor): { shape: number[]; data: Float32Array } {
  const [r, cols] = t.shape;
  const out = new Float32Array(t.data.length);
  for (let i = 0; i < r; i++) for (let j = 0; j < cols; j++) out[j * r + i] = t.data[i * cols + j];
  return { shape: [cols, r], data: out };
}

/**
 * Checks a state dict against the config; throws one CheckpointError listing every missing,
 * unexpected and wrong-shaped key.
 */
export function checkNarStateDict(sd: StateDict, c: NarConfig, source = 'state dict'): void {
  const specs = paramSpecs(c);
  const missing = [...specs.keys()].filter((k) => !sd.has(k));
  const unexpected = [...sd.keys()].filter((k) => !specs.has(k));
  const wrong: string[] = [];
  for (const [k, s] of specs) {
    const t = sd.get(k);
    if (t && t.shape.join(',') !== s.shape.join(',')) wrong.push(`${k}: expected [${s.shape}], got [${t.shape}]`);
  }
  if (!missing.length && !unexpected.length && !wrong.length) return;
  const parts: string[] = [];
  if (missing.length) parts.push(`missing keys (${missing.length}): ${missing.join(', ')}`);
  if (unexpected.length) parts.push(`unexpected keys (${unexpected.length}): ${unexpected.join(', ')}`);
  if (wrong.length) parts.push(`wrong shapes (${wrong.length}): ${wrong.join('; ')}`);
  throw new CheckpointError(`${source} does not fit the NAR config (dim ${c.dim}, ${c.totalBlocks} blocks, grid ${JSON.stringify(c.grid)}):\n  ${parts.join('\n  ')}`);
}

/** Variables from a checked state dict. `trainable` marks them for gradients. */
export function paramsFromStateDict(sd: StateDict, c: NarConfig, trainable = true, source?: string): NarParams {
  checkNarStateDict(sd, c, source);
  const params: NarParams = new Map();
  for (const [k, s] of paramSpecs(c)) {
    const t = s.linear ? transposeHost(sd.get(k)!) : sd.get(k)!;
    params.set(k, tf.tidy(() => tf.variable(tf.tensor(t.data, t.shape), trainable)));
  }
  return params;
}

/** Host copies in checkpoint layout (linear weights back to [out, in]). */
export function paramsToStateDict(params: NarParams, c: NarConfig): StateDict {
  const sd: StateDict = new Map();
  for (const [k, s] of paramSpecs(c)) {
    const v = params.get(k);
    if (!v) throw new CheckpointError(`parameter ${k} is missing from the model`);
    const host = { shape: [...v.shape], data: v.dataSync() as Float32Array };
    sd.set(k, s.linear ? transposeHost(host) : host);
  }
  return sd;
}

/** Random initialisation (normal, std 0.02; norms ones; null caption randn/√captionDim) from our Rng. */
export function randomStateDict(c: NarConfig, rng: Rng, std = 0.02): StateDict {
  const sd: StateDict = new Map();
  for (const [k, s] of paramSpecs(c)) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (s.init === 'ones') data.fill(1);
    else {
      const scale = s.init === 'caption' ? 1 / Math.sqrt(s.shape[1]) : std;
      for (let i = 0; i < n; i++) data[i] = rng.normal() * scale;
    }
    sd.set(k, { shape: [...s.shape], data });
  }
  return sd;
}

export function disposeParams(params: NarParams): void {
  for (const v of params.values()) v.dispose();
  params.clear();
}

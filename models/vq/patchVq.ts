// A small, fast VQ tokenizer for the bundled Shapes models: each p×p patch is encoded by an MLP
// to a code dimension of 8, quantised against an L2-normalised codebook (as in LlamaGen), and
// decoded from its 3×3 neighbourhood of codes (a 3×3 conv then 1×1 convs) back to the patch.
// Every layer is a 2-D matmul, so it trains quickly on tfjs-wasm.
import * as tf from '@tensorflow/tfjs';
import type { StateDict } from '../checkpoint/safetensors';
import type { ImageBatch } from '../image/types';
import type { Rng } from '../rng';
import { l2Normalize } from './llamagenNet';
import type { LossOptions, VqLosses } from './losses';
import { conv2d, matMul2d, swish, tfConvToTorch, torchConvToTf } from './ops';
import { lookupCodes, nearestCodes, quantizeStraightThrough } from './quantizer';
import { type CodeGrid, type Tokenizer, decodeInChunks, encodeInChunks, gridFor, imagesPerChunk } from './tokenizer';

export interface PatchVqConfig {
  patchSize: number;
  codebookSize: number;
  codeDim: number;
  encoderHidden: number;
  decoderHidden: number;
  commitBeta: number;
}

export const SHAPES_PATCH_VQ: PatchVqConfig = { patchSize: 4, codebookSize: 512, codeDim: 8, encoderHidden: 128, decoderHidden: 256, commitBeta: 0.25 };

export function parsePatchVqConfig(raw: Record<string, unknown>): PatchVqConfig {
  const c = { ...SHAPES_PATCH_VQ, ...raw } as Record<string, unknown>;
  for (const k of ['patchSize', 'codebookSize', 'codeDim', 'encoderHidden', 'decoderHidden'] as const) {
    if (!Number.isInteger(c[k]) || (c[k] as number) <= 0) throw new Error(`patch VQ config: ${k} must be a positive integer, got ${JSON.stringify(c[k])}`);
  }
  if (typeof c.commitBeta !== 'number' || c.commitBeta < 0) throw new Error(`patch VQ config: commitBeta must be a number >= 0, got ${JSON.stringify(c.commitBeta)}`);
  return c as unknown as PatchVqConfig;
}

/** Parameter shapes in PyTorch layout (Linear [out, in], Conv [out, in, kh, kw]). */
export function patchVqParamShapes(c: PatchVqConfig): Map<string, number[]> {
  const pix = 3 * c.patchSize * c.patchSize;
  return new Map<string, number[]>([
    ['encoder.fc1.weight', [c.encoderHidden, pix]],
    ['encoder.fc1.bias', [c.encoderHidden]],
    ['encoder.fc2.weight', [c.codeDim, c.encoderHidden]],
    ['encoder.fc2.bias', [c.codeDim]],
    ['quantize.embedding.weight', [c.codebookSize, c.codeDim]],
    ['decoder.conv_in.weight', [c.decoderHidden, c.codeDim, 3, 3]],
    ['decoder.conv_in.bias', [c.decoderHidden]],
    ['decoder.fc1.weight', [c.decoderHidden, c.decoderHidden]],
    ['decoder.fc1.bias', [c.decoderHidden]],
    ['decoder.fc2.weight', [pix, c.decoderHidden]],
    ['decoder.fc2.bias', [pix]],
  ]);
}

export class PatchVq implements Tokenizer {
  readonly kind = 'patch-vq' as const;
  readonly codebookSize: number;
  readonly codeDim: number;
  readonly downsample: number;
  /**
   * Most tokens (patches) one tfjs call encodes or decodes: a larger batch goes in chunks of whole
   * images, so its activations (about 512 floats per patch for the Shapes VQ) stay far below the
   * wasm heap. One call for a whole large batch overran it and broke the backend until restart.
   */
  maxTokensPerChunk = 32768;

  private constructor(
    readonly config: PatchVqConfig,
    /** Linear weights stored [in, out] and conv weights [kh, kw, in, out] (tfjs layouts) */
    readonly params: Map<string, tf.Variable>,
  ) {
    this.codebookSize = config.codebookSize;
    this.codeDim = config.codeDim;
    this.downsample = config.patchSize;
  }

  static fromStateDict(sd: StateDict, config: PatchVqConfig, source = 'state dict'): PatchVq {
    const shapes = patchVqParamShapes(config);
    const problems: string[] = [];
    for (const [k, shape] of shapes) {
      const t = sd.get(k);
      if (!t) problems.push(`missing ${k}`);
      else if (t.shape.join(',') !== shape.join(',')) problems.push(`${k}: expected [${shape}], got [${t.shape}]`);
    }
    for (const k of sd.keys()) if (!shapes.has(k)) problems.push(`unexpected ${k}`);
    if (problems.length) throw new Error(`${source}: not a patch VQ state dict for this config (${problems.join('; ')})`);
    const params = new Map<string, tf.Variable>();
    for (const [k, shape] of shapes) {
      const { data } = sd.get(k)!;
      const value = shape.length === 4 ? torchConvToTf(data, shape) : shape.length === 2 && k !== 'quantize.embedding.weight' ? tf.tidy(() => tf.transpose(tf.tensor2d(data, shape as [number, number]))) : tf.tensor(data, shape);
      params.set(k, tf.variable(value, true));
      value.dispose();
    }
    return new PatchVq(config, params);
  }

  /** Fresh weights: N(0, 1/fan_in) matrices, zero biases, codebook on the unit sphere. */
  static init(config: PatchVqConfig, rng: Rng): PatchVq {
    const sd: StateDict = new Map();
    for (const [k, shape] of patchVqParamShapes(config)) {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(n);
      if (k.endsWith('.weight')) {
        const std = k === 'quantize.embedding.weight' ? 1 : 1 / Math.sqrt(shape.slice(1).reduce((a, b) => a * b, 1));
        for (let i = 0; i < n; i++) data[i] = rng.normal() * std;
      }
      sd.set(k, { shape, data });
    }
    return PatchVq.fromStateDict(sd, config, 'initialisation');
  }

  grid(height: number, width: number): { h: number; w: number } {
    return gridFor(this.downsample, height, width, `patch VQ (${this.downsample}×${this.downsample} patches)`);
  }

  private p(name: string): tf.Tensor {
    return this.params.get(name)!;
  }

  private linear(name: string, x: tf.Tensor2D): tf.Tensor2D {
    return tf.add(matMul2d(x, this.p(`${name}.weight`) as tf.Tensor2D), this.p(`${name}.bias`));
  }

  /** x [B, H, W, 3] in [−1, 1] → unnormalised latents [B·h·w, codeDim] (raster order). */
  latents(x: tf.Tensor4D): tf.Tensor2D {
    const [b, hh, ww] = x.shape;
    const { h, w } = this.grid(hh, ww);
    const p = this.config.patchSize;
    const patches = tf.transpose(tf.reshape(x, [b, h, p, w, p, 3]), [0, 1, 3, 2, 4, 5]).reshape([b * h * w, 3 * p * p]) as tf.Tensor2D;
    return this.linear('encoder.fc2', swish(this.linear('encoder.fc1', patches)));
  }

  latentsFor(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => l2Normalize(this.latents(x)));
  }

  /** Code vectors [B, h, w, codeDim] → images [B, h·p, w·p, 3] in ≈ [−1, 1]. */
  decodeVectors(zq: tf.Tensor4D): tf.Tensor4D {
    const [b, h, w] = zq.shape;
    const p = this.config.patchSize;
    const hid = this.config.decoderHidden;
    const feat = swish(conv2d(zq, this.p('decoder.conv_in.weight') as tf.Tensor4D, this.p('decoder.conv_in.bias') as tf.Tensor1D, 'im2col'));
    const h1 = swish(this.linear('decoder.fc1', feat.reshape([b * h * w, hid])));
    const pix = this.linear('decoder.fc2', h1); // [B·h·w, p·p·3]
    return tf.transpose(tf.reshape(pix, [b, h, w, p, p, 3]), [0, 1, 3, 2, 4, 5]).reshape([b, h * p, w * p, 3]) as tf.Tensor4D;
  }

  /** x [B, H, W, 3] in [−1, 1] → indices [B, h, w] int32. Does not dispose x. */
  encodeTensor(x: tf.Tensor4D): tf.Tensor3D {
    const [b, hh, ww] = x.shape;
    const { h, w } = this.grid(hh, ww);
    return tf.tidy(() => nearestCodes(l2Normalize(this.latents(x)), l2Normalize(this.p('quantize.embedding.weight') as tf.Tensor2D)).reshape([b, h, w]) as tf.Tensor3D);
  }

  /** indices [B, h, w] → images [B, H, W, 3] in ≈ [−1, 1]. */
  decodeIndices(indices: tf.Tensor3D): tf.Tensor4D {
    const [b, h, w] = indices.shape;
    return tf.tidy(() => {
      const zq = lookupCodes(this.p('quantize.embedding.weight') as tf.Tensor2D, indices.reshape([b * h * w]).toInt() as tf.Tensor1D, true);
      return this.decodeVectors(zq.reshape([b, h, w, this.codeDim]));
    });
  }

  encode(images: ImageBatch): CodeGrid {
    const { h, w } = this.grid(images.height, images.width);
    return encodeInChunks(images, imagesPerChunk(h * w, this.maxTokensPerChunk), (x) => this.encodeTensor(x));
  }

  decode(codes: CodeGrid): ImageBatch {
    const tokens = (codes[0]?.length ?? 0) * (codes[0]?.[0]?.length ?? 0);
    return decodeInChunks(codes, this.codebookSize, this.downsample, imagesPerChunk(Math.max(1, tokens), this.maxTokensPerChunk), (idx) => this.decodeIndices(idx));
  }

  losses(x: tf.Tensor4D, options: LossOptions = {}): VqLosses {
    const [b, hh, ww] = x.shape;
    const { h, w } = this.grid(hh, ww);
    const q = quantizeStraightThrough(this.latents(x), this.p('quantize.embedding.weight') as tf.Tensor2D, true, options.quantize ?? true);
    const recon = this.decodeVectors(q.zq.reshape([b, h, w, this.codeDim]));
    return { recon: tf.mean(tf.square(tf.sub(recon, x))) as tf.Scalar, codebook: q.codebookLoss, commit: q.commitLoss, beta: this.config.commitBeta, indices: q.indices };
  }

  stateDict(): StateDict {
    const sd: StateDict = new Map();
    for (const [k, v] of this.params) {
      if (v.rank === 4) sd.set(k, tfConvToTorch(v));
      else if (v.rank === 2 && k !== 'quantize.embedding.weight') {
        const t = tf.tidy(() => tf.transpose(v));
        sd.set(k, { shape: [...t.shape], data: t.dataSync() as Float32Array });
        t.dispose();
      } else sd.set(k, { shape: [...v.shape], data: Float32Array.from(v.dataSync() as Float32Array) });
    }
    return sd;
  }

  metadata(): Record<string, string> {
    return { format: 'narflow-tokenizer', kind: this.kind, config: JSON.stringify(this.config) };
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    this.params.clear();
  }
}

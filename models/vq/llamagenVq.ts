// The LlamaGen VQ tokenizer: loads the published state dict (key for key), encodes images to
// code indices and decodes indices back (decode_code), and exposes its losses for training.
import * as tf from '@tensorflow/tfjs';
import type { StateDict } from '../checkpoint/safetensors';
import type { ImageBatch } from '../image/types';
import type { Rng } from '../rng';
import { type LlamaGenVqConfig, checkConfigMatches, downsampleFactor, inferLlamaGenVqConfig, toPublishedConfig } from './llamagenConfig';
import { LlamaGenNet, l2Normalize, llamagenParamShapes } from './llamagenNet';
import { type ConvMode, tfConvToTorch, torchConvToTf } from './ops';
import { lookupCodes, nearestCodes, quantizeStraightThrough } from './quantizer';
import { type CodeGrid, type Tokenizer, decodeInChunks, encodeInChunks, gridFor, imagesPerChunk } from './tokenizer';
import type { LossOptions, VqLosses } from './losses';

const USAGE_BUFFER = 'quantize.codebook_used';

export class LlamaGenVq implements Tokenizer {
  readonly kind = 'llamagen-vq' as const;
  readonly codebookSize: number;
  readonly codeDim: number;
  readonly downsample: number;
  /** images per forward pass when encoding/decoding large batches */
  maxBatch = 8;
  /**
   * Most tokens per forward pass (8 images of 256×256 at VQ-16): larger pictures go fewer at a
   * time, since the convolutions' activations grow with the pixels and must fit the wasm heap.
   */
  maxTokensPerChunk = 2048;

  private constructor(
    readonly config: LlamaGenVqConfig,
    /** trainable parameters, PyTorch names; conv weights in tfjs layout */
    readonly params: Map<string, tf.Variable>,
    private readonly buffers: StateDict,
  ) {
    this.codebookSize = config.codebookSize;
    this.codeDim = config.codebookEmbedDim;
    this.downsample = downsampleFactor(config);
  }

  /** From a state dict with the published key names; the config is inferred when not given. */
  static fromStateDict(sd: StateDict, config?: LlamaGenVqConfig, source = 'state dict'): LlamaGenVq {
    const c = config ?? inferLlamaGenVqConfig(sd);
    if (config) checkConfigMatches(config, sd, source);
    const shapes = llamagenParamShapes(c);
    const problems: string[] = [];
    for (const [k, shape] of shapes) {
      const t = sd.get(k);
      if (!t) problems.push(`missing ${k}`);
      else if (t.shape.join(',') !== shape.join(',')) problems.push(`${k}: expected [${shape}], got [${t.shape}]`);
    }
    const unexpected = [...sd.keys()].filter((k) => !shapes.has(k) && k !== USAGE_BUFFER);
    if (unexpected.length) problems.push(`unexpected ${unexpected.slice(0, 5).join(', ')}${unexpected.length > 5 ? ` and ${unexpected.length - 5} more` : ''}`);
    if (problems.length) throw new Error(`${source}: not a LlamaGen VQ state dict for this config (${problems.join('; ')})`);
    const params = new Map<string, tf.Variable>();
    for (const [k, shape] of shapes) {
      const t = sd.get(k)!;
      const value = shape.length === 4 ? torchConvToTf(t.data, shape) : tf.tensor(t.data, shape);
      params.set(k, tf.variable(value, true));
      value.dispose();
    }
    const buffers: StateDict = new Map();
    const used = sd.get(USAGE_BUFFER);
    buffers.set(USAGE_BUFFER, used ? { shape: [...used.shape], data: Float32Array.from(used.data) } : { shape: [65536], data: new Float32Array(65536) });
    return new LlamaGenVq(c, params, buffers);
  }

  /** Fresh random weights (for training from scratch): convs ~ N(0, 1/fan_in), norms 1/0, codebook U(±1/K). */
  static init(config: LlamaGenVqConfig, rng: Rng): LlamaGenVq {
    const sd: StateDict = new Map();
    for (const [k, shape] of llamagenParamShapes(config)) {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(n);
      if (k === 'quantize.embedding.weight') for (let i = 0; i < n; i++) data[i] = (rng.next() * 2 - 1) / config.codebookSize;
      else if (k.endsWith('.weight') && shape.length === 1) data.fill(1);
      else if (k.endsWith('.weight')) {
        const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
        const std = 1 / Math.sqrt(fanIn);
        for (let i = 0; i < n; i++) data[i] = rng.normal() * std;
      }
      sd.set(k, { shape, data });
    }
    return LlamaGenVq.fromStateDict(sd, config, 'initialisation');
  }

  grid(height: number, width: number): { h: number; w: number } {
    return gridFor(this.downsample, height, width, 'LlamaGen VQ');
  }

  private net(mode: ConvMode): LlamaGenNet {
    return new LlamaGenNet(this.config, this.params, mode);
  }

  /** x: [B, H, W, 3] in [−1, 1] → indices [B, h, w] (int32). Does not dispose x. */
  encodeTensor(x: tf.Tensor4D): tf.Tensor3D {
    const [b, h, w, c] = x.shape;
    if (c !== this.config.inChannels) throw new Error(`LlamaGen VQ: expected ${this.config.inChannels}-channel images, got [${x.shape}]`);
    const g = this.grid(h, w);
    return tf.tidy(() => {
      const net = this.net('native');
      let z = net.encode(x).reshape([b * g.h * g.w, this.codeDim]) as tf.Tensor2D;
      if (this.config.codebookL2Norm) z = l2Normalize(z);
      return nearestCodes(z, net.codebook()).reshape([b, g.h, g.w]) as tf.Tensor3D;
    });
  }

  latentsFor(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      const z = this.net('native').encode(x);
      const flat = z.reshape([z.size / this.codeDim, this.codeDim]) as tf.Tensor2D;
      return this.config.codebookL2Norm ? l2Normalize(flat) : flat;
    });
  }

  /** decode_code: indices [B, h, w] (int32) → images [B, H, W, 3] in ≈ [−1, 1]. */
  decodeIndices(indices: tf.Tensor3D): tf.Tensor4D {
    const [b, h, w] = indices.shape;
    return tf.tidy(() => {
      const zq = lookupCodes(this.params.get('quantize.embedding.weight') as tf.Tensor2D, indices.reshape([b * h * w]).toInt() as tf.Tensor1D, this.config.codebookL2Norm);
      return this.net('native').decode(zq.reshape([b, h, w, this.codeDim]));
    });
  }

  encode(images: ImageBatch): CodeGrid {
    const { h, w } = this.grid(images.height, images.width);
    return encodeInChunks(images, imagesPerChunk(h * w, this.maxTokensPerChunk, this.maxBatch), (x) => this.encodeTensor(x));
  }

  decode(codes: CodeGrid): ImageBatch {
    const tokens = (codes[0]?.length ?? 0) * (codes[0]?.[0]?.length ?? 0);
    return decodeInChunks(codes, this.codebookSize, this.downsample, imagesPerChunk(Math.max(1, tokens), this.maxTokensPerChunk, this.maxBatch), (idx) => this.decodeIndices(idx));
  }

  /** Training losses on x [B, H, W, 3] in [−1, 1], differentiable on every backend (im2col convs). */
  losses(x: tf.Tensor4D, options: LossOptions = {}): VqLosses {
    const [b, h, w] = x.shape;
    const g = this.grid(h, w);
    const net = this.net('im2col');
    const z = net.encode(x).reshape([b * g.h * g.w, this.codeDim]) as tf.Tensor2D;
    const q = quantizeStraightThrough(z, this.params.get('quantize.embedding.weight') as tf.Tensor2D, this.config.codebookL2Norm, options.quantize ?? true);
    const recon = net.decode(q.zq.reshape([b, g.h, g.w, this.codeDim]));
    const reconLoss = tf.mean(tf.square(tf.sub(recon, x))) as tf.Scalar;
    return { recon: reconLoss, codebook: q.codebookLoss, commit: q.commitLoss, beta: this.config.commitBeta, indices: q.indices };
  }

  stateDict(): StateDict {
    const sd: StateDict = new Map();
    for (const [k, v] of this.params) {
      if (v.rank === 4) sd.set(k, tfConvToTorch(v));
      else sd.set(k, { shape: [...v.shape], data: Float32Array.from(v.dataSync() as Float32Array) });
    }
    for (const [k, v] of this.buffers) sd.set(k, v);
    return sd;
  }

  metadata(): Record<string, string> {
    return { format: 'narflow-tokenizer', kind: this.kind, config: JSON.stringify(toPublishedConfig(this.config)) };
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    this.params.clear();
  }
}

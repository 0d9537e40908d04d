// The VQ decoder on onnxruntime-node: code indices → images, graph compiled once per checkpoint.
import type { StateDict } from '../../checkpoint/safetensors';
import { imageBatch, type ImageBatch } from '../../image/types';
import type { LlamaGenVqConfig } from '../../vq/llamagenConfig';
import { compileOrLoad, DEFAULT_ONNX_CACHE_DIR, graphCacheKey, stateDictHash } from '../graphCache';
import { createSession, int64Tensor, OrtSession, SessionConfig } from '../session';
import { buildVqDecoderGraph, VQ_DECODER_GRAPH_VERSION } from './decoderGraph';

export interface OrtVqDecoderOptions extends SessionConfig {
  cacheDir?: string;
  checkpointHash?: string;
}

export class OrtVqDecoder {
  private constructor(
    readonly config: LlamaGenVqConfig,
    private readonly session: OrtSession,
    /** true when this load built the graph, false when it came from the cache */
    readonly compiled: boolean,
  ) {}

  static async create(sd: StateDict, config: LlamaGenVqConfig, options: OrtVqDecoderOptions = {}): Promise<OrtVqDecoder> {
    const hash = options.checkpointHash ?? stateDictHash(sd);
    const key = graphCacheKey(hash, config, VQ_DECODER_GRAPH_VERSION);
    const cached = compileOrLoad(options.cacheDir ?? DEFAULT_ONNX_CACHE_DIR, key, () => buildVqDecoderGraph(sd, config), { graph: 'vq-decoder', checkpoint: hash });
    return new OrtVqDecoder(config, await createSession(cached.file, options), cached.compiled);
  }

  /** indices [B, h, w] (raster) → decoded images [B, 3, H, W] NCHW, values about [−1, 1]. */
  async decode(indices: ArrayLike<number>, batch: number, h: number, w: number): Promise<{ data: Float32Array; dims: number[] }> {
    if (indices.length !== batch * h * w) throw new Error(`VQ decode: ${indices.length} indices, expected [${batch}, ${h}, ${w}] = ${batch * h * w}`);
    for (let i = 0; i < indices.length; i++) {
      const v = indices[i];
      if (!Number.isInteger(v) || v < 0 || v >= this.config.codebookSize) {
        throw new Error(`VQ decode: index ${v} at ${i} is outside the codebook [0, ${this.config.codebookSize})`);
      }
    }
    const out = await this.session.run({ indices: int64Tensor(indices, [batch, h, w]) });
    return { data: out.image.data as Float32Array, dims: [...out.image.dims] };
  }

  /** indices → ImageBatch ([B, H, W, 3] in [0, 1], clamped). */
  async decodeImages(indices: ArrayLike<number>, batch: number, h: number, w: number): Promise<ImageBatch> {
    const { data, dims } = await this.decode(indices, batch, h, w);
    const [, , H, W] = dims;
    const img = imageBatch(batch, H, W);
    for (let b = 0; b < batch; b++) {
      for (let c = 0; c < 3; c++) {
        for (let p = 0; p < H * W; p++) {
          const v = (data[(b * 3 + c) * H * W + p] + 1) / 2;
          img.data[(b * H * W + p) * 3 + c] = v < 0 ? 0 : v > 1 ? 1 : v;
        }
      }
    }
    return img;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

// I3D (Kinetics-400) logits for FVD, run by onnxruntime-node from a user-exported ONNX file.
// Preprocessing as the reference FVD code: each frame resized bilinearly to 224×224, values
// scaled from [0, 1] to [−1, 1]; clips of exactly `frames` frames (16 by default). Layout
// 'NCTHW' ([B, 3, T, H, W], PyTorch exports) or 'NTHWC' ([B, T, H, W, 3], TF exports).
import { VideoBatch, videoFrames } from '../../image/types';
import { createSession, floatTensor, OrtSession, runFloat } from '../../onnx/session';
import { imagesToNCHW, resizeBilinearNCHW } from '../preprocess/resizeBilinear';
import { Extracted, VideoFeatureExtractor, concatExtracted } from './types';

export interface OnnxI3dConfig {
  model: string | Uint8Array;
  /** output name (default: the model's first output) */
  output?: string;
  frames?: number;
  size?: number;
  layout?: 'NCTHW' | 'NTHWC';
  threads?: number;
}

/** One clip [T, H, W, 3] in [0,1] → the I3D input for that clip in the chosen layout. */
export function i3dPreprocess(videos: VideoBatch, index: number, size: number, layout: 'NCTHW' | 'NTHWC'): Float32Array {
  const frames = videoFrames(videos, index); // [T, H, W, 3]
  const T = frames.batch;
  const planes = resizeBilinearNCHW(imagesToNCHW(frames), [T, 3, frames.height, frames.width], size, size); // [T, 3, S, S]
  const hw = size * size;
  const out = new Float32Array(T * 3 * hw);
  for (let t = 0; t < T; t++) {
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < hw; p++) {
        const v = 2 * planes[(t * 3 + c) * hw + p] - 1;
        if (layout === 'NCTHW') out[(c * T + t) * hw + p] = v;
        else out[(t * hw + p) * 3 + c] = v;
      }
    }
  }
  return out;
}

export class OnnxI3dExtractor implements VideoFeatureExtractor {
  readonly name = 'i3d-onnx';
  readonly domain = 'kinetics-i3d' as const;
  featureDim = 0;

  private constructor(
    private readonly session: OrtSession,
    private readonly output: string,
    private readonly frames: number,
    private readonly size: number,
    private readonly layout: 'NCTHW' | 'NTHWC',
  ) {}

  static async create(config: OnnxI3dConfig): Promise<OnnxI3dExtractor> {
    const session = await createSession(config.model, { threads: config.threads });
    const output = config.output ?? session.outputNames[0];
    if (!session.outputNames.includes(output)) throw new Error(`I3D ONNX model has outputs [${session.outputNames.join(', ')}], expected '${output}'`);
    return new OnnxI3dExtractor(session, output, config.frames ?? 16, config.size ?? 224, config.layout ?? 'NCTHW');
  }

  async extractVideos(videos: VideoBatch): Promise<Extracted> {
    if (videos.frames !== this.frames) throw new Error(`I3D expects clips of ${this.frames} frames, got ${videos.frames} (resample the clips first)`);
    const parts: Extracted[] = [];
    const S = this.size, T = this.frames;
    for (let b = 0; b < videos.batch; b++) {
      const x = i3dPreprocess(videos, b, S, this.layout);
      const dims = this.layout === 'NCTHW' ? [1, 3, T, S, S] : [1, T, S, S, 3];
      const out = await runFloat(this.session, { [this.session.inputNames[0]]: floatTensor(x, dims) });
      const y = out[this.output];
      this.featureDim = y.data.length;
      parts.push({ count: 1, features: Float32Array.from(y.data) });
    }
    return concatExtracted(parts, this.featureDim, 0);
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

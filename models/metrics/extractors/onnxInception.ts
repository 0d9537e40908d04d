// InceptionV3 features for FID and logits for IS, run by onnxruntime-node from an ONNX file the
// user exports (docs/metrics.md). Preprocessing as pytorch-fid: images in [0, 1] → bilinear
// resize to 299×299 (align_corners = false) → 2x − 1, NCHW float32.
import { ImageBatch, imageAt } from '../../image/types';
import { createSession, floatTensor, OrtSession, runFloat } from '../../onnx/session';
import { imagesToNCHW, resizeBilinearNCHW } from '../preprocess/resizeBilinear';
import { Extracted, ImageFeatureExtractor, concatExtracted } from './types';

export interface OnnxInceptionConfig {
  /** path of the .onnx file, or its bytes */
  model: string | Uint8Array;
  /** output holding the pool3 features ([B, 2048] or [B, 2048, 1, 1]); default 'pool3' */
  featuresOutput?: string;
  /** output holding the classifier logits, if any; default 'logits' when the model has it */
  logitsOutput?: string;
  /** input side (default 299) */
  size?: number;
  /** images per ORT run (default 32) */
  batchSize?: number;
  threads?: number;
}

/** pytorch-fid's input transform for a batch: [B, H, W, 3] in [0,1] → [B, 3, size, size] in [−1, 1]. */
export function inceptionPreprocess(images: ImageBatch, size = 299): Float32Array {
  const x = resizeBilinearNCHW(imagesToNCHW(images), [images.batch, 3, images.height, images.width], size, size);
  for (let i = 0; i < x.length; i++) x[i] = 2 * x[i] - 1;
  return x;
}

function flattenRows(out: { data: Float32Array; dims: number[] }, batch: number, what: string): { dim: number; data: Float32Array } {
  if (out.dims[0] !== batch) throw new Error(`${what}: expected ${batch} rows, the model returned dims [${out.dims}]`);
  return { dim: out.data.length / batch, data: Float32Array.from(out.data) };
}

export class OnnxInceptionExtractor implements ImageFeatureExtractor {
  readonly name = 'inception-v3-onnx';
  readonly domain = 'imagenet-inception' as const;

  private constructor(
    private readonly session: OrtSession,
    private readonly inputName: string,
    private readonly featuresOutput: string,
    private readonly logitsOutput: string | undefined,
    private readonly size: number,
    private readonly batchSize: number,
    public featureDim: number,
    public classes: number,
  ) {}

  static async create(config: OnnxInceptionConfig): Promise<OnnxInceptionExtractor> {
    const session = await createSession(config.model, { threads: config.threads });
    const featuresOutput = config.featuresOutput ?? 'pool3';
    if (!session.outputNames.includes(featuresOutput)) {
      throw new Error(`Inception ONNX model has outputs [${session.outputNames.join(', ')}], expected a features output named '${featuresOutput}'`);
    }
    const wanted = config.logitsOutput ?? 'logits';
    const logitsOutput = session.outputNames.includes(wanted) ? wanted : undefined;
    if (config.logitsOutput && !logitsOutput) throw new Error(`Inception ONNX model has no output '${config.logitsOutput}' (outputs: ${session.outputNames.join(', ')})`);
    const ext = new OnnxInceptionExtractor(session, session.inputNames[0], featuresOutput, logitsOutput, config.size ?? 299, config.batchSize ?? 32, 0, 0);
    return ext;
  }

  private async runBatch(images: ImageBatch): Promise<Extracted> {
    const x = inceptionPreprocess(images, this.size);
    const out = await runFloat(this.session, { [this.inputName]: floatTensor(x, [images.batch, 3, this.size, this.size]) });
    const f = flattenRows(out[this.featuresOutput], images.batch, `Inception output '${this.featuresOutput}'`);
    this.featureDim = f.dim;
    let logits: Float32Array | undefined;
    if (this.logitsOutput) {
      const l = flattenRows(out[this.logitsOutput], images.batch, `Inception output '${this.logitsOutput}'`);
      this.classes = l.dim;
      logits = l.data;
    }
    return { count: images.batch, features: f.data, logits };
  }

  async extractImages(images: ImageBatch): Promise<Extracted> {
    const parts: Extracted[] = [];
    const size = images.height * images.width * 3;
    for (let b = 0; b < images.batch; b += this.batchSize) {
      const n = Math.min(this.batchSize, images.batch - b);
      const chunk = n === 1 ? imageAt(images, b) : { ...images, batch: n, data: images.data.subarray(b * size, (b + n) * size) };
      parts.push(await this.runBatch(chunk));
    }
    return concatExtracted(parts, this.featureDim, this.classes);
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

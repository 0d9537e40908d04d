// The Shapes classifier as a feature extractor: 64-d features and 18 class logits per image;
// per video, the mean of its frames' features and the mean change between consecutive frames
// (128-d). Domain 'shapes': FID-shapes / FVD-shapes, not comparable with ImageNet FID.
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { readSafetensors, writeSafetensors } from '../../checkpoint/safetensors';
import { ImageBatch, VideoBatch, imageBatch } from '../../image/types';
import { Extracted, ImageFeatureExtractor, VideoFeatureExtractor, concatExtracted } from '../extractors/types';
import { DEFAULT_SHAPES_CLASSIFIER, ShapesClassifierConfig, ShapesClassifierParams, disposeParams, forward, imagePatches, paramsFromStateDict, paramsToStateDict } from './model';

export const SHAPES_CLASSIFIER_FILE = path.join('metrics', 'shapes-classifier.safetensors');
export const NOT_COMPARABLE = 'FID-shapes/FVD-shapes features: NOT comparable with ImageNet FID or Kinetics FVD';

export function saveShapesClassifier(file: string, params: ShapesClassifierParams, config: ShapesClassifierConfig, extra: Record<string, string> = {}): void {
  writeSafetensors(file, paramsToStateDict(params), { config: JSON.stringify(config), note: NOT_COMPARABLE, ...extra });
}

export class ShapesFeatureExtractor implements ImageFeatureExtractor {
  readonly name = 'shapes-classifier';
  readonly domain = 'shapes' as const;
  readonly featureDim: number;
  readonly classes: number;

  constructor(
    private readonly params: ShapesClassifierParams,
    readonly config: ShapesClassifierConfig,
    private readonly batchSize = 64,
  ) {
    this.featureDim = config.features;
    this.classes = config.classes;
  }

  /** Loads weights written by saveShapesClassifier (the config travels in the file's metadata). */
  static load(file: string): ShapesFeatureExtractor {
    const f = readSafetensors(file);
    const config = f.metadata.config ? (JSON.parse(f.metadata.config) as ShapesClassifierConfig) : DEFAULT_SHAPES_CLASSIFIER;
    return new ShapesFeatureExtractor(paramsFromStateDict(config, f.tensors), config);
  }

  private runBatch(images: ImageBatch): Extracted {
    return tf.tidy(() => {
      const x = imagePatches(images, this.config);
      const width = this.config.patch * this.config.patch * 3;
      const out = forward(this.params, this.config, tf.tensor2d(x, [x.length / width, width]));
      return { count: images.batch, features: out.features.dataSync() as Float32Array, logits: out.classLogits.dataSync() as Float32Array };
    });
  }

  async extractImages(images: ImageBatch): Promise<Extracted> {
    const parts: Extracted[] = [];
    const px = images.height * images.width * 3;
    for (let b = 0; b < images.batch; b += this.batchSize) {
      const n = Math.min(this.batchSize, images.batch - b);
      parts.push(this.runBatch(imageBatch(n, images.height, images.width, images.data.slice(b * px, (b + n) * px))));
    }
    return concatExtracted(parts, this.featureDim, this.classes);
  }

  async dispose(): Promise<void> {
    disposeParams(this.params);
  }
}

/** Shapes features of clips (FVD-shapes): 2 × 64 values per clip from the frame extractor. */
export class ShapesVideoFeatureExtractor implements VideoFeatureExtractor {
  readonly name = 'shapes-classifier-video';
  readonly domain = 'shapes' as const;
  readonly featureDim: number;

  constructor(private readonly frames: ShapesFeatureExtractor) {
    this.featureDim = 2 * frames.featureDim;
  }

  /** Per clip: [mean_t f(frame_t), mean_t (f(frame_t+1) − f(frame_t))], 2·features values. */
  async extractVideos(videos: VideoBatch): Promise<Extracted> {
    const { batch: B, frames: T, height: H, width: W } = videos;
    if (T < 2) throw new Error(`FVD-shapes needs clips of at least 2 frames, got ${T}`);
    const frames = await this.frames.extractImages(imageBatch(B * T, H, W, videos.data));
    const D = this.frames.featureDim;
    const out = new Float32Array(B * 2 * D);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const f = (b * T + t) * D;
        for (let d = 0; d < D; d++) {
          out[b * 2 * D + d] += frames.features[f + d] / T;
          if (t > 0) out[b * 2 * D + D + d] += (frames.features[f + d] - frames.features[f - D + d]) / (T - 1);
        }
      }
    }
    return { count: B, features: out };
  }

  async dispose(): Promise<void> {
    await this.frames.dispose();
  }
}

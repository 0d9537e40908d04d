// Feature extractors behind one interface: ONNX networks the user supplies (InceptionV3, I3D)
// and the built-in Shapes classifier. `domain` says which numbers can be compared: a Shapes
// FID is never comparable with an ImageNet (InceptionV3) FID.
import { ImageBatch, VideoBatch } from '../../image/types';

export type FeatureDomain = 'imagenet-inception' | 'kinetics-i3d' | 'shapes';

export interface Extracted {
  count: number;
  features: Float32Array; // [N, featureDim]
  /** classifier logits [N, classes] when the extractor has a classifier head (for IS) */
  logits?: Float32Array;
}

export interface ImageFeatureExtractor {
  readonly name: string;
  readonly domain: FeatureDomain;
  readonly featureDim: number;
  readonly classes: number;
  extractImages(images: ImageBatch): Promise<Extracted>;
  dispose(): Promise<void>;
}

export interface VideoFeatureExtractor {
  readonly name: string;
  readonly domain: FeatureDomain;
  readonly featureDim: number;
  extractVideos(videos: VideoBatch): Promise<Extracted>;
  dispose(): Promise<void>;
}

/** Words that go next to every number a domain produces. */
export function domainNote(domain: FeatureDomain): string {
  switch (domain) {
    case 'imagenet-inception':
      return 'InceptionV3 pool3 features (pytorch-fid preprocessing): comparable with published FID only if the ONNX file is the pytorch-fid network';
    case 'kinetics-i3d':
      return 'I3D Kinetics-400 logits: comparable with published FVD only if the ONNX file is the reference I3D';
    case 'shapes':
      return 'built-in Shapes classifier features: FID-shapes / FVD-shapes, NOT comparable with ImageNet FID or Kinetics FVD';
  }
}

/** Concatenates per-batch results. */
export function concatExtracted(parts: Extracted[], featureDim: number, classes: number): Extracted {
  const count = parts.reduce((a, p) => a + p.count, 0);
  const features = new Float32Array(count * featureDim);
  const logits = classes > 0 && parts.every((p) => p.logits) ? new Float32Array(count * classes) : undefined;
  let row = 0;
  for (const p of parts) {
    features.set(p.features, row * featureDim);
    if (logits && p.logits) logits.set(p.logits, row * classes);
    row += p.count;
  }
  return { count, features, logits };
}

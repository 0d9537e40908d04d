// Caption features are a pure function of the caption: encode each distinct caption once.
import type { TextEncoder } from '../../text';

export interface CaptionFeatures {
  /** [B, tokens, captionDim] row-major */
  features: Float32Array;
  /** [B, tokens] 1 = real token, 0 = padding (left-padded) */
  mask: Float32Array;
}

export class CaptionFeatureCache {
  private readonly rows = new Map<string, { features: Float32Array; mask: Float32Array }>();

  constructor(readonly encoder: TextEncoder) {}

  get size(): number {
    return this.rows.size;
  }

  get tokens(): number {
    return this.encoder.maxTokens;
  }

  async encode(captions: string[]): Promise<CaptionFeatures> {
    const T = this.encoder.maxTokens;
    const D = this.encoder.captionDim;
    const missing = [...new Set(captions.filter((c) => !this.rows.has(c)))];
    if (missing.length) {
      const enc = await this.encoder.encode(missing);
      missing.forEach((c, i) => {
        this.rows.set(c, { features: enc.features.slice(i * T * D, (i + 1) * T * D), mask: enc.mask.slice(i * T, (i + 1) * T) });
      });
    }
    const features = new Float32Array(captions.length * T * D);
    const mask = new Float32Array(captions.length * T);
    captions.forEach((c, b) => {
      const r = this.rows.get(c)!;
      features.set(r.features, b * T * D);
      mask.set(r.mask, b * T);
    });
    return { features, mask };
  }
}

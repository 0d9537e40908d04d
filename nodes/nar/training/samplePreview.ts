// A small sample from a model being trained, decoded, as a progress preview.
import type { NarModel } from '../../../models/nar';
import type { TextEncoder } from '../../../models/text';
import type { Tokenizer } from '../../../models/vq/tokenizer';
import type { Preview } from '../../../server/engine/nodeApi';
import { previewPng } from '../gridPreview';

export const PREVIEW_PROMPTS = ['a red circle at the top left', 'a blue square left of a green triangle'];

export interface SamplePreviewRequest {
  model: NarModel;
  tokenizer: Tokenizer;
  textEncoder?: TextEncoder;
  label: string;
}

/** Samples a few grids (classes spread over the model's classes, or two captions) and draws them. */
export async function samplePreview(r: SamplePreviewRequest): Promise<Preview> {
  const c = r.model.config;
  let tokens: number[][];
  if (c.condition.kind === 'class') {
    const n = c.condition.numClasses;
    const classIds = [0, 1, 2, 3].map((i) => Math.floor((i * n) / 4));
    tokens = await r.model.generate({ cond: { kind: 'class', classIds }, seed: 0 });
  } else {
    if (!r.textEncoder) throw new Error('a text-to-image preview needs the text encoder');
    const enc = await r.textEncoder.encode(PREVIEW_PROMPTS);
    tokens = await r.model.generate({ cond: { kind: 'text', features: enc.features, mask: enc.mask }, seed: 0 });
  }
  const pngBase64 = previewPng({ grid: c.grid, batch: tokens.length, tokens: Int32Array.from(tokens.flat()), tokenizer: r.tokenizer });
  return { pngBase64, label: r.label };
}

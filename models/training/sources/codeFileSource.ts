// Training data from a code file written by `narflow extract-codes` (models/vq/codeFile.ts):
// codes [N, h, w] or [N, T, h, w], with labels (class condition) or captions (text condition,
// encoded by a text encoder and cached). Batch i draws its examples with a generator seeded from
// (seed, i), with replacement.
import { Rng } from '../../rng';
import type { TextEncoder } from '../../text';
import { readCodeFile, type CodeDataset } from '../../vq/codeFile';
import { batchSeed, checkBatchSize, TrainingError, type NarDataSource } from '../types';
import { CaptionFeatureCache } from './captionCache';

export interface CodeFileSourceOptions {
  /** a code file, or its contents already read */
  codes: string | CodeDataset;
  seed: number;
  /** condition: 'class' uses the labels, 'text' the captions (default: labels when present) */
  condition?: 'class' | 'text';
  /** needed for the text condition */
  textEncoder?: TextEncoder;
  /** number of classes (default: largest label + 1) */
  numClasses?: number;
}

export function codeFileSource(o: CodeFileSourceOptions): NarDataSource {
  const name = typeof o.codes === 'string' ? o.codes : `codes from ${o.codes.source || 'memory'}`;
  const d = typeof o.codes === 'string' ? readCodeFile(o.codes) : o.codes;
  const n = d.shape[0];
  const per = d.codes.length / n;
  if (!(n > 0)) throw new TrainingError(`${name}: the code file holds no examples`);
  const kind = o.condition ?? (d.labels ? 'class' : 'text');
  let cache: CaptionFeatureCache | null = null;
  let numClasses = 0;
  if (kind === 'class') {
    if (!d.labels) throw new TrainingError(`${name}: class-conditional training needs 'labels' in the code file (extract-codes with labels), none found`);
    numClasses = o.numClasses ?? Math.max(...d.labels) + 1;
    const bad = d.labels.findIndex((l) => l < 0 || l >= numClasses);
    if (bad >= 0) throw new TrainingError(`${name}: label ${d.labels[bad]} of example ${bad} is outside 0..${numClasses - 1}`);
  } else {
    if (!d.captions) throw new TrainingError(`${name}: text-conditional training needs captions in the code file, none found`);
    if (!o.textEncoder) throw new TrainingError(`${name}: text-conditional training needs a text encoder`);
    cache = new CaptionFeatureCache(o.textEncoder);
  }
  const condition =
    kind === 'class'
      ? { kind: 'class' as const, numClasses }
      : { kind: 'text' as const, captionDim: o.textEncoder!.captionDim, tokens: o.textEncoder!.maxTokens };
  return {
    description: `${name} (${n} examples, ${kind} condition), seed ${o.seed}`,
    spec: { grid: d.shape.slice(1), vocabSize: d.codebookSize, condition },
    async batch(index, B) {
      checkBatchSize(B);
      const rng = new Rng(batchSeed(o.seed, index));
      const picks = Array.from({ length: B }, () => rng.int(n));
      const tokens = new Int32Array(B * per);
      picks.forEach((i, b) => tokens.set(d.codes.subarray(i * per, (i + 1) * per), b * per));
      if (cache) {
        const { features, mask } = await cache.encode(picks.map((i) => d.captions![i]));
        return { cond: { kind: 'text', features, mask }, tokens };
      }
      return { cond: { kind: 'class', classIds: picks.map((i) => d.labels![i]) }, tokens };
    },
    dispose() {},
  };
}

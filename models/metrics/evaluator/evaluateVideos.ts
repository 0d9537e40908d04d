// FVD (Fréchet distance of video features): I3D logits from a user ONNX file, or FVD-shapes
// from the built-in Shapes classifier (mean frame feature + mean frame-to-frame change).
// Reference videos come from the Shapes video generator or a folder; features are cached.
import * as path from 'path';
import { VideoBatch } from '../../image/types';
import { generateShapesVideos } from '../../data/shapesVideo';
import { loadVideoFolder } from '../../data/folders';
import { frechetDistance } from '../frechet/frechetDistance';
import { Extracted, VideoFeatureExtractor, concatExtracted, domainNote } from '../extractors/types';
import { checkFidCounts } from './evaluate';
import { cacheKey, readCached, statsOf, writeCached } from './referenceCache';

export interface VideoSet {
  videos: VideoBatch;
  describe: string;
}

export function shapesVideoSet(count: number, seed: number, frames: number, size: number): VideoSet {
  return { videos: generateShapesVideos(count, seed, { frames, size }).videos, describe: `shapes-video:count=${count},seed=${seed},frames=${frames},size=${size}` };
}

export function folderVideoSet(dir: string, size?: number): VideoSet {
  const { videos, folders } = loadVideoFolder(dir, size ? { size } : {});
  return { videos, describe: `video-folder:${path.resolve(dir)}:size=${size ?? 'native'}:${folders.length}` };
}

export interface VideoEvaluation {
  fvd: number;
  extractor: string;
  domain: string;
  note: string;
  referenceCount: number;
  generatedCount: number;
  referenceFromCache: boolean;
}

async function extractClips(extractor: VideoFeatureExtractor, videos: VideoBatch, batch: number, phase: string, onProgress?: (d: number, n: number, p: string) => void): Promise<Extracted> {
  const parts: Extracted[] = [];
  const clip = videos.frames * videos.height * videos.width * 3;
  for (let b = 0; b < videos.batch; b += batch) {
    const n = Math.min(batch, videos.batch - b);
    parts.push(await extractor.extractVideos({ ...videos, batch: n, data: videos.data.subarray(b * clip, (b + n) * clip) }));
    onProgress?.(b + n, videos.batch, phase);
  }
  return concatExtracted(parts, extractor.featureDim, 0);
}

export async function evaluateVideos(o: {
  extractor: VideoFeatureExtractor;
  extractorFingerprint: string;
  reference: VideoSet;
  generated: VideoBatch;
  cacheDir?: string;
  batchSize?: number;
  onProgress?(done: number, total: number, phase: string): void;
}): Promise<VideoEvaluation> {
  checkFidCounts(o.generated.batch, o.reference.videos.batch, 'videos', o.extractor.domain === 'shapes' ? 'FVD-shapes' : 'FVD');
  const batch = o.batchSize ?? 8;
  const gen = await extractClips(o.extractor, o.generated, batch, 'generated', o.onProgress);
  const meta = { extractor: o.extractor.name, weights: o.extractorFingerprint, source: o.reference.describe };
  const dir = o.cacheDir ? path.join(o.cacheDir, cacheKey(meta)) : undefined;
  let ref = dir ? readCached(dir, meta) : null;
  const fromCache = ref !== null;
  if (!ref) {
    const extracted = await extractClips(o.extractor, o.reference.videos, batch, 'reference', o.onProgress);
    ref = { extracted, stats: statsOf(extracted, o.extractor.featureDim), fromCache: false };
    if (dir) writeCached(dir, meta, extracted, ref.stats, 0);
  }
  const fvd = frechetDistance(ref.stats, statsOf(gen, o.extractor.featureDim)).fid;
  return {
    fvd,
    extractor: o.extractor.name,
    domain: o.extractor.domain,
    note: domainNote(o.extractor.domain),
    referenceCount: ref.extracted.count,
    generatedCount: gen.count,
    referenceFromCache: fromCache,
  };
}

// Reference features and statistics, cached on disk per (extractor, image set): a folder
// <cacheDir>/<sha256 key>/ holding features.npy (float32 [N, D]), mu.npy, sigma.npy (float64)
// and meta.json. A cache entry is used only when its meta matches exactly.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { FeatureStats, featureStats } from '../frechet/featureStats';
import { encodeNpy, parseNpy } from '../io/npyFormat';
import { Extracted } from '../extractors/types';

export interface ReferenceEntry {
  extracted: Extracted;
  stats: FeatureStats;
  fromCache: boolean;
}

export function cacheKey(parts: Record<string, string>): string {
  return crypto.createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}

export function readCached(dir: string, meta: Record<string, string>): ReferenceEntry | null {
  const metaFile = path.join(dir, 'meta.json');
  if (!fs.existsSync(metaFile)) return null;
  if (fs.readFileSync(metaFile, 'utf8') !== JSON.stringify(meta)) return null;
  const read = (name: string) => parseNpy(fs.readFileSync(path.join(dir, name)), path.join(dir, name));
  const f = read('features.npy');
  const mu = read('mu.npy');
  const sigma = read('sigma.npy');
  const [count, dim] = f.shape;
  const logitsFile = path.join(dir, 'logits.npy');
  const logits = fs.existsSync(logitsFile) ? Float32Array.from(read('logits.npy').data) : undefined;
  return {
    extracted: { count, features: Float32Array.from(f.data), logits },
    stats: { dim, count, mean: mu.data, cov: { n: dim, data: sigma.data } },
    fromCache: true,
  };
}

export function writeCached(dir: string, meta: Record<string, string>, extracted: Extracted, stats: FeatureStats, classes: number): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'features.npy'), encodeNpy([extracted.count, stats.dim], extracted.features));
  if (extracted.logits) fs.writeFileSync(path.join(dir, 'logits.npy'), encodeNpy([extracted.count, classes], extracted.logits));
  fs.writeFileSync(path.join(dir, 'mu.npy'), encodeNpy([stats.dim], stats.mean));
  fs.writeFileSync(path.join(dir, 'sigma.npy'), encodeNpy([stats.dim, stats.dim], stats.cov.data));
  fs.writeFileSync(path.join(dir, 'meta.json'), JSON.stringify(meta)); // last: marks the entry complete
}

export function statsOf(extracted: Extracted, dim: number): FeatureStats {
  return featureStats({ count: extracted.count, dim, data: extracted.features });
}

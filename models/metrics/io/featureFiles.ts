// Loading features or statistics from disk for the Fréchet distance:
//   .f32  raw float32 little-endian [N, D] (D given by the caller)
//   .npy  an [N, D] array
//   .npz  either pytorch-fid statistics (arrays `mu` [D] and `sigma` [D, D]) or one [N, D]
//         array (named `features`, `feats`, `arr_0`, or the only array in the archive)
import * as fs from 'fs';
import * as path from 'path';
import { FeatureSet, FeatureStats, featureStats } from '../frechet/featureStats';
import { NpyArray, parseNpy, parseNpz } from './npyFormat';

export type LoadedFeatures = { kind: 'features'; features: FeatureSet } | { kind: 'stats'; stats: FeatureStats };

export function readRawFloat32(file: string, dim: number): FeatureSet {
  if (!Number.isInteger(dim) || dim < 1) throw new Error(`${file}: raw .f32 features need --dim D (a positive integer), got ${dim}`);
  const buf = fs.readFileSync(file);
  if (buf.length % (4 * dim) !== 0) throw new Error(`${file}: ${buf.length} bytes is not a whole number of float32 rows of ${dim} values (${4 * dim} bytes each)`);
  const data = new Float32Array(buf.length / 4);
  for (let i = 0; i < data.length; i++) data[i] = buf.readFloatLE(i * 4);
  return { count: data.length / dim, dim, data };
}

function arrayAsFeatures(a: NpyArray, source: string, dim?: number): FeatureSet {
  if (a.shape.length !== 2) throw new Error(`${source}: expected a 2-D [N, D] feature array, got shape [${a.shape}]`);
  const [count, d] = a.shape;
  if (dim !== undefined && d !== dim) throw new Error(`${source}: features have D=${d} but --dim ${dim} was given`);
  return { count, dim: d, data: a.data };
}

function statsFromArrays(mu: NpyArray, sigma: NpyArray, source: string, dim?: number): FeatureStats {
  const d = mu.shape.reduce((x, y) => x * y, 1);
  if (sigma.shape.length !== 2 || sigma.shape[0] !== d || sigma.shape[1] !== d) {
    throw new Error(`${source}: mu has ${d} values, so sigma must be [${d}, ${d}], got [${sigma.shape}]`);
  }
  if (dim !== undefined && d !== dim) throw new Error(`${source}: statistics have D=${d} but --dim ${dim} was given`);
  return { dim: d, count: 0, mean: mu.data, cov: { n: d, data: sigma.data } };
}

/** Refuses NaN and ±Infinity, naming the file, the row (features) or the array and the entry. */
function checkFinite(loaded: LoadedFeatures, source: string): LoadedFeatures {
  const firstBad = (a: ArrayLike<number>) => {
    for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
    return -1;
  };
  if (loaded.kind === 'features') {
    const { count, dim, data } = loaded.features;
    const i = firstBad(data);
    if (i >= 0) throw new Error(`${source}: row ${Math.floor(i / dim)} of ${count} (0-based), value ${i % dim} of ${dim} is ${data[i]}: features must be finite numbers`);
  } else {
    const { mean, cov } = loaded.stats;
    const m = firstBad(mean);
    if (m >= 0) throw new Error(`${source}: mu[${m}] is ${mean[m]}: statistics must be finite numbers`);
    const c = firstBad(cov.data);
    if (c >= 0) throw new Error(`${source}: sigma[${Math.floor(c / cov.n)}, ${c % cov.n}] is ${cov.data[c]}: statistics must be finite numbers`);
  }
  return loaded;
}

export function loadFeaturesOrStats(file: string, dim?: number): LoadedFeatures {
  return checkFinite(readFeaturesOrStats(file, dim), file);
}

function readFeaturesOrStats(file: string, dim?: number): LoadedFeatures {
  const ext = path.extname(file).toLowerCase();
  if (!fs.existsSync(file)) throw new Error(`feature file not found: ${file}`);
  if (ext === '.npy') return { kind: 'features', features: arrayAsFeatures(parseNpy(fs.readFileSync(file), file), file, dim) };
  if (ext === '.npz') {
    const arrays = parseNpz(fs.readFileSync(file), file);
    const mu = arrays.get('mu');
    const sigma = arrays.get('sigma');
    if (mu && sigma) return { kind: 'stats', stats: statsFromArrays(mu, sigma, file, dim) };
    const named = arrays.get('features') ?? arrays.get('feats') ?? arrays.get('arr_0') ?? (arrays.size === 1 ? [...arrays.values()][0] : undefined);
    if (!named) throw new Error(`${file}: expected arrays 'mu' and 'sigma', or one feature array, found [${[...arrays.keys()].join(', ')}]`);
    return { kind: 'features', features: arrayAsFeatures(named, file, dim) };
  }
  if (dim === undefined) throw new Error(`${file}: raw float32 features need the dimension (--dim D)`);
  return { kind: 'features', features: readRawFloat32(file, dim) };
}

/** Statistics of a file: computed from features, or read directly from a stats .npz. */
export function loadStats(file: string, dim?: number): FeatureStats {
  const loaded = loadFeaturesOrStats(file, dim);
  if (loaded.kind === 'stats') return loaded.stats;
  const n = loaded.features.count;
  if (n < 2) throw new Error(`${file}: ${n} feature row(s); the Fréchet distance needs at least 2 rows (images) per side to estimate a covariance`);
  return featureStats(loaded.features);
}

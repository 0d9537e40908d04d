// Orderings: build the one a config and a seed call for.
export * from './types';
export * from './neighbor';
export * from './sequential';
export * from './mask';
import type { NarConfig } from '../config';
import { neighborOrdering, type SeedSpec } from './neighbor';
import { rasterOrdering } from './sequential';
import { OrderingError, type TokenOrdering } from './types';

/** Where a model's generation starts unless told otherwise: the seed it was trained from, else the corner. */
export function defaultSeed(config: Pick<NarConfig, 'trainedSeed'>): SeedSpec {
  return config.trainedSeed ?? 'corner';
}

/**
 * The ordering a model samples/trains with: raster for raster-AR models, else neighbour rings from
 * `seed` (default: defaultSeed).
 */
export function orderingFor(config: NarConfig, seed: SeedSpec = defaultSeed(config)): TokenOrdering {
  if (config.ordering === 'raster') {
    if (seed !== 'corner') throw new OrderingError(`a raster-AR model always starts at the corner; seed ${JSON.stringify(seed)} is not possible`);
    return rasterOrdering(config.grid);
  }
  return neighborOrdering(config.grid, seed, config.heads);
}

// Orderings: build the one a config and a seed call for.
export * from './types';
export * from './neighbor';
export * from './sequential';
export * from './mask';
import type { NarConfig } from '../config';
import { neighborOrdering, type SeedSpec } from './neighbor';
import { rasterOrdering } from './sequential';
import { OrderingError, type TokenOrdering } from './types';

/** The ordering a model samples/trains with: raster for raster-AR models, else neighbour rings from `seed`. */
export function orderingFor(config: NarConfig, seed: SeedSpec = 'corner'): TokenOrdering {
  if (config.ordering === 'raster') {
    if (seed !== 'corner') throw new OrderingError(`a raster-AR model always starts at the corner; seed ${JSON.stringify(seed)} is not possible`);
    return rasterOrdering(config.grid);
  }
  return neighborOrdering(config.grid, seed, config.heads);
}

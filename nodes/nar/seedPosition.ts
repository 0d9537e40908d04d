// The sampler's seed position: 'auto' (where the model was trained from), a preset ('corner',
// 'center'/'centre') or grid coordinates ("r,c" for images, "t,r,c" for videos), checked against
// the model's grid and heads.
import type { NarConfig, SeedSpec } from '../../models/nar';
import { defaultSeed, orderingFor, type TokenOrdering } from '../../models/nar/ordering';
import { parseSeedSpec } from '../../models/nar/ordering/neighbor';
import { NodeInputError } from '../../server/engine/nodeApi';

/** 'auto' is the model's trainedSeed (the corner when it has none). */
export function parseSeedPosition(text: string, config: Pick<NarConfig, 'grid' | 'trainedSeed'>): SeedSpec {
  if (text.trim().toLowerCase() === 'auto') return defaultSeed(config);
  try {
    return parseSeedSpec(text, config.grid);
  } catch (e) {
    throw new NodeInputError(`seed_position ${(e as Error).message}`);
  }
}

/** The decoding order from this seed; throws a NodeInputError when the model has no heads for it. */
export function checkSeedPosition(config: NarConfig, seed: SeedSpec, text: string): TokenOrdering {
  try {
    return orderingFor(config, seed);
  } catch (e) {
    throw new NodeInputError(`seed_position '${text}' cannot be sampled by this model: ${(e as Error).message}`);
  }
}

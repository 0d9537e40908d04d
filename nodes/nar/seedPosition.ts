// The sampler's seed position: a preset ('corner', 'center'/'centre') or grid coordinates
// ("r,c" for images, "t,r,c" for videos), checked against the model's grid and heads.
import type { NarConfig, SeedSpec } from '../../models/nar';
import { orderingFor } from '../../models/nar/ordering';
import { NodeInputError } from '../../server/engine/nodeApi';

export function parseSeedPosition(text: string, grid: readonly number[]): SeedSpec {
  const t = text.trim().toLowerCase();
  if (t === '' || t === 'corner') return 'corner';
  if (t === 'center' || t === 'centre') return 'center';
  const parts = t.split(/[\s,]+/).filter(Boolean);
  const coords = parts.map(Number);
  const example = grid.length === 3 ? '"t,r,c" such as "0,2,2"' : '"r,c" such as "4,4"';
  if (coords.some((c) => !Number.isInteger(c))) {
    throw new NodeInputError(`seed_position '${text}' is not 'corner', 'center' or integer coordinates ${example}`);
  }
  if (coords.length !== grid.length) {
    throw new NodeInputError(`seed_position '${text}' has ${coords.length} coordinates; the model's grid [${grid.join('×')}] needs ${grid.length} (${example})`);
  }
  coords.forEach((c, a) => {
    if (c < 0 || c >= grid[a]) throw new NodeInputError(`seed_position '${text}': coordinate ${a} = ${c} is outside 0..${grid[a] - 1} of the grid [${grid.join('×')}]`);
  });
  return coords;
}

/** Forward passes for this seed; throws a NodeInputError when the model has no heads for it. */
export function checkSeedPosition(config: NarConfig, seed: SeedSpec, text: string): number {
  try {
    return orderingFor(config, seed).steps.length;
  } catch (e) {
    throw new NodeInputError(`seed_position '${text}' cannot be sampled by this model: ${(e as Error).message}`);
  }
}

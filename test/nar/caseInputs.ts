// Fixture case → library inputs.
import type { SampleCondition } from '../../models/nar';
import type { ConditionInput } from '../../models/nar/network/transformer';
import type { NarCase } from './fixtures';

export function sampleCondition(fx: NarCase): SampleCondition {
  if (typeof fx.train.cond[0] === 'number') return { kind: 'class', classIds: fx.train.cond as number[] };
  return {
    kind: 'text',
    features: Float32Array.from((fx.train.cond as number[][][]).flat(2)),
    mask: fx.emb_masks ? Float32Array.from(fx.emb_masks.flat()) : undefined,
  };
}

/** The training condition (no padding: the fixtures' train case has none). */
export function trainingCondition(fx: NarCase): ConditionInput {
  if (typeof fx.train.cond[0] === 'number') return { kind: 'class', classIds: Int32Array.from(fx.train.cond as number[]) };
  return { kind: 'text', features: Float32Array.from((fx.train.cond as number[][][]).flat(2)) };
}

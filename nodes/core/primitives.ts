// Constant sources: Int, Float, String, Seed.
import { defineNode } from '../../server/engine/nodeApi';

export const PrimitiveInt = defineNode({
  type: 'PrimitiveInt',
  displayName: 'Int',
  category: 'primitives',
  description: 'An integer constant.',
  inputs: { value: { type: 'INT', default: 0, min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER, step: 1 } },
  outputs: [{ name: 'INT', type: 'INT' }],
  async execute(inputs) {
    return { outputs: [inputs.value] };
  },
});

export const PrimitiveFloat = defineNode({
  type: 'PrimitiveFloat',
  displayName: 'Float',
  category: 'primitives',
  description: 'A floating-point constant.',
  inputs: { value: { type: 'FLOAT', default: 0, step: 0.01 } },
  outputs: [{ name: 'FLOAT', type: 'FLOAT' }],
  async execute(inputs) {
    return { outputs: [inputs.value] };
  },
});

export const PrimitiveString = defineNode({
  type: 'PrimitiveString',
  displayName: 'String',
  category: 'primitives',
  description: 'A text constant.',
  inputs: { value: { type: 'STRING', default: '', multiline: true } },
  outputs: [{ name: 'STRING', type: 'STRING' }],
  async execute(inputs) {
    return { outputs: [inputs.value] };
  },
});

export const Seed = defineNode({
  type: 'Seed',
  displayName: 'Seed',
  category: 'primitives',
  description: 'A random seed; the editor can randomise it after each queue.',
  inputs: { seed: { type: 'INT', default: 0, min: 0, max: 2 ** 53 - 1, seed: true } },
  outputs: [{ name: 'INT', type: 'INT' }],
  async execute(inputs) {
    return { outputs: [inputs.seed] };
  },
});

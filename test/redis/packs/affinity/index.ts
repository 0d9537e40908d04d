// A node pack for the scale-out tests: a "model" loader (slow to load, kept in the worker's cache)
// and a node that uses the model. Loaded by worker processes through --plugins test/redis/packs.
import { abortableDelay } from '../../../../nodes/core/slowCounter';
import type { NodePack } from '../../../../server/engine/nodeApi';

export interface TestModel {
  name: string;
  pid: number;
}

export const pack: NodePack = {
  name: 'affinity',
  nodes: [
    {
      type: 'TestModelLoader',
      displayName: 'Test Model Loader',
      category: 'test',
      description: 'pretends to load a weights file (waits load_ms)',
      inputs: { model_name: { type: 'STRING', default: 'alpha.bin' }, load_ms: { type: 'INT', default: 200, min: 0, max: 10000 } },
      outputs: [{ name: 'MODEL', type: 'TEST_MODEL' }],
      async execute(inputs, ctx) {
        await abortableDelay(inputs.load_ms as number, ctx.signal);
        const model: TestModel = { name: String(inputs.model_name), pid: process.pid };
        return { outputs: [model] };
      },
    },
    {
      type: 'TestModelRun',
      displayName: 'Test Model Run',
      category: 'test',
      description: 'uses a loaded test model; shows which process loaded it',
      inputs: { model: { type: 'TEST_MODEL', kind: 'link' }, seed: { type: 'INT', default: 0, min: 0, max: 1000000 } },
      outputs: [],
      outputNode: true,
      async execute(inputs, ctx) {
        await abortableDelay(20, ctx.signal);
        const m = inputs.model as TestModel;
        return { outputs: [], ui: { text: [`${m.name} loaded by ${m.pid}, seed ${inputs.seed}`] } };
      },
    },
  ],
};

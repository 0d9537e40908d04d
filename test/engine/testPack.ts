// A node pack for engine tests: constants, arithmetic, a sink output node, a failing node and
// a slow node, each counting its executions in a counter object owned by the test.
import { defineNode, NodePack } from '../../server/engine/nodeApi';
import { abortableDelay } from '../../nodes/core/slowCounter';

export type Counts = Record<string, number>;

export interface TestResource {
  value: number;
  disposed: boolean;
  dispose(): void;
}

export function makeTestPack(counts: Counts, files: Record<string, string> = {}): NodePack {
  const bump = (id: string) => (counts[id] = (counts[id] ?? 0) + 1);
  return {
    name: 'test',
    nodes: [
      defineNode({
        type: 'TConst',
        displayName: 'Const',
        category: 'test',
        description: 'an INT constant',
        inputs: { value: { type: 'INT', default: 0, min: -100, max: 100 } },
        outputs: [{ name: 'INT', type: 'INT' }],
        async execute(inputs, ctx) {
          bump(ctx.nodeId);
          return { outputs: [inputs.value] };
        },
      }),
      defineNode({
        type: 'TAdd',
        displayName: 'Add',
        category: 'test',
        description: 'a + b',
        inputs: { a: { type: 'INT', kind: 'link' }, b: { type: 'INT', kind: 'link', optional: true } },
        outputs: [{ name: 'INT', type: 'INT' }],
        async execute(inputs, ctx) {
          bump(ctx.nodeId);
          return { outputs: [(inputs.a as number) + ((inputs.b as number | undefined) ?? 0)] };
        },
      }),
      defineNode({
        type: 'TFile',
        displayName: 'File',
        category: 'test',
        description: 'reads a named entry of the test-owned file table; fingerprint = its content',
        inputs: { name: { type: 'COMBO', options: () => Object.keys(files) } },
        outputs: [{ name: 'INT', type: 'INT' }],
        fingerprint: (inputs) => files[String(inputs.name)] ?? '',
        async execute(inputs, ctx) {
          bump(ctx.nodeId);
          return { outputs: [Number(files[String(inputs.name)])] };
        },
      }),
      defineNode({
        type: 'TSink',
        displayName: 'Sink',
        category: 'test',
        description: 'output node showing its value',
        inputs: { value: { type: 'INT', kind: 'link' }, label: { type: 'STRING', default: '' } },
        outputs: [],
        outputNode: true,
        async execute(inputs, ctx) {
          bump(ctx.nodeId);
          return { outputs: [], ui: { text: [`${inputs.label}${inputs.value}`] } };
        },
      }),
      defineNode({
        type: 'TFail',
        displayName: 'Fail',
        category: 'test',
        description: 'throws',
        inputs: { value: { type: 'INT', kind: 'link' }, message: { type: 'STRING', default: 'boom' } },
        outputs: [{ name: 'INT', type: 'INT' }],
        async execute(inputs, ctx) {
          bump(ctx.nodeId);
          throw new Error(String(inputs.message));
        },
      }),
      defineNode({
        type: 'TSlow',
        displayName: 'Slow',
        category: 'test',
        description: 'waits steps × delay_ms, reporting progress; honours cancel',
        inputs: { value: { type: 'INT', kind: 'link' }, steps: { type: 'INT', default: 5, min: 1 }, delay_ms: { type: 'INT', default: 20, min: 0 } },
        outputs: [{ name: 'INT', type: 'INT' }],
        async execute(inputs, ctx) {
          bump(ctx.nodeId);
          for (let i = 1; i <= (inputs.steps as number); i++) {
            await abortableDelay(inputs.delay_ms as number, ctx.signal);
            ctx.progress(i, inputs.steps as number);
          }
          bump(`${ctx.nodeId}:done`);
          return { outputs: [inputs.value] };
        },
      }),
      defineNode({
        type: 'TResource',
        displayName: 'Resource',
        category: 'test',
        description: 'outputs an object with dispose() (like a loaded model); counts disposals as <id>:disposed',
        inputs: { value: { type: 'INT', default: 0, min: -100, max: 100 } },
        outputs: [{ name: 'RESOURCE', type: 'RESOURCE' }],
        async execute(inputs, ctx) {
          bump(ctx.nodeId);
          const id = ctx.nodeId;
          const resource: TestResource = { value: inputs.value as number, disposed: false, dispose: () => ((resource.disposed = true), bump(`${id}:disposed`)) };
          return { outputs: [resource] };
        },
      }),
      defineNode({
        type: 'TUseResource',
        displayName: 'Use Resource',
        category: 'test',
        description: 'output node: shows the resource value, or fails when it was disposed',
        inputs: { resource: { type: 'RESOURCE', kind: 'link' }, after: { type: 'INT', kind: 'link', optional: true } },
        outputs: [],
        outputNode: true,
        async execute(inputs, ctx) {
          bump(ctx.nodeId);
          const r = inputs.resource as TestResource;
          if (r.disposed) throw new Error('resource was disposed while in use');
          return { outputs: [], ui: { text: [`resource ${r.value}`] } };
        },
      }),
      defineNode({
        type: 'TProgress',
        displayName: 'Progress',
        category: 'test',
        description: 'reports `steps` progress events at once, with extra {loss} when asked',
        inputs: { steps: { type: 'INT', default: 10, min: 1 }, with_extra: { type: 'BOOLEAN', default: false } },
        outputs: [],
        outputNode: true,
        async execute(inputs, ctx) {
          bump(ctx.nodeId);
          const steps = inputs.steps as number;
          for (let i = 1; i <= steps; i++) ctx.progress(i, steps, undefined, inputs.with_extra ? { loss: 1 / i } : undefined);
          return { outputs: [], ui: { text: ['done'] } };
        },
      }),
    ],
  };
}

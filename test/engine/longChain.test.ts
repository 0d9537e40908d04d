// A long linear graph (ColorGradient → N × ImageInvert → PreviewImage) validates, converts both
// ways and runs: graph walks are iterative, so depth is bounded by memory, not the call stack.
import { cycleMembers, topoSort } from '../../server/engine/graph/topology';
import { validatePrompt } from '../../server/engine/graph/validate';
import { objectInfo } from '../../server/engine/registry/objectInfo';
import { apiToEditor } from '../../server/engine/workflow/apiToEditor';
import { editorToApi } from '../../server/engine/workflow/convert';
import type { ApiWorkflow } from '../../server/engine/workflow/schema';
import { invertChain } from './chains';
import { harness } from './engineHarness';

jest.setTimeout(60_000);

const h = harness();
const N = 20_000;

describe('a chain of 20000 nodes', () => {
  const chain = invertChain(N);
  const deepFirst = invertChain(N, 'n');

  it('validates', () => {
    for (const [p, last] of [[chain, String(N + 2)], [deepFirst, `n${N + 2}`]] as const) {
      const r = validatePrompt(p, h.registry, h.paths);
      expect(r.nodeErrors).toEqual({});
      expect(r.ok).toBe(true);
      expect(r.outputs).toEqual([last]);
    }
  });

  it('has no cycle members and sorts into dependency order', () => {
    const ids = Object.keys(deepFirst);
    expect(cycleMembers(deepFirst, ids)).toEqual([]);
    const { order, cyclic } = topoSort(deepFirst, ids);
    expect(cyclic).toEqual([]);
    expect(order[0]).toBe('n1');
    expect(order[N + 1]).toBe(`n${N + 2}`);
  });

  it('finds a cycle at the end of a long chain, and only its members', () => {
    const looped: ApiWorkflow = { ...deepFirst, n1: { class_type: 'ImageInvert', inputs: { image: [`n${N + 1}`, 0] } } };
    expect(cycleMembers(looped, Object.keys(looped)).sort()).toEqual(Object.keys(looped).filter((k) => k !== `n${N + 2}`).sort());
    const r = validatePrompt(looped, h.registry, h.paths);
    expect(Object.keys(r.nodeErrors)).toHaveLength(N + 1);
  });

  it('converts to the editor form, laid out by depth, and back', () => {
    const info = objectInfo(h.registry, h.paths);
    for (const p of [chain, deepFirst]) {
      const wf = apiToEditor(p, info);
      expect(wf.nodes).toHaveLength(N + 2);
      expect(wf.links).toHaveLength(N + 1);
      const xs = wf.nodes.map((n) => n.pos![0]);
      expect(Math.min(...xs.slice(0, 1000))).toBeGreaterThanOrEqual(60);
      expect(wf.nodes.find((n) => n.type === 'PreviewImage')!.pos![0]).toBe(60 + (N + 1) * 360);
      expect(wf.last_node_id).toBe(N + 2);
      const back = editorToApi(wf, info);
      expect(back.problems).toEqual([]);
      expect(Object.keys(back.prompt)).toHaveLength(N + 2);
    }
    expect(editorToApi(apiToEditor(chain, info), info).prompt).toEqual(chain);
  });

  it('converts with every invert bypassed: the preview links straight to the gradient', () => {
    const info = objectInfo(h.registry, h.paths);
    const wf = apiToEditor(chain, info);
    for (const n of wf.nodes) if (n.type === 'ImageInvert') n.mode = 4;
    const { prompt, problems } = editorToApi(wf, info);
    expect(problems).toEqual([]);
    expect(prompt).toEqual({ '1': chain['1'], [String(N + 2)]: { class_type: 'PreviewImage', inputs: { images: ['1', 0] } } });
  });

  it('runs', async () => {
    const r = await h.run(chain);
    expect(r.error).toBeUndefined();
    expect(r.status).toBe('success');
    expect(r.executed).toHaveLength(N + 2);
  });
});

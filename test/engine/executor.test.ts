import type { ApiWorkflow } from '../../server/engine/workflow/schema';
import { harness } from './engineHarness';

/** 1 → 2 (+1 → a) → 4 sink ; 3 → 5 sink, and 6 (const) feeds 2.b. */
function graph(v1: number, v3: number, v6 = 0): ApiWorkflow {
  return {
    '1': { class_type: 'TConst', inputs: { value: v1 } },
    '6': { class_type: 'TConst', inputs: { value: v6 } },
    '2': { class_type: 'TAdd', inputs: { a: ['1', 0], b: ['6', 0] } },
    '4': { class_type: 'TSink', inputs: { value: ['2', 0], label: 'sum=' } },
    '3': { class_type: 'TConst', inputs: { value: v3 } },
    '5': { class_type: 'TSink', inputs: { value: ['3', 0], label: 'c=' } },
    '7': { class_type: 'TConst', inputs: { value: 9 } }, // needed by no output: never runs
  };
}

describe('Executor', () => {
  it('runs only what outputs need, in dependency order, and reports UI results', async () => {
    const h = harness();
    const r = await h.run(graph(2, 5, 1));
    expect(r.status).toBe('success');
    expect(r.outputs['4'].text).toEqual(['sum=3']);
    expect(r.outputs['5'].text).toEqual(['c=5']);
    expect(h.counts['7']).toBeUndefined();
    const order = r.executed;
    expect(order.indexOf('1')).toBeLessThan(order.indexOf('2'));
    expect(order.indexOf('6')).toBeLessThan(order.indexOf('2'));
    expect(order.indexOf('2')).toBeLessThan(order.indexOf('4'));
    const types = r.events.map((e) => e.type);
    expect(types[0]).toBe('execution_start');
    expect(types[1]).toBe('execution_cached');
    expect(types[types.length - 1]).toBe('execution_success');
    expect(r.events.every((e) => e.data.prompt_id === 'p1')).toBe(true);
  });

  it('a cache hit sends the last preview its node showed again (a client that missed the run sees it)', async () => {
    const h = harness();
    const prompt: ApiWorkflow = {
      '1': { class_type: 'SlowCounter', inputs: { steps: 3, delay_ms: 0, preview_every: 1 } },
      '2': { class_type: 'PreviewImage', inputs: { images: ['1', 1] } },
    };
    const previews = (events: { type: string; data: unknown }[]) =>
      events.filter((e) => e.type === 'progress' && (e.data as { preview?: unknown }).preview).map((e) => e.data as { node: string; value: number; preview: { label: string; image: string } });
    const first = previews((await h.run(prompt)).events);
    expect(first.map((p) => p.preview.label)).toEqual(['1/3', '2/3', '3/3']);
    const again = await h.run(prompt);
    expect(again.cached).toContain('1');
    expect(previews(again.events)).toEqual([{ ...first[2], prompt_id: expect.any(String) }]);
  });

  it('changing one constant re-runs exactly that node and its downstream', async () => {
    const h = harness();
    await h.run(graph(1, 1));
    expect(h.counts).toEqual({ '1': 1, '6': 1, '2': 1, '4': 1, '3': 1, '5': 1 });
    const same = await h.run(graph(1, 1));
    expect(same.executed).toEqual([]);
    expect(same.cached.sort()).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(same.outputs['4'].text).toEqual(['sum=1']); // cached UI results still reported
    const changed = await h.run(graph(7, 1));
    expect(changed.executed.sort()).toEqual(['1', '2', '4']);
    expect(h.counts).toEqual({ '1': 2, '6': 1, '2': 2, '4': 2, '3': 1, '5': 1 });
    expect(changed.outputs['4'].text).toEqual(['sum=7']);
    const cachedEvent = changed.events.find((e) => e.type === 'execution_cached');
    expect(cachedEvent && 'nodes' in cachedEvent.data ? cachedEvent.data.nodes.sort() : []).toEqual(['3', '5', '6']);
  });

  it('a changed fingerprint re-runs the node that reads the file and its downstream', async () => {
    const h = harness();
    h.files.f = '10';
    const p: ApiWorkflow = {
      '1': { class_type: 'TFile', inputs: { name: 'f' } },
      '2': { class_type: 'TSink', inputs: { value: ['1', 0] } },
      '3': { class_type: 'TConst', inputs: { value: 1 } },
      '4': { class_type: 'TSink', inputs: { value: ['3', 0] } },
    };
    await h.run(p);
    h.files.f = '11';
    const r = await h.run(p);
    expect(r.executed.sort()).toEqual(['1', '2']);
    expect(r.outputs['2'].text).toEqual(['11']);
  });

  it('cancel reaches the running node through its AbortSignal', async () => {
    const h = harness();
    const abort = new AbortController();
    const p: ApiWorkflow = {
      '1': { class_type: 'TConst', inputs: { value: 1 } },
      '2': { class_type: 'TSlow', inputs: { value: ['1', 0], steps: 1000, delay_ms: 10 } },
      '3': { class_type: 'TSink', inputs: { value: ['2', 0] } },
    };
    const running = h.run(p, { signal: abort.signal });
    const t0 = Date.now();
    setTimeout(() => abort.abort(), 60);
    const r = await running;
    expect(r.status).toBe('interrupted');
    expect(Date.now() - t0).toBeLessThan(5000); // 1000 steps × 10 ms would take 10 s
    expect(h.counts['2']).toBe(1);
    expect(h.counts['2:done']).toBeUndefined();
    expect(h.counts['3']).toBeUndefined();
    const ev = r.events.find((e) => e.type === 'execution_interrupted');
    expect(ev?.data).toMatchObject({ node_id: '2' });
    expect(r.events.some((e) => e.type === 'progress')).toBe(true);
  });

  it('a failing node fails its prompt with its id, type and message; the next prompt runs', async () => {
    const h = harness();
    const bad: ApiWorkflow = {
      '1': { class_type: 'TConst', inputs: { value: 1 } },
      '2': { class_type: 'TFail', inputs: { value: ['1', 0], message: 'no luck' } },
      '3': { class_type: 'TSink', inputs: { value: ['2', 0] } },
    };
    const r = await h.run(bad);
    expect(r.status).toBe('error');
    expect(r.error).toEqual({ nodeId: '2', nodeType: 'TFail', message: 'no luck' });
    const ev = r.events.find((e) => e.type === 'execution_error');
    expect(ev?.data).toMatchObject({ node_id: '2', node_type: 'TFail', exception_message: 'no luck' });
    expect(h.counts['3']).toBeUndefined();
    const ok = await h.run(graph(1, 2));
    expect(ok.status).toBe('success');
    expect(ok.cached).toEqual(['1']); // node 1 succeeded in the failed prompt: its output stays cached
  });
});

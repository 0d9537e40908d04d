// Undo / redo steps and the tab's saved graph (pure part; the browser test drives the real canvas).
import type { EditorWorkflow } from '../../server/api/protocol';
import { ChangeTracker, comparable, readSavedGraph, SAVED_GRAPH_KEY, writeSavedGraph } from '../../ui/src/editor/changeTracker';

function graph(nodes: number[], ds?: { scale: number; offset: [number, number] }): EditorWorkflow {
  return { last_node_id: nodes.length, last_link_id: 0, nodes: nodes.map((id) => ({ id, type: 'X' })), links: [], groups: [], version: 0.4, ...(ds ? { extra: { ds, note: 'kept' } } : {}) } as unknown as EditorWorkflow;
}

/** A fake canvas: `shown` is what serialize returns; restore puts a state there. */
function harness(max?: number) {
  const state = { shown: graph([]), persisted: [] as EditorWorkflow[], restored: 0 };
  const tracker = new ChangeTracker(
    {
      serialize: () => JSON.parse(JSON.stringify(state.shown)),
      restore: (wf) => {
        state.shown = wf;
        state.restored++;
      },
      persist: (wf) => state.persisted.push(wf),
    },
    max,
  );
  return { state, tracker, ids: () => state.shown.nodes.map((n) => n.id) };
}

describe('change tracker', () => {
  it('makes each change one undo step, and undo / redo walk them', () => {
    const { state, tracker, ids } = harness();
    expect(tracker.check()).toBe(true); // the first state
    expect(tracker.canUndo).toBe(false);
    state.shown = graph([1]);
    expect(tracker.check()).toBe(true);
    expect(tracker.check()).toBe(false); // nothing new
    state.shown = graph([1, 2]);
    tracker.check();
    expect(tracker.undo()).toBe(true);
    expect(ids()).toEqual([1]);
    expect(tracker.undo()).toBe(true);
    expect(ids()).toEqual([]);
    expect(tracker.undo()).toBe(false);
    expect(tracker.redo()).toBe(true);
    expect(ids()).toEqual([1]);
    expect(tracker.canRedo).toBe(true);
    // a new edit after undo drops the redo steps
    state.shown = graph([1, 3]);
    tracker.check();
    expect(tracker.canRedo).toBe(false);
    expect(tracker.redo()).toBe(false);
    tracker.undo();
    expect(ids()).toEqual([1]);
  });

  it('tells each change with its cause: an edit, an undo or redo, or the seeds a Queue moved on', () => {
    const { state, tracker } = harness();
    const causes: string[] = [];
    tracker.onGraphChanged = (cause) => causes.push(cause);
    tracker.check(); // the first state is no change
    state.shown = graph([1]);
    tracker.check();
    state.shown = graph([1, 2]);
    tracker.check('queue');
    tracker.check('queue'); // nothing new
    tracker.undo();
    tracker.redo();
    expect(causes).toEqual(['edit', 'queue', 'undo', 'undo']);
  });

  it('counts an edit made since the last check as its own step when undoing', () => {
    const { state, tracker, ids } = harness();
    tracker.check();
    state.shown = graph([7]); // no check after the gesture
    tracker.undo();
    expect(ids()).toEqual([]);
    tracker.redo();
    expect(ids()).toEqual([7]);
  });

  it('does not count bringing a node to the front as a change', () => {
    const { state, tracker } = harness();
    state.shown = graph([1, 2, 3]);
    tracker.check();
    state.shown = { ...graph([1, 2, 3]), nodes: [2, 3, 1].map((id) => ({ id, type: 'X' })) } as unknown as EditorWorkflow;
    expect(tracker.check()).toBe(false);
    state.shown = { ...graph([1, 2, 3]), nodes: [{ id: 2, type: 'X' }, { id: 3, type: 'Y' }, { id: 1, type: 'X' }] } as unknown as EditorWorkflow;
    expect(tracker.check()).toBe(true);
  });

  it('does not count a node growing to fit its picture as a change', () => {
    const { state, tracker } = harness();
    state.shown = { ...graph([1]), nodes: [{ id: 1, type: 'X', size: [300, 200] }] } as unknown as EditorWorkflow;
    tracker.check();
    state.shown = { ...graph([1]), nodes: [{ id: 1, type: 'X', size: [300, 520] }] } as unknown as EditorWorkflow;
    expect(tracker.check()).toBe(false);
  });

  it('does not count panning or zooming as a change', () => {
    const { state, tracker } = harness();
    state.shown = graph([1], { scale: 1, offset: [0, 0] });
    tracker.check();
    state.shown = graph([1], { scale: 2, offset: [40, -10] });
    expect(tracker.check()).toBe(false);
    expect(comparable(graph([1], { scale: 1, offset: [0, 0] }))).toBe(comparable(graph([1], { scale: 3, offset: [1, 1] })));
    expect(comparable(graph([1], { scale: 1, offset: [0, 0] }))).not.toBe(comparable(graph([2], { scale: 1, offset: [0, 0] })));
  });

  it('keeps at most the configured number of steps', () => {
    const { state, tracker, ids } = harness(3);
    for (let n = 0; n <= 6; n++) {
      state.shown = graph(Array.from({ length: n }, (_, i) => i + 1));
      tracker.check();
    }
    let steps = 0;
    while (tracker.undo()) steps++;
    expect(steps).toBe(3);
    expect(ids()).toEqual([1, 2, 3]);
  });

  it('persists every new state, and again on request', () => {
    const { state, tracker } = harness();
    tracker.check();
    state.shown = graph([1]);
    tracker.check();
    tracker.check();
    expect(state.persisted.map((w) => w.nodes.length)).toEqual([0, 1]);
    tracker.undo();
    expect(state.persisted.map((w) => w.nodes.length)).toEqual([0, 1, 0]);
    tracker.persistCurrent();
    expect(state.persisted).toHaveLength(4);
  });
});

describe('saved graph', () => {
  function memory(): Storage & { data: Map<string, string> } {
    const data = new Map<string, string>();
    return { data, getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v) } as unknown as Storage & { data: Map<string, string> };
  }

  it('reads back what it wrote', () => {
    const store = memory();
    expect(readSavedGraph(store)).toBeNull();
    expect(writeSavedGraph(store, { name: 'mine', workflow: graph([4]) })).toBe(true);
    expect(readSavedGraph(store)).toEqual({ name: 'mine', workflow: graph([4]) });
  });

  it('treats unreadable or foreign data as no saved graph', () => {
    const store = memory();
    for (const raw of ['{', '"x"', '{"name":"a"}', '{"name":"a","workflow":{"1":{"class_type":"X"}}}', '{"name":3,"workflow":{"nodes":[]}}']) {
      store.data.set(SAVED_GRAPH_KEY, raw);
      expect(readSavedGraph(store)).toBeNull();
    }
  });

  it('reports a storage that refuses the write', () => {
    const full = {
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    expect(writeSavedGraph(full, { name: 'a', workflow: graph([]) })).toBe(false);
  });
});

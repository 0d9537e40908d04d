// The queue panel's pure part: rows from /api/queue and /api/history answers, durations, times,
// and the toolbar's batch count.
import type { HistoryEntry, QueueItem, QueueResponse } from '../../server/api/protocol';
import { clampBatch, MAX_BATCH } from '../../ui/src/editor/app';
import { backendSummary, formatDuration, formatFinished, tabTitle } from '../../ui/src/format';
import { historyRows, nextLive, queueRows, workflowOf } from '../../ui/src/panels/queueModel';

const editorForm = { last_node_id: 1, last_link_id: 0, nodes: [{ id: 1, type: 'X' }], links: [], groups: [], version: 0.4 };

function item(number: number, id: string, withWorkflow = true): QueueItem {
  return [number, id, { '1': { class_type: 'X', inputs: {} }, '2': { class_type: 'Y', inputs: {} } }, withWorkflow ? { extra_pnginfo: { workflow: editorForm } } : {}, ['2']];
}

function entry(id: string, over: Partial<HistoryEntry> & { status_str?: HistoryEntry['status']['status_str'] } = {}): HistoryEntry {
  const status_str = over.status_str ?? 'success';
  return {
    prompt: item(0, id),
    outputs: over.outputs ?? {},
    status: over.status ?? { status_str, completed: status_str === 'success', messages: [] },
    started_at: 'started_at' in over ? over.started_at : 1000,
    finished_at: over.finished_at ?? 3500,
  };
}

describe('queue rows', () => {
  it('lists the running prompt first, then pending ones in run order', () => {
    const q: QueueResponse = { queue_running: [item(5, 'run-aaaaaaaa')], queue_pending: [item(9, 'late'), item(-1, 'front'), item(7, 'mid', false)] };
    const rows = queueRows(q);
    expect(rows.map((r) => [r.id, r.state])).toEqual([
      ['run-aaaaaaaa', 'running'],
      ['front', 'pending'],
      ['mid', 'pending'],
      ['late', 'pending'],
    ]);
    expect(rows[0]).toMatchObject({ short: 'run-aaaa', number: 5, nodeCount: 2 });
    expect(rows[0].workflow).toEqual(editorForm);
    expect(rows[2].workflow).toBeNull(); // no editor form stored: Load is disabled
  });

  it('names nodes by id and title, else class type', () => {
    const q: QueueResponse = { queue_running: [[0, 'r', { '4': { class_type: 'NARSampler', inputs: {}, _meta: { title: 'Sampler A' } }, '5': { class_type: 'SaveImage', inputs: {} } }, {}, ['5']]], queue_pending: [] };
    expect(queueRows(q)[0].nodeLabels).toEqual({ '4': '4 Sampler A', '5': '5 SaveImage' });
  });

  it('follows the running prompt’s node and progress, and forgets it when it ends', () => {
    let live = nextLive(null, { type: 'execution_start', data: { prompt_id: 'a' } });
    expect(live).toEqual({ promptId: 'a', node: null, value: 0, max: 0 });
    live = nextLive(live, { type: 'executing', data: { prompt_id: 'a', node: '4' } });
    live = nextLive(live, { type: 'progress', data: { prompt_id: 'a', node: '4', value: 3, max: 15 } });
    expect(live).toEqual({ promptId: 'a', node: '4', value: 3, max: 15 });
    expect(nextLive(live, { type: 'executed', data: { prompt_id: 'a', node: '4' } })).toBe(live);
    expect(nextLive(live, { type: 'execution_success', data: { prompt_id: 'other' } })).toBe(live); // another prompt's end
    expect(nextLive(live, { type: 'execution_interrupted', data: { prompt_id: 'a' } })).toBeNull();
  });

  it('takes a stored workflow only when it is the editor form', () => {
    expect(workflowOf([0, 'a', {}, { extra_pnginfo: { workflow: { '1': { class_type: 'X' } } } }, []])).toBeNull();
    expect(workflowOf([0, 'a', {}, { extra_pnginfo: 'nope' }, []])).toBeNull();
    expect(workflowOf(item(0, 'a'))).toEqual(editorForm);
  });
});

describe('history rows', () => {
  it('lists newest first, with duration, images in node order, texts and the failure', () => {
    const rows = historyRows({
      old: entry('old', { finished_at: 2000 }),
      failed: entry('failed', {
        finished_at: 9000,
        status: {
          status_str: 'error',
          completed: false,
          messages: [
            ['execution_start', { prompt_id: 'failed' }],
            ['execution_error', { prompt_id: 'failed', node_id: '4', node_type: 'ColorGradient', exception_message: "color_a: expected '#rrggbb'" }],
          ],
        },
      }),
      new: entry('new', {
        finished_at: 5000,
        outputs: {
          '10': { images: [{ filename: 'b.png', subfolder: 'sub', type: 'output' }] },
          '9': { images: [{ filename: 'a.png', subfolder: '', type: 'temp' }], text: ['fid 3.2'] },
        },
      }),
      unstarted: entry('unstarted', { finished_at: 1000, started_at: undefined, status_str: 'interrupted' }),
    });
    expect(rows.map((r) => r.id)).toEqual(['failed', 'new', 'old', 'unstarted']);
    expect(rows[0]).toMatchObject({ status: 'error', error: "ColorGradient failed: color_a: expected '#rrggbb'", durationMs: 8000 });
    expect(rows[1].images.map((i) => i.filename)).toEqual(['a.png', 'b.png']); // node 9 before node 10
    expect(rows[1]).toMatchObject({ texts: ['fid 3.2'], error: null, durationMs: 4000, nodeCount: 2 });
    expect(rows[3]).toMatchObject({ status: 'interrupted', durationMs: null, error: null });
  });

  it('shows an evaluation node\'s scores as one readable line, not its JSON text', () => {
    const outputs = { '9': { text: ['{"fid":87.67679934}'], table: [{ metric: 'FID-shapes', value: 87.67679934, note: 'x'.repeat(80) }, { metric: 'precision', value: 0.5, note: 'k-NN, k=3' }] }, '11': { text: ['finished'] } };
    expect(historyRows({ e: entry('e', { outputs }) })[0].texts).toEqual(['FID-shapes 87.68 · precision 0.5000  k-NN, k=3', 'finished']);
  });

  it('says "failed" for an error with no failure message', () => {
    expect(historyRows({ x: entry('x', { status_str: 'error' }) })[0].error).toBe('failed');
  });
});

describe('formatting', () => {
  it('writes durations in the unit that reads best', () => {
    expect([450, 2400, 38_200, 185_000, 3_725_000].map(formatDuration)).toEqual(['450 ms', '2.4 s', '38 s', '3 min 05 s', '1 h 02 min']);
    expect(formatDuration(-1)).toBe('?');
  });

  it('writes the clock time, with the date on another day', () => {
    const at = new Date(2026, 10, 29, 7, 5, 9).getTime();
    expect(formatFinished(at, new Date(2026, 10, 29, 23, 0, 0).getTime())).toBe('07:05:09');
    expect(formatFinished(at, new Date(2026, 10, 30, 1, 0, 0).getTime())).toBe('2026-11-29 07:05:09');
  });

  it('titles the tab with the workflow, led by the running node\'s progress and the prompts waiting', () => {
    expect(tabTitle('t2i', { running: false, progress: { value: 3, max: 4 }, queued: 0 })).toBe('t2i — narflow');
    expect(tabTitle('t2i', { running: true, progress: { value: 3, max: 4 }, queued: 1 })).toBe('[75%] t2i — narflow');
    expect(tabTitle('t2i', { running: true, progress: { value: 2, max: 3 }, queued: 3 })).toBe('[66%][3] t2i — narflow');
    expect(tabTitle('', { running: true, progress: null, queued: 0 })).toBe('[…] untitled — narflow');
    expect(tabTitle('x', { running: true, progress: { value: 9, max: 4 }, queued: 0 })).toBe('[100%] x — narflow');
  });

  it('the status line says what runs in a few words; the reason stays for the tooltip', () => {
    const cpuReason = 'auto: tfjs wasm (SIMD) backend; onnxruntime CPU execution provider (not used: webgpu: Dawn found no WebGPU adapter (needs the Vulkan loader); tfjs-node-gpu: not installed)';
    expect(backendSummary({ name: 'wasm', reason: cpuReason, choice: 'auto', ort: { providers: ['cpu'] } })).toBe('backend: wasm (auto) · onnxruntime cpu · no GPU backend loaded (hover for why)');
    expect(backendSummary({ name: 'webgpu', reason: 'auto: WebGPU on NVIDIA H200 (Dawn, tfjs-backend-webgpu); onnxruntime WebGPU execution provider', choice: 'auto', ort: { providers: ['webgpu', 'cpu'] } })).toBe(
      'backend: webgpu (auto) · onnxruntime webgpu+cpu',
    );
    expect(backendSummary({ name: 'wasm', reason: 'cpu: tfjs wasm (SIMD) backend', choice: 'cpu' })).toBe('backend: wasm (cpu)');
    expect(backendSummary({ name: 'wasm', reason: 'wasm', choice: 'wasm' })).toBe('backend: wasm');
  });

  it('keeps the batch count an integer from 1 to the maximum', () => {
    expect([3, 2.7, 0, -4, Number.NaN, 1e9].map(clampBatch)).toEqual([3, 2, 1, 1, 1, MAX_BATCH]);
  });
});

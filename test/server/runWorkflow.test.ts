// POST /api/workflows/:name/run against the real server: a saved workflow (or a shipped template)
// with inputs overridden, answered when it has run with its outputs and their URLs; validation
// problems as 400, unknown names as 404, failures named, wait: false and a short timeout as 202.
import * as fs from 'fs';
import * as path from 'path';
import { readPngText } from '../../models/image/png';
import type { ApiWorkflow } from '../../server/api/protocol';
import { apiToEditor } from '../../server/engine/workflow/apiToEditor';
import { api, slowPrompt, startTestServer, waitFor, waitForHistory, type TestServer } from './serverHarness';
import { runResult } from '../../server/http/routes/runRoutes';

jest.setTimeout(60_000);

describe('POST /api/workflows/:name/run', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer();
    const prompt = { ...slowPrompt(2, 10), '4': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'endpoint' } } } as unknown as ApiWorkflow;
    const wf = apiToEditor(prompt, srv.host.objectInfo());
    expect((await api(srv.url, '/api/workflows/gradient', { method: 'PUT', body: { workflow: wf, revision: 0 } })).status).toBe(200);
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('runs the saved workflow with the inputs set, and answers with its outputs and their URLs', async () => {
    const r = await api(srv.url, '/api/workflows/gradient/run', { body: { set: { '1.color_a': '#ff0000', '4.filename_prefix': 'endpoint/red' } } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'success', prompt_id: expect.any(String) });
    expect(r.body.error).toBeUndefined();
    const [saved] = r.body.outputs['4'].images;
    expect(saved).toMatchObject({ filename: 'red_00001_.png', subfolder: 'endpoint', type: 'output' });
    expect(saved.url).toBe('/api/view?filename=red_00001_.png&subfolder=endpoint&type=output');
    const png = Buffer.from(await (await fetch(srv.url + saved.url)).arrayBuffer());
    expect(png.equals(fs.readFileSync(path.join(srv.dataDir, 'output', 'endpoint', 'red_00001_.png')))).toBe(true);
    // the run used the override, in both forms the image carries
    const text = readPngText(png);
    expect(JSON.parse(text.prompt)['1'].inputs.color_a).toBe('#ff0000');
    expect(JSON.parse(text.workflow).nodes.find((n: { id: number }) => n.id === 1).widgets_values[2]).toBe('#ff0000');
    // the stored workflow is unchanged
    expect((await api(srv.url, '/api/workflows/gradient')).body.workflow.nodes.find((n: { id: number }) => n.id === 1).widgets_values[2]).toBe('#112233');
    expect(r.body.outputs['3'].images[0].url).toMatch(/^\/api\/view\?filename=.*&type=temp$/);
  });

  it('runs a shipped template by name', async () => {
    const r = await api(srv.url, '/api/workflows/core-demo/run', { body: { set: { '2.delay_ms': 1 } } });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('success');
    expect(r.body.outputs['4'].images[0].filename).toMatch(/^core-demo_\d+_\.png$/);
  });

  it('runs only partial_execution_targets when given', async () => {
    const r = await api(srv.url, '/api/workflows/core-demo/run', { body: { set: { '2.delay_ms': 1, '4.filename_prefix': 'only-save' }, partial_execution_targets: ['4'] } });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('success');
    expect(Object.keys(r.body.outputs)).toEqual(['4']); // Preview Image 5 did not run
    const refused = await api(srv.url, '/api/workflows/core-demo/run', { body: { partial_execution_targets: ['2'] } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/2 \(SlowCounter\) is not an output node/);
  });

  it('names a failing node', async () => {
    const r = await api(srv.url, '/api/workflows/gradient/run', { body: { set: { '1.color_a': 'red' } } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'error', error: { node_id: '1', node_type: 'ColorGradient', message: expect.stringContaining('color_a') } });
  });

  it('answers 400 with every problem per node, and for malformed requests', async () => {
    const bad = await api(srv.url, '/api/workflows/gradient/run', { body: { set: { '2.steps': 0, '1.direction': 'up' } } });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.node_errors).sort()).toEqual(['1', '2']);
    const cases: [unknown, RegExp][] = [
      [{ set: { '9.x': 1 } }, /no node 9 in the workflow/],
      [{ set: { nodot: 1 } }, /'set' expects nodeId\.input, got "nodot"/],
      [{ set: [1] }, /'set' must be an object/],
      [{ wait: 'yes' }, /'wait' must be true or false/],
      [{ timeout_s: 0 }, /'timeout_s' must be a number in/],
    ];
    for (const [body, message] of cases) {
      const r = await api(srv.url, '/api/workflows/gradient/run', { body });
      expect(r.status).toBe(400);
      expect(r.body.error.message).toMatch(message);
    }
    expect((await api(srv.url, '/api/workflows/nothing-here/run', { body: {} })).status).toBe(404);
    expect((await srv.host.queue.snapshot()).pending).toHaveLength(0); // nothing was queued by any of them
  });

  it.each([
    ['deleted', (id: string) => ({ delete: [id] })],
    ['cleared', () => ({ clear: true })],
  ])('answers 410 "deleted" at once when its prompt is %s from the queue', async (_how, edit) => {
    const blocker = await api(srv.url, '/api/prompt', { body: { prompt: slowPrompt(400, 10, '#000009') } });
    const t0 = Date.now();
    const run = api(srv.url, '/api/workflows/gradient/run', { body: { set: { '2.steps': 1 } } }); // waits up to 300 s by default
    let pending: string | undefined;
    await waitFor(async () => Boolean((pending = (await srv.host.queue.snapshot()).pending[0]?.id)), 'the run to be queued');
    expect((await api(srv.url, '/api/queue', { body: edit(pending!) })).status).toBe(200);
    const r = await run;
    expect(r.status).toBe(410);
    expect(r.body).toMatchObject({ prompt_id: pending, status: 'deleted', outputs: {}, message: expect.stringMatching(/deleted from the queue/) });
    expect(Date.now() - t0).toBeLessThan(10_000);
    await api(srv.url, '/api/interrupt', { body: { prompt_id: blocker.body.prompt_id } });
    await waitForHistory(srv.url, blocker.body.prompt_id);
  });

  it('answers 202 at once with wait: false, and after timeout_s while it still runs', async () => {
    const queued = await api(srv.url, '/api/workflows/gradient/run', { body: { wait: false, set: { '2.steps': 20, '2.delay_ms': 50 } } });
    expect(queued.status).toBe(202);
    expect(['queued', 'running']).toContain(queued.body.status);
    const slow = await api(srv.url, '/api/workflows/gradient/run', { body: { timeout_s: 0.2, set: { '2.steps': 10, '2.delay_ms': 50 } } });
    expect(slow.status).toBe(202);
    expect(['queued', 'running']).toContain(slow.body.status);
    for (const id of [queued.body.prompt_id, slow.body.prompt_id]) expect((await waitForHistory(srv.url, id)).status.status_str).toBe('success');
  });
});

describe('runResult', () => {
  it('gives every file an output lists a URL, under whatever key (Save Video as MP4 lists videos)', () => {
    const rec = {
      prompt: { id: 'p', number: 1, prompt: {}, outputs: ['3'], extra: {}, createdAt: 0 },
      status: 'success' as const,
      outputs: {
        '3': { videos: [{ filename: 'clip_00001_.mp4', subfolder: 'sv', type: 'output' }], text: ['sv/clip_00001_.mp4'] },
        '4': { images: [{ filename: 'a.png', subfolder: '', type: 'output' as const }], table: [{ fid: 1 }] },
      },
      messages: [],
      finishedAt: 1,
    };
    const out = runResult(rec, '/api/view').outputs;
    expect(out['3']).toEqual({
      videos: [{ filename: 'clip_00001_.mp4', subfolder: 'sv', type: 'output', url: '/api/view?filename=clip_00001_.mp4&subfolder=sv&type=output' }],
      text: ['sv/clip_00001_.mp4'],
    });
    expect(out['4'].images![0].url).toBe('/api/view?filename=a.png&subfolder=&type=output');
    expect(out['4'].table).toEqual([{ fid: 1 }]);
  });
});

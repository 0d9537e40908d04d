// ComfyUI-made workflow files (test/fixtures/comfyui) sent to a listening server: queued with
// POST /api/prompt {workflow}, saved with PUT /api/workflows/NAME and read back.
import * as fs from 'fs';
import * as path from 'path';
import { api, startTestServer, TestServer, waitForHistory } from './serverHarness';

const FIXTURES = path.resolve(__dirname, '../fixtures/comfyui');
const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8'));

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

it('runs a subgraph whose instances keep their widgets in properties.proxyWidgets, each with its own values', async () => {
  const res = await api(s.url, '/api/prompt', { body: { workflow: fixture('subgraph-proxy-widgets.json') } });
  expect(res.status).toBe(200);
  const entry = await waitForHistory(s.url, res.body.prompt_id);
  expect(entry.status.status_str).toBe('success');
  expect(entry.prompt[2]['5:10'].inputs).toMatchObject({ width: 7, height: 5, seed: 42 });
  expect(entry.prompt[2]['7:10'].inputs).toMatchObject({ width: ['3', 0], height: 3 });
});

it('a legacy group node answers 400, the summary naming it and what to do', async () => {
  const res = await api(s.url, '/api/prompt', { body: { workflow: fixture('group-node.json') } });
  expect(res.status).toBe(400);
  expect(res.body.error).toMatchObject({ type: 'prompt_outputs_failed_validation', message: 'prompt failed validation: 1 node(s) with errors' });
  expect(res.body.error.details).toMatch(/^node 1 \(workflow>Inverted gradient\): node 1 is a legacy ComfyUI group node 'Inverted gradient'.*convert the group node to a subgraph/);
  expect(Object.keys(res.body.node_errors)).toEqual(['1']);
});

it('saves a litegraph schema-1 workflow keeping its native reroutes (as 0.4 keeps them), floating links, models and unknown fields', async () => {
  const wf = fixture('native-reroutes-v1.json');
  expect((await api(s.url, '/api/workflows/from comfy', { method: 'PUT', body: { workflow: wf } })).status).toBe(200);
  const got = (await api(s.url, '/api/workflows/from comfy')).body.workflow;
  expect(got).toMatchObject({
    version: 0.4,
    links: [[1, 1, 0, 2, 0, 'IMAGE']],
    floatingLinks: wf.floatingLinks,
    models: wf.models,
    myTool: wf.myTool,
    extra: { ...wf.extra, reroutes: wf.reroutes, linkExtensions: [{ id: 1, parentId: 2 }] },
  });
});

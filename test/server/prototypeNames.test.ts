// Node ids, input names and type names that are Object.prototype names ("constructor",
// "__proto__", "toString"), sent to a listening server: answered as any other unknown name.
import type { ApiWorkflow } from '../../server/api/protocol';
import { apiToEditor } from '../../server/engine/workflow/apiToEditor';
import { api, slowPrompt, startTestServer, TestServer, waitForHistory } from './serverHarness';

jest.setTimeout(30_000);

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
  const wf = apiToEditor(slowPrompt(1, 1) as unknown as ApiWorkflow, s.host.objectInfo());
  expect((await api(s.url, '/api/workflows/plain', { method: 'PUT', body: { workflow: wf } })).status).toBe(200);
});
afterAll(() => s.close());

const gradient = { class_type: 'ColorGradient', inputs: { width: 4, height: 4, color_a: '#000000', color_b: '#ffffff', direction: 'vertical', noise: 0, seed: 0 } };

describe('Object.prototype names from requests', () => {
  it('POST /api/prompt: a link to "constructor" or "__proto__" is a link to a node not in the workflow (400, not 500)', async () => {
    for (const src of ['constructor', '__proto__', 'toString']) {
      const r = await api(s.url, '/api/prompt', { body: { prompt: { '1': { class_type: 'PreviewImage', inputs: { images: [src, 0] } } } } });
      expect(r.status).toBe(400);
      expect(r.body.node_errors['1'].errors[0]).toMatchObject({ type: 'bad_link', message: `input 'images' links to node ${src}, which is not in the workflow` });
    }
  });

  it('POST /api/prompt: a node with id "__proto__" is kept, runs, and has its outputs under that id', async () => {
    const raw = `{"prompt": {"__proto__": ${JSON.stringify(gradient)}, "constructor": {"class_type": "PreviewImage", "inputs": {"images": ["__proto__", 0]}}}}`;
    const r = await api(s.url, '/api/prompt', { method: 'POST', raw, headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(200);
    const entry = await waitForHistory(s.url, r.body.prompt_id);
    expect(entry.status.status_str).toBe('success');
    expect(Object.keys(entry.prompt[2]).sort()).toEqual(['__proto__', 'constructor']);
    expect(Object.keys(entry.outputs)).toEqual(['constructor']);
    const bad = await api(s.url, '/api/prompt', { method: 'POST', raw: '{"prompt": {"__proto__": {"class_type": "Nope", "inputs": {}}, "constructor": {"class_type": "Nope", "inputs": {}}}}', headers: { 'content-type': 'application/json' } });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.node_errors).sort()).toEqual(['__proto__', 'constructor']);
  });

  it('POST /api/workflows/NAME/run: set on node "constructor" or "__proto__" answers 400 "no node"', async () => {
    for (const target of ['constructor.x', '__proto__.x', 'toString.width']) {
      const raw = `{"set": {${JSON.stringify(target)}: 1}}`;
      const r = await api(s.url, '/api/workflows/plain/run', { method: 'POST', raw, headers: { 'content-type': 'application/json' } });
      expect(r.status).toBe(400);
      expect(r.body.error.message).toMatch(new RegExp(`no node ${target.split('.')[0]} in the workflow`));
    }
    const proto = await api(s.url, '/api/workflows/plain/run', { method: 'POST', raw: '{"set": {"1.__proto__": 1, "1.constructor": 2}}', headers: { 'content-type': 'application/json' } });
    expect(proto.status).toBe(400);
    expect(proto.body.node_errors['1'].errors.map((e: { input_name: string }) => e.input_name).sort()).toEqual(['__proto__', 'constructor']);
  });

  it('GET /api/object_info/constructor is 404 like any unknown type', async () => {
    expect((await api(s.url, '/api/object_info/constructor')).status).toBe(404);
  });
});

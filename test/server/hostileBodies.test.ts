// Request bodies built to hurt (nesting a few bytes per level) and what a failure tells the client,
// on real servers.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Logger } from '../../server/engine/nodeApi';
import { createHost } from '../../server/host/host';
import { hostConfig } from '../../server/host/hostConfig';
import { MAX_JSON_DEPTH } from '../../server/http/jsonBody';
import { startServer } from '../../server/http/server';
import { makeTestPack } from '../engine/testPack';
import { api, slowPrompt, startTestServer, TestServer } from './serverHarness';

/** `levels` arrays inside each other, as JSON text. */
const nested = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

describe('deeply nested bodies', () => {
  let s: TestServer;
  beforeAll(async () => (s = await startTestServer()));
  afterAll(() => s.close());

  const deep = nested(100_000); // 200 KB
  const send = (route: string, text: string, method = 'POST') => api(s.url, route, { method, raw: text, headers: { 'content-type': 'application/json' } });

  it.each([
    ['a prompt input', '/api/prompt', 'POST', `{"prompt":{"1":{"class_type":"PreviewImage","inputs":{"images":${deep}}}}}`],
    ['extra_data of a valid prompt', '/prompt', 'POST', `{"prompt":${JSON.stringify(slowPrompt(1, 1))},"extra_data":{"x":${deep}}}`],
    ['a saved workflow', '/api/workflows/deep', 'PUT', `{"workflow":{"nodes":${deep}}}`],
    ['a run override', '/api/workflows/core-demo/run', 'POST', `{"set":{"1.width":${deep}},"wait":false}`],
  ])('%s is refused with 400 naming the limit, and nothing is queued or saved', async (_what, route, method, body) => {
    const r = await send(route, body, method);
    expect([r.status, r.body.error?.type]).toEqual([400, 'bad_request']);
    expect(r.body.error.message).toBe(`the request body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep`);
    const snap = await s.host.queue.snapshot();
    expect(snap.pending.length + snap.running.length).toBe(0);
    expect((await api(s.url, '/api/workflows')).body.workflows).toEqual([]);
  });

  it(`takes a body nesting ${MAX_JSON_DEPTH} levels`, async () => {
    const r = await send('/api/prompt', `{"prompt":${JSON.stringify(slowPrompt(1, 1))},"extra_data":{"x":${nested(MAX_JSON_DEPTH - 2)}}}`);
    expect(r.status).toBe(200);
  });
});

describe('an internal error', () => {
  it('tells the client a reference to the log, not the message that names the server files', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-internal-'));
    fs.mkdirSync(path.join(root, 'workflows'));
    fs.writeFileSync(path.join(root, 'workflows', 'broken.json'), '{ not json');
    const logged: string[] = [];
    const log: Logger = { info: () => undefined, warn: () => undefined, error: (m) => logged.push(m) };
    const host = createHost(hostConfig({ root, dataDir: root, extraPacks: [makeTestPack({})], log }));
    const server = await startServer(host, { port: 0, ui: { reason: 'not built in tests' } });
    try {
      // the list still answers, the broken one without a description
      const list = await api(server.url, '/api/workflow_templates');
      expect([list.status, list.body.templates, list.body.descriptions]).toEqual([200, ['broken'], {}]);
      const r = await api(server.url, '/api/workflow_templates/broken');
      expect([r.status, r.body.error.type]).toEqual([500, 'internal_error']);
      const ref = /\(ref ([0-9a-f]{8})\)$/.exec(r.body.error.message)?.[1];
      expect(r.body.error.message).toBe(`internal error; the server's log has the details (ref ${ref})`);
      expect(JSON.stringify(r.body)).not.toContain(root);
      expect(logged.find((l) => l.includes(`ref ${ref}`))).toContain(path.join(root, 'workflows', 'broken.json'));
    } finally {
      await server.close();
      await host.close();
    }
  });
});

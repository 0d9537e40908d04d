// JSON bodies on a listening server, as ComfyUI clients send them: whatever the Content-Type
// (urllib's form-urlencoded, fetch's text/plain), a client-chosen prompt_id, and clear 400s for
// bodies that are not JSON objects.
import { api, slowPrompt, startTestServer, TestServer, waitForHistory } from './serverHarness';

jest.setTimeout(30_000);

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

const post = (route: string, raw: string | Buffer, contentType?: string) => api(s.url, route, { method: 'POST', raw: raw as BodyInit, headers: contentType ? { 'content-type': contentType } : {} });

describe('JSON bodies whatever the Content-Type', () => {
  it.each([
    ['application/x-www-form-urlencoded', '/prompt'], // urllib.request.Request(url, data=json.dumps(p).encode())
    ['text/plain;charset=UTF-8', '/api/prompt'], // fetch(url, {method: 'POST', body: JSON.stringify(p)})
    [undefined, '/api/prompt'], // bytes with no Content-Type at all
  ])('queues and runs a prompt posted as %s to %s', async (contentType, route) => {
    const json = JSON.stringify({ prompt: slowPrompt(1, 1) });
    const r = await post(route, contentType ? json : Buffer.from(json), contentType);
    expect(r.status).toBe(200);
    expect((await waitForHistory(s.url, r.body.prompt_id)).status.status_str).toBe('success');
  });

  it('reads other JSON routes the same way', async () => {
    const r = await post('/api/queue', JSON.stringify({ delete: ['nope'] }), 'application/x-www-form-urlencoded');
    expect(r.body).toEqual({ ok: true, cleared: 0, deleted: [] });
    const bad = await post('/api/queue', JSON.stringify({ delete: 'nope' }), 'text/plain');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/'delete' must be an array/);
  });

  it('keeps the body limit', async () => {
    const r = await post('/api/prompt', JSON.stringify({ prompt: {}, pad: 'x'.repeat(9 * 1024 * 1024) }), 'text/plain');
    expect(r.status).toBe(413);
  });

  it('answers 400 naming what was expected for JSON that is not an object, and for what is not JSON', async () => {
    for (const raw of ['null', '[]', '3', '"x"']) {
      const r = await post('/api/prompt', raw, 'application/json');
      expect(r.status).toBe(400);
      expect(r.body.error.message).toMatch(/the request body must be a JSON object/);
    }
    const form = await post('/prompt', 'prompt=1', 'application/x-www-form-urlencoded');
    expect(form.status).toBe(400);
    expect(form.body.error.message).toMatch(/the request body is not JSON/);
  });
});

describe('a client-chosen prompt_id', () => {
  it('is used when it is free, and refused naming it when it is taken or malformed', async () => {
    const r = await api(s.url, '/prompt', { body: { prompt: slowPrompt(1, 1), prompt_id: 'my-id-1' } });
    expect(r.status).toBe(200);
    expect(r.body.prompt_id).toBe('my-id-1');
    expect((await waitForHistory(s.url, 'my-id-1')).status.status_str).toBe('success');
    const again = await api(s.url, '/prompt', { body: { prompt: slowPrompt(1, 1), prompt_id: 'my-id-1' } });
    expect(again.status).toBe(400);
    expect(again.body.error.message).toMatch(/'prompt_id' "my-id-1" is already used/);
    for (const bad of ['', 5, 'a\nb', '12', 'a:b']) {
      const r2 = await api(s.url, '/prompt', { body: { prompt: slowPrompt(1, 1), prompt_id: bad } });
      expect(r2.status).toBe(400);
      expect(r2.body.error.message).toMatch(/'prompt_id' must be a string/);
    }
    expect((await s.host.queue.snapshot()).pending).toHaveLength(0);
  });

  it('is refused while the prompt with that id is still queued', async () => {
    const first = await api(s.url, '/prompt', { body: { prompt: slowPrompt(50, 10), prompt_id: 'busy' } });
    expect(first.status).toBe(200);
    const second = await api(s.url, '/prompt', { body: { prompt: slowPrompt(1, 1), prompt_id: 'busy' } });
    expect(second.status).toBe(400);
    await api(s.url, '/api/interrupt', { body: {} });
    await waitForHistory(s.url, 'busy');
  });
});

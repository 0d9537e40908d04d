// A server without a token listens on loopback only, but any web page the user opens can reach
// loopback: these tests send what a browser sends for such a page (Origin, Sec-Fetch-Site, a
// rebound Host) to real servers over real HTTP and WebSockets.
import * as http from 'http';
import { io as ioClient } from 'socket.io-client';
import { WebSocket } from 'ws';
import { SOCKET_PATH } from '../../server/api/protocol';
import { slowPrompt, startTestServer, TestServer } from './serverHarness';

interface RawResponse {
  status: number;
  body: any;
}

/** One request with exactly these headers (fetch would not let a test set Host). */
function raw(url: string, route: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawResponse> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: route, method: opts.method ?? 'GET', headers: opts.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          /* not JSON */
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** What a page's fetch(url, {method: 'POST', body: JSON.stringify(...)}) sends: text/plain, no preflight. */
function postPrompt(s: TestServer, route: string, headers: Record<string, string>): Promise<RawResponse> {
  return raw(s.url, route, { method: 'POST', headers: { 'content-type': 'text/plain;charset=UTF-8', ...headers }, body: JSON.stringify({ prompt: slowPrompt(1, 1) }) });
}

async function queuedCount(s: TestServer): Promise<number> {
  const snap = await s.host.queue.snapshot();
  return snap.pending.length + snap.running.length + (await s.host.queue.history()).length;
}

/** Opens ComfyUI's /ws with these headers: 'open', or the refusal's status and body. */
function openWs(url: string, headers: Record<string, string>, query = ''): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws${query}`, { headers });
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(`${res.statusCode} ${Buffer.concat(chunks).toString('utf8')}`));
    });
    ws.on('error', (e) => resolve(`error ${e.message}`));
  });
}

/** Connects socket.io (WebSocket transport) with these headers: 'connected' or the error. */
function openSocketIo(url: string, headers: Record<string, string>, token?: string): Promise<string> {
  const socket = ioClient(url, { path: SOCKET_PATH, transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: headers, auth: token ? { token } : {} });
  return new Promise((resolve) => {
    socket.once('connect', () => {
      socket.close();
      resolve('connected');
    });
    socket.once('connect_error', (e) => {
      socket.close();
      resolve(`refused: ${e.message} ${JSON.stringify((e as { context?: unknown }).context ?? '')}`);
    });
  });
}

describe('a server without a token refuses pages of other sites', () => {
  let s: TestServer;
  let own: string;
  beforeAll(async () => {
    s = await startTestServer();
    own = new URL(s.url).host;
  });
  afterAll(() => s.close());

  it.each(['/api/prompt', '/prompt'])('a cross-origin text/plain POST %s is refused with 403 and queues nothing', async (route) => {
    const before = await queuedCount(s);
    const r = await postPrompt(s, route, { host: own, origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' });
    expect(r.status).toBe(403);
    expect(r.body.error.type).toBe('forbidden');
    expect(r.body.error.message).toContain('Origin "http://evil.example" is not this server\'s');
    expect(r.body.error.message).toContain('--token');
    expect(await queuedCount(s)).toBe(before);
  });

  it('refuses an opaque origin (sandboxed frame, file://) and Sec-Fetch-Site: cross-site without an Origin', async () => {
    expect((await postPrompt(s, '/api/prompt', { host: own, origin: 'null' })).status).toBe(403);
    // another port of localhost is another origin too
    expect((await postPrompt(s, '/api/prompt', { host: own, origin: 'http://127.0.0.1:1' })).status).toBe(403);
    const r = await raw(s.url, '/api/history', { headers: { host: own, 'sec-fetch-site': 'cross-site' } });
    expect(r.status).toBe(403);
    expect(r.body.error.message).toContain('Sec-Fetch-Site: cross-site');
  });

  it('refuses a rebound Host (DNS rebinding) on every route, the editor page included', async () => {
    const port = new URL(s.url).port;
    for (const route of ['/api/queue', '/history', '/api/view?filename=x.png', '/']) {
      const r = await raw(s.url, route, { headers: { host: `evil.example:${port}` } });
      expect([route, r.status]).toEqual([route, 403]);
      expect(r.body.error.message).toContain('Host "evil.example:');
      expect(r.body.error.message).toContain('answers only to localhost, 127.0.0.1 or [::1]');
    }
    // the same page then posting as "same-origin" under its rebound name
    expect((await postPrompt(s, '/api/prompt', { host: `evil.example:${port}`, origin: `http://evil.example:${port}` })).status).toBe(403);
  });

  it('takes requests from its own page and from clients that send no Origin (scripts, the CLI)', async () => {
    const port = new URL(s.url).port;
    expect((await postPrompt(s, '/api/prompt', { host: own, origin: s.url, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    expect((await postPrompt(s, '/prompt', { host: own })).status).toBe(200);
    expect((await raw(s.url, '/api/queue', { headers: { host: `localhost:${port}`, origin: `http://localhost:${port}` } })).status).toBe(200);
    expect((await raw(s.url, '/api/queue', { headers: { host: `[::1]:${port}` } })).status).toBe(200);
  });

  it("refuses ComfyUI's /ws and socket.io to another site's page, not to its own", async () => {
    expect(await openWs(s.url, { origin: 'http://evil.example' }, '?clientId=abc')).toMatch(/^403 cross-origin request refused: Origin "http:\/\/evil.example"/);
    expect(await openWs(s.url, { origin: s.url })).toBe('open');
    expect(await openWs(s.url, {})).toBe('open');
    expect(await openSocketIo(s.url, { origin: 'http://evil.example' })).toMatch(/^refused/);
    expect(await openSocketIo(s.url, { origin: s.url })).toBe('connected');
    expect(await openSocketIo(s.url, {})).toBe('connected');
  });
});

describe('a server with a token', () => {
  let s: TestServer;
  beforeAll(async () => (s = await startTestServer({ token: 'T0k' })));
  afterAll(() => s.close());

  it('answers any Host and Origin that bring the token (a reverse proxy, another site using the API), and 401 without it', async () => {
    const port = new URL(s.url).port;
    const headers = { host: `narflow.example:${port}`, origin: 'https://tools.example' };
    expect((await postPrompt(s, '/api/prompt', { ...headers, authorization: 'Bearer T0k' })).status).toBe(200);
    expect((await postPrompt(s, '/api/prompt', headers)).status).toBe(401);
    expect(await openWs(s.url, headers, '?token=T0k')).toBe('open');
    expect(await openSocketIo(s.url, headers, 'T0k')).toBe('connected');
  });
});

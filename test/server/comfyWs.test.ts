// A client written for ComfyUI against the real server: raw WebSocket at /ws?clientId=, POST
// /prompt (no /api prefix) with that client_id, JSON frames in ComfyUI's shapes ending with
// `executing` node null, previews as binary frames, /history/{id} and /view at the root; other
// clients get only status; failures and interrupts end the same way; the token guards /ws.
import WebSocket from 'ws';
import { comfyFrames, previewFrame } from '../../server/http/comfyWs';
import { api, slowPrompt, startTestServer, waitFor, type TestServer } from './serverHarness';

jest.setTimeout(60_000);

interface Recorder {
  ws: WebSocket;
  text: { type: string; data: any }[];
  binary: Buffer[];
}

function open(url: string, query: string, headers: Record<string, string> = {}): Promise<Recorder> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws${query}`, { headers });
  const rec: Recorder = { ws, text: [], binary: [] };
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) rec.binary.push(Buffer.from(data));
    else rec.text.push(JSON.parse(data.toString('utf8')));
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(rec));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade answered ${res.statusCode}`)));
  });
}

/** Waits for the message ComfyUI clients stop on: `executing` with node null for this prompt. */
function ended(rec: Recorder, promptId: string): Promise<void> {
  return waitFor(() => rec.text.some((m) => m.type === 'executing' && m.data.node === null && m.data.prompt_id === promptId), `the end of ${promptId}`);
}

describe('ComfyUI WebSocket protocol at /ws', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer();
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('runs a prompt the way ComfyUI clients do, with previews as binary frames', async () => {
    const me = await open(srv.url, '?clientId=client-a');
    const other = await open(srv.url, '?clientId=client-b');
    await waitFor(() => me.text.length > 0, 'the first status');
    expect(me.text[0]).toEqual({ type: 'status', data: { status: { exec_info: { queue_remaining: 0 } }, sid: 'client-a' } });

    const res = await fetch(`${srv.url}/prompt`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt: slowPrompt(3, 20), client_id: 'client-a' }) });
    expect(res.status).toBe(200);
    const { prompt_id: id } = (await res.json()) as { prompt_id: string };
    await ended(me, id);

    const mine = me.text.filter((m) => m.type !== 'status');
    expect(mine.map((m) => m.type)).toEqual([
      'execution_start',
      'execution_cached',
      'executing',
      'executing',
      'progress',
      'progress',
      'progress',
      'executing',
      'executed',
      'execution_success',
      'executing',
    ]);
    expect(mine.every((m) => m.data.prompt_id === id)).toBe(true);
    expect(mine.filter((m) => m.type === 'executing').map((m) => m.data.node)).toEqual(['1', '2', '3', null]);
    expect(mine.find((m) => m.type === 'executing')?.data.display_node).toBe('1');
    expect(mine.filter((m) => m.type === 'progress').map((m) => [m.data.node, m.data.value, m.data.max])).toEqual([
      ['2', 1, 3],
      ['2', 2, 3],
      ['2', 3, 3],
    ]);
    const executed = mine.find((m) => m.type === 'executed')!;
    expect(executed.data).toMatchObject({ node: '3', display_node: '3', output: { images: [expect.objectContaining({ type: 'temp' })] } });
    // one binary preview per progress step: event 1, format 2 (PNG), then the PNG itself
    expect(me.binary).toHaveLength(3);
    for (const frame of me.binary) {
      expect(frame.readUInt32BE(0)).toBe(1);
      expect(frame.readUInt32BE(4)).toBe(2);
      expect(frame.subarray(8, 12).toString('latin1')).toBe('\x89PNG');
    }
    // the other client saw status broadcasts only
    expect(other.text.every((m) => m.type === 'status')).toBe(true);
    expect(other.binary).toHaveLength(0);
    expect(me.text.some((m) => m.type === 'status' && m.data.status.exec_info.queue_remaining === 1)).toBe(true);

    // history and the image, at the root as ComfyUI serves them
    const history = await api(srv.url, `/history/${id}`);
    expect(history.body[id].status.status_str).toBe('success');
    const img = history.body[id].outputs['3'].images[0];
    const view = await fetch(`${srv.url}/view?${new URLSearchParams({ filename: img.filename, subfolder: img.subfolder, type: img.type })}`);
    expect(view.status).toBe(200);
    expect(Buffer.from(await view.arrayBuffer()).subarray(0, 4).toString('latin1')).toBe('\x89PNG');
    expect((await api(srv.url, '/object_info')).body.SlowCounter).toBeDefined();
    me.ws.close();
    other.ws.close();
  });

  it('ends a failed and an interrupted prompt with executing node null too', async () => {
    const me = await open(srv.url, '?clientId=client-c');
    const bad = slowPrompt(2, 10, 'not-a-colour');
    const failed = (await api(srv.url, '/prompt', { body: { prompt: bad, client_id: 'client-c' } })).body.prompt_id as string;
    await ended(me, failed);
    const err = me.text.find((m) => m.type === 'execution_error')!;
    expect(err.data).toMatchObject({ prompt_id: failed, node_id: '1', node_type: 'ColorGradient' });

    const slow = (await api(srv.url, '/prompt', { body: { prompt: slowPrompt(200, 50), client_id: 'client-c' } })).body.prompt_id as string;
    await waitFor(() => me.text.some((m) => m.type === 'progress' && m.data.prompt_id === slow), 'progress');
    expect((await api(srv.url, '/interrupt', { body: {} })).status).toBe(200);
    await ended(me, slow);
    expect(me.text.some((m) => m.type === 'execution_interrupted' && m.data.prompt_id === slow)).toBe(true);
    me.ws.close();
  });

  it('gives a client without a clientId one of its own', async () => {
    const anon = await open(srv.url, '');
    await waitFor(() => anon.text.length > 0, 'the first status');
    expect(anon.text[0].data.sid).toMatch(/^[0-9a-f]{32}$/);
    anon.ws.close();
  });
});

describe('/ws with a server token', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ token: 'tok' });
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('refuses the upgrade without the token and accepts it in the query or a header', async () => {
    await expect(open(srv.url, '?clientId=x')).rejects.toThrow('upgrade answered 401');
    await expect(open(srv.url, '?clientId=x&token=nope')).rejects.toThrow('upgrade answered 401');
    const q = await open(srv.url, '?clientId=x&token=tok');
    const h = await open(srv.url, '?clientId=y', { authorization: 'Bearer tok' });
    await waitFor(() => q.text.length > 0 && h.text.length > 0, 'status on both');
    q.ws.close();
    h.ws.close();
    // the root aliases keep the token rule of /api
    expect((await api(srv.url, '/queue')).status).toBe(401);
    expect((await api(srv.url, '/queue', { token: 'tok' })).status).toBe(200);
  });
});

describe('ComfyUI frames', () => {
  it('turns a preview data URL into the binary frame, and refuses formats ComfyUI has no code for', () => {
    const jpeg = previewFrame(`data:image/jpeg;base64,${Buffer.from([0xff, 0xd8, 1]).toString('base64')}`)!;
    expect([...jpeg]).toEqual([0, 0, 0, 1, 0, 0, 0, 1, 0xff, 0xd8, 1]);
    expect(previewFrame('data:image/webp;base64,AAAA')).toBeNull();
    expect(previewFrame('not a data url')).toBeNull();
  });

  it('announces the end after the end event, not before', () => {
    expect(comfyFrames({ type: 'executing', data: { prompt_id: 'p', node: null } })).toEqual([]);
    expect(comfyFrames({ type: 'execution_success', data: { prompt_id: 'p', timestamp: 5 } }).map((f) => JSON.parse(String(f)))).toEqual([
      { type: 'execution_success', data: { prompt_id: 'p', timestamp: 5 } },
      { type: 'executing', data: { node: null, prompt_id: 'p' } },
    ]);
  });
});

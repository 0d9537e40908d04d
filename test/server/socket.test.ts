import { api, connect, RecordingSocket, slowPrompt, startTestServer, subscribe, TestServer, waitFor } from './serverHarness';

let s: TestServer;
const sockets: RecordingSocket[] = [];
beforeAll(async () => (s = await startTestServer()));
afterAll(async () => {
  sockets.forEach((x) => x.close());
  await s.close();
});

async function client(clientId?: string): Promise<RecordingSocket> {
  const c = await connect(s.url, { clientId });
  sockets.push(c);
  return c;
}

const ofPrompt = (c: RecordingSocket, id: string) => c.events.filter(([name, d]) => name !== 'status' && d?.prompt_id === id);
const finished = (c: RecordingSocket, id: string) => ofPrompt(c, id).some(([n]) => n === 'execution_success');

describe('socket.io events', () => {
  it('reach the submitter (by client_id), a second client subscribed to the prompt, and an all-subscriber; not others', async () => {
    const submitter = await client('tab-1');
    const watcher = await client();
    const everything = await client();
    const bystander = await client();
    await subscribe(everything, { all: true });

    const res = await api(s.url, '/api/prompt', { body: { prompt: slowPrompt(30, 10), client_id: 'tab-1' } });
    const id = res.body.prompt_id;
    await subscribe(watcher, { prompt_id: id });
    await waitFor(() => finished(submitter, id) && finished(watcher, id) && finished(everything, id), 'execution_success on three clients');

    const names = ofPrompt(watcher, id).map(([n]) => n);
    expect(names).toContain('executing');
    expect(names).toContain('progress');
    expect(names).toContain('executed');
    expect(names[names.length - 1]).toBe('execution_success');
    expect(ofPrompt(submitter, id).map(([n]) => n)[0]).toBe('execution_start');
    const progress = ofPrompt(watcher, id).filter(([n]) => n === 'progress').map(([, d]) => d);
    expect(progress[progress.length - 1]).toMatchObject({ node: '2', value: 30, max: 30 });
    expect(progress.some((d) => /^data:image\/png;base64,/.test(d.preview?.image ?? ''))).toBe(true);
    const executed = ofPrompt(everything, id).find(([n]) => n === 'executed')![1];
    expect(executed).toMatchObject({ node: '3', output: { images: [expect.objectContaining({ type: 'temp' })] } });
    expect(ofPrompt(bystander, id)).toEqual([]);
    // Queue status is broadcast to everyone, the bystander included.
    expect(bystander.events.some(([n, d]) => n === 'status' && d.running === id)).toBe(true);
    await waitFor(() => bystander.events.some(([n, d]) => n === 'status' && d.running === null && d.queue_remaining === 0), 'idle status');
  });

  it('an error reaches subscribers with the node id, type and message; unsubscribe stops events', async () => {
    const watcher = await client();
    await subscribe(watcher, { all: true });
    const res = await api(s.url, '/api/prompt', {
      body: {
        prompt: {
          '1': { class_type: 'TConst', inputs: { value: 1 } },
          '2': { class_type: 'TFail', inputs: { value: ['1', 0], message: 'bad day' } },
          '3': { class_type: 'TSink', inputs: { value: ['2', 0] } },
        },
      },
    });
    const id = res.body.prompt_id;
    await waitFor(() => ofPrompt(watcher, id).some(([n]) => n === 'execution_error'), 'execution_error');
    expect(ofPrompt(watcher, id).find(([n]) => n === 'execution_error')![1]).toMatchObject({ node_id: '2', node_type: 'TFail', exception_message: 'bad day' });

    // the server has dropped the subscription once it acknowledges (not after a fixed wait)
    expect(await watcher.socket.timeout(5000).emitWithAck('unsubscribe', { all: true })).toEqual({ ok: true });
    const next = await api(s.url, '/api/prompt', { body: { prompt: slowPrompt(2, 1, '#445566') } });
    let entry: any;
    await waitFor(async () => Boolean((entry = (await api(s.url, `/api/history/${next.body.prompt_id}`)).body[next.body.prompt_id])), 'history');
    expect(entry.status.status_str).toBe('success'); // the failure stayed with its own prompt
    expect((await api(s.url, `/api/history/${id}`)).body[id].status.status_str).toBe('error');
    expect(ofPrompt(watcher, next.body.prompt_id)).toEqual([]);
  });
});

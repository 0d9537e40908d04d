// Prompts queued in Redis outlive the server: it is killed with SIGKILL and restarted, the queue
// (order included) and the history are still there, and a worker then runs the queued prompts.
// Also: a worker stopped cleanly mid-prompt puts its prompt back in the queue.
import { api, connect, slowPrompt, subscribe, waitFor, waitForHistory } from '../server/serverHarness';
import { ChildHandle, spawnServer, spawnWorker, tempDir, workerOf } from './farmHarness';
import { describeWithRedis, startRedis, TestRedis } from './redisServer';

describeWithRedis('the Redis queue across a server restart', () => {
  let redis: TestRedis;
  const children: ChildHandle[] = [];
  beforeAll(async () => (redis = await startRedis()));
  afterAll(async () => {
    await Promise.all(children.map((c) => c.stop()));
    await redis?.stop();
  });

  it('keeps queued prompts and history when the server is killed; they run after the restart', async () => {
    const dataDir = tempDir('farm-restart');
    const first = await spawnServer(redis.url, dataDir, ['--no-local-worker']);
    children.push(first);
    const submit = async (url: string, body: object) => (await api(url, '/api/prompt', { body })).body.prompt_id as string;

    const worker = await spawnWorker(redis.url, 'r1');
    children.push(worker);
    const done = await submit(first.url, { prompt: slowPrompt(2, 5, '#0a0a01') });
    expect((await waitForHistory(first.url, done)).status.status_str).toBe('success');
    // runs until stopped (one of 4 s could end before the worker is stopped on a loaded machine)
    const long = await submit(first.url, { prompt: slowPrompt(6000, 20, '#0a0a02') });
    await waitFor(async () => (await api(first.url, '/api/queue')).body.queue_running[0]?.[1] === long, 'the long prompt running');
    await worker.stop('SIGTERM'); // stops cleanly: the running prompt goes back to the queue
    const a = await submit(first.url, { prompt: slowPrompt(2, 5, '#0a0a03') });
    const b = await submit(first.url, { prompt: slowPrompt(2, 5, '#0a0a04') });
    const c = await submit(first.url, { prompt: slowPrompt(2, 5, '#0a0a05'), front: true });
    const before = (await api(first.url, '/api/queue')).body;
    expect(before.queue_running).toEqual([]);
    expect(before.queue_pending.map((i: any[]) => i[1])).toEqual([c, long, a, b]);
    await first.stop('SIGKILL');

    const second = await spawnServer(redis.url, dataDir, ['--no-local-worker']);
    children.push(second);
    const after = (await api(second.url, '/api/queue')).body;
    expect(after.queue_pending).toEqual(before.queue_pending); // same prompts, numbers, order
    const hist = (await api(second.url, '/api/history')).body;
    expect(Object.keys(hist)).toEqual([done]);

    const watcher = await connect(second.url);
    await subscribe(watcher, { all: true });
    children.push(await spawnWorker(redis.url, 'r2'));
    // the long one runs again (after c, queued in front), until stopped
    await waitFor(async () => (await api(second.url, '/api/queue')).body.queue_running[0]?.[1] === long, 'the long prompt running again');
    await api(second.url, '/api/interrupt', { body: { prompt_id: long } });
    for (const id of [a, b, c]) {
      const entry = await waitForHistory(second.url, id);
      expect(entry.status.status_str).toBe('success');
      expect(workerOf(entry)).toBe('r2');
    }
    const longEntry = await waitForHistory(second.url, long);
    expect(longEntry.status.status_str).toBe('interrupted');
    // The clean stop of r1 shows in history but is not a lost attempt: the run on r2 is attempt 1.
    expect(longEntry.status.messages.filter(([n]: [string]) => n === 'execution_start').map(([, d]: [string, any]) => [d.worker, d.attempt])).toEqual([['r1', undefined], ['r2', 1]]);
    expect(longEntry.status.messages.find(([n, d]: [string, any]) => n === 'execution_interrupted' && d.worker === 'r1')[1]).toMatchObject({ reason: 'worker_stopped', retried: true });
    const started = (id: string) => (hist2[id].started_at as number);
    const hist2 = (await api(second.url, '/api/history')).body;
    expect([c, long, a, b].map(started)).toEqual([...[c, long, a, b].map(started)].sort((x, y) => x - y));
    await waitFor(() => [a, b, c].every((id) => watcher.events.some(([n, d]) => n === 'execution_success' && d.prompt_id === id)), 'events relayed by the new server');
    watcher.close();
  });
});

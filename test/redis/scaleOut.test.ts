// One server, three `narflow worker` processes, one real Redis, all on loopback: prompts spread
// over the workers, events reach a client that did not submit, outputs are served by the server,
// priorities hold across workers, cancel reaches the worker, models steer prompts, and a worker
// killed with SIGKILL (or stopped with SIGTERM) mid-prompt loses nothing.
import { decodePng, encodePng } from '../../models/image/png';
import { imageBatch } from '../../models/image/types';
import { api, connect, RecordingSocket, slowPrompt, subscribe, waitFor, waitForHistory } from '../server/serverHarness';
import { ChildHandle, FarmServer, modelPrompt, spawnWorker, startFarmServer, workerOf } from './farmHarness';
import { describeWithRedis, startRedis, TestRedis } from './redisServer';

const WORKERS = ['w1', 'w2', 'w3'];

describeWithRedis('a Redis farm of one server and three worker processes', () => {
  let redis: TestRedis;
  let farm: FarmServer;
  let watcher: RecordingSocket;
  const workers = new Map<string, ChildHandle>();

  const eventsOf = (id: string) => watcher.events.filter(([n, d]) => n !== 'status' && d?.prompt_id === id);
  const count = (id: string, name: string) => eventsOf(id).filter(([n]) => n === name).length;
  const submit = async (body: object) => {
    const res = await api(farm.url, '/api/prompt', { body });
    expect(res.status).toBe(200);
    return res.body.prompt_id as string;
  };
  const history = async (id: string) => waitForHistory(farm.url, id);

  beforeAll(async () => {
    redis = await startRedis();
    farm = await startFarmServer({ url: redis.url, localWorker: false });
    const started = await Promise.all(WORKERS.map((n) => spawnWorker(redis.url, n)));
    started.forEach((w) => workers.set(w.name.replace('worker ', ''), w));
    watcher = await connect(farm.url);
    await subscribe(watcher, { all: true });
    await waitFor(async () => (await farm.queue.workers()).length === 3, 'three worker heartbeats');
  });

  afterAll(async () => {
    watcher?.close();
    await Promise.all([...workers.values()].map((w) => w.stop()));
    await farm?.close();
    await redis?.stop();
  });

  it('runs 30 prompts spread over the workers; a client that did not submit sees their events; /view serves worker outputs', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const colour = `#${(0x100000 + i * 0x10101).toString(16).slice(-6)}`;
      const prompt = slowPrompt(4, 25, colour);
      if (i % 5 === 0) prompt['3'] = { class_type: 'SaveImage', inputs: { images: ['2', 1], filename_prefix: `farm/p${i}` } } as never;
      ids.push(await submit({ prompt }));
    }
    await waitFor(() => ids.every((id) => count(id, 'execution_success') === 1), 'execution_success of all 30 on the watcher', 60000);
    const hist = (await api(farm.url, '/api/history')).body;
    const byWorker = new Map<string, number>();
    for (const id of ids) {
      expect(hist[id].status.status_str).toBe('success');
      const w = workerOf(hist[id])!;
      byWorker.set(w, (byWorker.get(w) ?? 0) + 1);
      expect(eventsOf(id).some(([n, d]) => n === 'progress' && /^data:image\/png;base64,/.test(d.preview?.image ?? ''))).toBe(true);
    }
    // eslint-disable-next-line no-console
    console.log(`30 prompts per worker: ${JSON.stringify(Object.fromEntries(byWorker))}`);
    expect([...byWorker.keys()].sort()).toEqual(WORKERS);
    for (const id of ids.filter((_, i) => i % 5 === 0)) {
      const image = hist[id].outputs['3'].images[0];
      expect(image.subfolder).toMatch(/^workers\/w[123]\/farm$/);
      const res = await fetch(`${farm.url}/api/view?${new URLSearchParams(image)}`);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).subarray(1, 4).toString()).toBe('PNG');
    }
    const q = (await api(farm.url, '/api/queue')).body;
    expect([q.queue_running.length, q.queue_pending.length]).toEqual([0, 0]);
  });

  it('keeps priorities and front-of-queue across workers', async () => {
    // Occupy every worker until the test frees one. (Busy prompts of fixed length could end before
    // the three below are queued and read on a loaded machine: a freed worker took the first out of turn.)
    const busyIds = await Promise.all([0, 1, 2].map((i) => submit({ prompt: slowPrompt(2000, 25, `#0${i}0${i}0${i}`) })));
    await waitFor(() => busyIds.every((id) => count(id, 'execution_start') === 1), 'all three workers busy');
    const a = await submit({ prompt: slowPrompt(2, 5, '#aa0001') });
    const b = await submit({ prompt: slowPrompt(2, 5, '#aa0002') });
    const c = await submit({ prompt: slowPrompt(2, 5, '#aa0003'), front: true });
    const pending = (await api(farm.url, '/api/queue')).body.queue_pending.map((i: any[]) => i[1]);
    expect(pending).toEqual([c, a, b]);
    // one worker frees up: it takes the head of the queue each time
    expect((await api(farm.url, '/api/interrupt', { body: { prompt_id: busyIds[0] } })).body.interrupted).toBe(true);
    await waitFor(() => [a, b, c].every((id) => count(id, 'execution_success') === 1), 'a, b, c done');
    const startOrder = watcher.events.filter(([n, d]) => n === 'execution_start' && [a, b, c].includes(d.prompt_id)).map(([, d]) => d.prompt_id);
    expect(startOrder).toEqual([c, a, b]);
    for (const id of busyIds.slice(1)) expect((await api(farm.url, '/api/interrupt', { body: { prompt_id: id } })).body.interrupted).toBe(true);
    await Promise.all(busyIds.map(history));
  });

  it('cancel reaches the worker running the prompt', async () => {
    const id = await submit({ prompt: slowPrompt(400, 20, '#0c0c0c') });
    await waitFor(() => eventsOf(id).some(([n]) => n === 'progress'), 'the long prompt running');
    const t0 = Date.now();
    expect((await api(farm.url, '/api/interrupt', { body: { prompt_id: id } })).body.interrupted).toBe(true);
    const entry = await history(id);
    if (entry.status.status_str !== 'interrupted') console.log(JSON.stringify(entry.status));
    expect(entry.status.status_str).toBe('interrupted');
    expect(Date.now() - t0).toBeLessThan(3000); // 400 × 20 ms = 8 s if the cancel were lost
    expect(count(id, 'execution_interrupted')).toBe(1);
  });

  it('sends a prompt that needs a loaded model to an idle worker holding it; heartbeats advertise it', async () => {
    const first = await submit({ prompt: modelPrompt('alpha.bin', 0) });
    const holder = workerOf(await history(first))!;
    await waitFor(async () => (await farm.queue.workers()).some((w) => w.name === holder && w.weights.includes('alpha.bin') && w.state === 'idle'), 'heartbeat listing alpha.bin');
    const others = (await farm.queue.workers()).filter((w) => w.name !== holder);
    expect(others.every((w) => !w.weights.includes('alpha.bin'))).toBe(true);
    for (let seed = 1; seed <= 4; seed++) {
      const entry = await history(await submit({ prompt: modelPrompt('alpha.bin', seed) }));
      expect(workerOf(entry)).toBe(holder); // by chance alone: (1/3)^4
      const cached = entry.status.messages.find(([n]: [string]) => n === 'execution_cached')[1].nodes;
      expect(cached).toEqual(['1']); // the loader was not run again
    }
    const handoffs = [...workers.values()].map((w) => (w.output().match(/passed to idle worker/g) ?? []).length);
    // eslint-disable-next-line no-console
    console.log(`prompts passed on to the model holder: ${handoffs.reduce((a, b) => a + b, 0)} of 4`);
  });

  it('an image uploaded to the server reaches the workers that run prompts reading it, new versions too', async () => {
    const upload = async (value: number) => {
      const img = imageBatch(1, 2, 3);
      img.data.fill(value);
      const form = new FormData();
      form.append('image', new Blob([new Uint8Array(encodePng(img))]), 'farm-in.png');
      form.append('overwrite', 'true');
      expect((await fetch(`${farm.url}/api/upload/image`, { method: 'POST', body: form })).status).toBe(200);
    };
    const roundTrip = async (value: number) => {
      await upload(value);
      const ids = await Promise.all([0, 1, 2].map((i) =>
        submit({ prompt: { '1': { class_type: 'LoadImage', inputs: { image: 'farm-in.png' } }, '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: `in${value}_${i}` } } } }),
      ));
      for (const id of ids) {
        const entry = await history(id);
        expect(entry.status.status_str).toBe('success');
        const res = await fetch(`${farm.url}/api/view?${new URLSearchParams(entry.outputs['2'].images[0])}`);
        const got = decodePng(Buffer.from(await res.arrayBuffer()), 'view');
        expect(Math.round(got.data[0] * 255)).toBe(Math.round(value * 255));
      }
    };
    await roundTrip(0.2);
    await roundTrip(0.8); // same name, new content: workers holding the old file replace it
  });

  it('a worker killed with SIGKILL mid-prompt: the prompt completes on another worker, nothing lost or run to completion twice', async () => {
    const long = await submit({ prompt: slowPrompt(60, 25, '#dead00') });
    await waitFor(() => eventsOf(long).some(([n]) => n === 'progress'), 'the long prompt running');
    const victim = eventsOf(long).find(([n]) => n === 'execution_start')![1].worker as string;
    // killed at once: the long prompt (1.5 s) could end while six prompts were submitted first on a loaded machine
    const handle = workers.get(victim)!;
    handle.child.kill('SIGKILL');
    const others: string[] = [];
    for (let i = 0; i < 6; i++) others.push(await submit({ prompt: slowPrompt(3, 20, `#dd00${i}${i}`) }));
    await handle.exited;
    workers.delete(victim);

    for (const id of [long, ...others]) expect((await history(id)).status.status_str).toBe('success');
    const entry = await history(long);
    const msgs = entry.status.messages as [string, any][];
    expect(msgs.find(([n, d]) => n === 'execution_interrupted' && d.reason === 'worker_lost')![1]).toMatchObject({ worker: victim, attempt: 1, retried: true });
    const last = msgs.filter(([n]) => n === 'execution_start').pop()![1];
    expect(last.attempt).toBe(2);
    expect(last.worker).not.toBe(victim);
    expect(msgs[msgs.length - 1][0]).toBe('execution_success');
    await new Promise((r) => setTimeout(r, 500)); // any late duplicate would show now
    for (const id of [long, ...others]) expect(count(id, 'execution_success')).toBe(1);
    const hist = (await api(farm.url, '/api/history')).body;
    expect(Object.keys(hist).filter((id) => [long, ...others].includes(id)).length).toBe(7);
    const q = (await api(farm.url, '/api/queue')).body;
    expect([q.queue_running.length, q.queue_pending.length]).toEqual([0, 0]);
  });

  it('a worker stopped with SIGTERM mid-prompt puts it back; it completes on another, and history says where it was stopped', async () => {
    const long = await submit({ prompt: slowPrompt(60, 25, '#5e5e00') });
    await waitFor(() => eventsOf(long).some(([n]) => n === 'progress'), 'the long prompt running');
    const stopped = eventsOf(long).find(([n]) => n === 'execution_start')![1].worker as string;
    const handle = workers.get(stopped)!;
    const stoppedAt = Date.now();
    handle.child.kill('SIGTERM');
    await handle.exited;
    workers.delete(stopped);
    const entry = await history(long);
    expect(entry.status.status_str).toBe('success');
    const msgs = entry.status.messages as [string, any][];
    // before: nothing of the stopped run was in history
    const put = msgs.find(([n, d]) => n === 'execution_interrupted' && d.reason === 'worker_stopped')![1];
    expect(put).toMatchObject({ worker: stopped, retried: true });
    expect(put.attempt).toBeUndefined(); // a clean stop is not an attempt
    expect(put.timestamp).toBeGreaterThanOrEqual(stoppedAt - 50);
    const last = msgs.filter(([n]) => n === 'execution_start').pop()![1];
    expect(last.worker).not.toBe(stopped);
    expect(last.attempt).toBe(1);
    // the watcher hears the end a moment after history has it; and only once
    await waitFor(() => count(long, 'execution_success') === 1, 'the success event');
    await new Promise((r) => setTimeout(r, 300));
    expect(count(long, 'execution_success')).toBe(1);
  });
});

// The queue and the history are bounded: a client queueing without end is refused (429) once the
// server's limit of waiting prompts is reached, and history keeps only the newest entries; on a
// real server over HTTP.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createHost, type Host } from '../../server/host/host';
import { hostConfig, silentLogger } from '../../server/host/hostConfig';
import { startServer, type RunningServer } from '../../server/http/server';
import { RedisPromptQueue, redisHostParts } from '../../server/queue/redis/redisPromptQueue';
import { makeTestPack } from '../engine/testPack';
import { describeWithRedis, startRedis, type TestRedis } from '../redis/redisServer';
import { api, slowPrompt, waitFor, waitForHistory } from './serverHarness';

describe('queue and history limits', () => {
  let host: Host;
  let server: RunningServer;
  let url: string;
  beforeAll(async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-limits-'));
    host = createHost(hostConfig({ dataDir, packs: ['core'], extraPacks: [makeTestPack({})], log: silentLogger, maxQueue: 3, historyMax: 4 }));
    server = await startServer(host, { port: 0, ui: { reason: 'not built in tests' } });
    url = server.url;
  });
  afterAll(async () => {
    await server.close();
    await host.close();
  });

  it('refuses a prompt past the most that may wait with 429 naming the limit, and takes one again once there is room', async () => {
    // holds the runner until the test interrupts it
    const blocker = await api(url, '/api/prompt', { body: { prompt: slowPrompt(100_000, 50, '#010101') } });
    expect(blocker.status).toBe(200);
    try {
      await waitFor(async () => (await host.queue.snapshot()).running.length === 1, 'the blocker to run');
      const queued: string[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await api(url, '/api/prompt', { body: { prompt: slowPrompt(1, 1, `#0000${i}0`) } });
        expect(r.status).toBe(200);
        queued.push(r.body.prompt_id);
      }
      const full = await api(url, '/prompt', { body: { prompt: slowPrompt(1, 1, '#00ff00') } });
      expect([full.status, full.body.error?.type]).toEqual([429, 'queue_full']);
      expect(full.body.error.message).toBe(
        'the queue is full: 3 prompts wait, the most this server takes is 3; queue again when some have run, or delete some (POST /api/queue {"delete": [...]} or {"clear": true})',
      );
      const run = await api(url, '/api/workflows/core-demo/run', { body: { wait: false } });
      expect([run.status, run.body.error?.type]).toEqual([429, 'queue_full']);
      expect((await host.queue.snapshot()).pending.map((p) => p.id)).toEqual(queued);

      expect((await api(url, '/api/queue', { body: { delete: [queued[0]] } })).status).toBe(200);
      expect((await api(url, '/api/prompt', { body: { prompt: slowPrompt(1, 1, '#00ff00') } })).status).toBe(200);
      expect((await api(url, '/api/queue', { body: { clear: true } })).body.cleared).toBe(3);
    } finally {
      await api(url, '/api/interrupt', { body: { prompt_id: blocker.body.prompt_id } });
    }
    await waitForHistory(url, blocker.body.prompt_id);
  });

  it('keeps only the newest history entries', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await api(url, '/api/prompt', { body: { prompt: slowPrompt(1, 1, `#1${i}1${i}1${i}`) } });
      ids.push(r.body.prompt_id);
      await waitForHistory(url, r.body.prompt_id);
    }
    const history = (await api(url, '/api/history')).body;
    expect(Object.keys(history)).toEqual(ids.slice(-4));
    expect((await api(url, `/api/history/${ids[0]}`)).body).toEqual({});
  });
});

describeWithRedis('the queue limit on the Redis queue', () => {
  let redis: TestRedis;
  let host: Host;
  let server: RunningServer;
  beforeAll(async () => {
    redis = await startRedis();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-limits-redis-'));
    // no worker anywhere: every prompt stays waiting
    host = createHost(hostConfig({ dataDir, packs: ['core'], extraPacks: [makeTestPack({})], log: silentLogger, maxQueue: 2 }), redisHostParts({ url: redis.url, localWorker: false }));
    server = await startServer(host, { port: 0, ui: { reason: 'not built in tests' } });
    await (host.queue as RedisPromptQueue).ready();
  });
  afterAll(async () => {
    await server?.close();
    await host?.close();
    await redis?.stop();
  });

  it('counts waiting prompts, those queued in front included, and refuses past the limit', async () => {
    expect((await api(server.url, '/api/prompt', { body: { prompt: slowPrompt(1, 1) } })).status).toBe(200);
    expect((await api(server.url, '/api/prompt', { body: { prompt: slowPrompt(1, 1, '#222222'), front: true } })).status).toBe(200);
    expect(await host.queue.pendingCount()).toBe(2);
    const full = await api(server.url, '/api/prompt', { body: { prompt: slowPrompt(1, 1, '#333333') } });
    expect([full.status, full.body.error?.type]).toEqual([429, 'queue_full']);
  });
});

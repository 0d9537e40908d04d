// The pieces of the Redis queue on their own: priority mapping, the model-preference rule, preview
// limit, file references, wire parsing, model keys, flags; and, with a real Redis, output transfer,
// heartbeats and the attempts limit.
import * as fs from 'fs';
import * as path from 'path';
import { Queue } from 'bullmq';
import { parseArgs } from '../../server/cli/command';
import type { ExecutionEvent } from '../../server/api/protocol';
import { silentLogger } from '../../server/host/hostConfig';
import { NodeRegistry } from '../../server/engine/registry/registry';
import { readHeartbeats, WorkerHeartbeat, writeHeartbeat } from '../../server/queue/redis/heartbeats';
import { parseWireEvent } from '../../server/queue/redis/eventRelay';
import { bullConnection, redisClient, redisNames } from '../../server/queue/redis/names';
import { fileRefs, OutputReceiver, OutputUploader, prefixFileRefs } from '../../server/queue/redis/outputFiles';
import { bullPriority, earlierRunMessages, lostRuns, MAX_BULL_PRIORITY, PromptJobData } from '../../server/queue/redis/promptJob';
import { betterWorker, mayPassOn } from '../../server/worker/affinity';
import { limitPreview } from '../../server/worker/eventPublisher';
import { isModelLoader, modelNeeds } from '../../server/worker/modelKeys';
import { redisServeOptions } from '../../server/worker/redisFlags';
import { api, waitForHistory } from '../server/serverHarness';
import { startFarmServer, tempDir } from './farmHarness';
import { pack as affinityPack } from './packs/affinity';
import { describeWithRedis, startRedis, TestRedis } from './redisServer';

const hb = (name: string, state: 'idle' | 'busy', models: string[]): WorkerHeartbeat => ({
  name, host: 'h', pid: 1, device: 'none', state, prompt_id: null, models, weights: [], started_at: 0, updated_at: 0,
});
const paths = (root: string) => ({ output: path.join(root, 'output'), input: path.join(root, 'input'), temp: path.join(root, 'temp'), models: {} });

describe('Redis queue units', () => {
  it('maps prompt numbers to BullMQ priorities in order, front-of-queue first, clamped to 1..2^21', () => {
    const numbers = [-5000, -2, -1, 0, 1, 2, 3, 1000, 900000];
    const prios = numbers.map(bullPriority);
    expect([...prios].sort((a, b) => a - b)).toEqual(prios);
    expect(new Set(prios).size).toBe(numbers.length);
    expect(bullPriority(-1e12)).toBe(1);
    expect(bullPriority(1e12)).toBe(MAX_BULL_PRIORITY);
  });

  it('passes a prompt on only to an idle worker holding more of its models than this one', () => {
    const needs = ['A', 'B'];
    const others = [hb('x', 'busy', ['A', 'B']), hb('y', 'idle', ['A']), hb('z', 'idle', ['A', 'B'])];
    expect(betterWorker(needs, new Set(), 'me', others)?.name).toBe('z');
    expect(betterWorker(needs, new Set(['A']), 'me', [hb('y', 'idle', ['A'])])).toBeUndefined();
    expect(betterWorker(needs, new Set(['A', 'B']), 'me', others)).toBeUndefined();
    expect(betterWorker([], new Set(), 'me', others)).toBeUndefined();
    expect(betterWorker(needs, new Set(), 'z', [hb('z', 'idle', ['A', 'B'])])).toBeUndefined();
  });

  it('keeps passing a prompt on while the holder has not taken it, within a window from the first hand-off', () => {
    const limits = { maxHandoffs: 5, windowMs: 3000 };
    expect(mayPassOn(0, undefined, 1000, limits)).toBe(true);
    expect(mayPassOn(4, 1000, 9000, limits)).toBe(true); // under the count: always
    // a holder slow to wake on a loaded machine: other idle workers took it back five times in 1.5 s
    expect(mayPassOn(5, 1000, 2500, limits)).toBe(true);
    expect(mayPassOn(9, 1000, 3999, limits)).toBe(true);
    expect(mayPassOn(5, 1000, 4000, limits)).toBe(false); // the window is over: run it here
    expect(mayPassOn(5, undefined, 4000, limits)).toBe(false); // a job from before the window was kept
  });

  it('drops previews over the size limit, keeps the rest of the event', () => {
    const ev: ExecutionEvent = { type: 'progress', data: { prompt_id: 'p', node: '2', value: 1, max: 2, preview: { image: `data:image/png;base64,${'A'.repeat(100)}` } } };
    expect(limitPreview(ev, 1000)).toBe(ev);
    expect(limitPreview(ev, 50)).toEqual({ type: 'progress', data: { prompt_id: 'p', node: '2', value: 1, max: 2 } });
  });

  it('finds and re-roots file references in UI results', () => {
    const ui = { images: [{ filename: 'a.png', subfolder: '', type: 'output' }, { filename: 'b.png', subfolder: 's', type: 'temp' }], text: ['hi'] };
    expect(fileRefs(ui as never).map((r) => r.filename)).toEqual(['a.png', 'b.png']);
    const moved = prefixFileRefs(ui as never, 'workers/w1') as any;
    expect(moved.images.map((r: any) => r.subfolder)).toEqual(['workers/w1', 'workers/w1/s']);
    expect(moved.text).toEqual(['hi']);
    expect(ui.images[0].subfolder).toBe(''); // the original is not changed
  });

  it('accepts well-formed wire events only', () => {
    expect(parseWireEvent('{')).toEqual({ error: 'not JSON' });
    expect(parseWireEvent(JSON.stringify({ worker: 'w', event: { type: 'hack', data: { prompt_id: 'p' } } }))).toHaveProperty('error');
    expect(parseWireEvent(JSON.stringify({ worker: 'w', event: { type: 'executing', data: {} } }))).toEqual({ error: 'event without a prompt_id' });
    expect(parseWireEvent(JSON.stringify({ worker: 'w', event: { type: 'executing', data: { prompt_id: 'p', node: '1' } } }))).toMatchObject({ worker: 'w' });
  });

  it('recognises model loaders and keys them by type and constants', () => {
    const registry = new NodeRegistry();
    registry.addPack(affinityPack);
    expect(isModelLoader(registry.get('TestModelLoader')!)).toBe(true);
    expect(isModelLoader(registry.get('TestModelRun')!)).toBe(false);
    const prompt = {
      '1': { class_type: 'TestModelLoader', inputs: { model_name: 'alpha.bin', load_ms: 5 } },
      '2': { class_type: 'TestModelRun', inputs: { model: ['1', 0] as [string, number], seed: 3 } },
    };
    expect(modelNeeds(prompt, registry)).toEqual([{ nodeId: '1', key: 'TestModelLoader{"load_ms":5,"model_name":"alpha.bin"}', weights: ['alpha.bin'] }]);
  });

  it('checks flags and names', () => {
    expect(redisServeOptions(parseArgs([]))).toBeUndefined();
    expect(() => redisServeOptions(parseArgs(['--no-local-worker'], ['no-local-worker']))).toThrow('--no-local-worker needs --redis');
    expect(() => redisServeOptions(parseArgs(['--redis', 'redis://h', '--attempts', '0']))).toThrow('--attempts expects a positive number');
    expect(redisServeOptions(parseArgs(['--redis', 'redis://h:1', '--no-local-worker', '--lock-ms', '500'], ['no-local-worker']))).toMatchObject({ url: 'redis://h:1', localWorker: false, attempts: 3, timing: { lockMs: 500 } });
    expect(() => redisNames({ url: 'http://h' })).toThrow('redis:// or rediss://');
    expect(() => redisNames({ url: 'redis://h', queue: 'a b' })).toThrow('queue name');
  });

  it('counts only runs whose worker never finished as lost', () => {
    expect(lostRuns([{ worker: 'a', startedAt: 1 }, { worker: 'b', startedAt: 2, outcome: 'shutdown' }])).toEqual([{ worker: 'a', startedAt: 1 }]);
  });

  it('earlier runs go to history: lost ones as attempts (seen lost when taken up again), stopped ones when they stopped', () => {
    const msgs = earlierRunMessages('p', [{ worker: 'a', startedAt: 1 }, { worker: 'b', startedAt: 5, outcome: 'shutdown', endedAt: 9 }, { worker: 'c', startedAt: 12 }], 20);
    expect(msgs.filter(([n]) => n === 'execution_interrupted').map(([, d]) => [d.worker, d.reason, d.attempt, d.timestamp])).toEqual([
      ['a', 'worker_lost', 1, 20],
      ['b', 'worker_stopped', undefined, 9],
      ['c', 'worker_lost', 2, 20],
    ]);
    expect(msgs.filter(([n]) => n === 'execution_start').map(([, d]) => d.timestamp)).toEqual([1, 5, 12]);
  });
});

describeWithRedis('Redis queue units with a real Redis', () => {
  let redis: TestRedis;
  beforeAll(async () => (redis = await startRedis()));
  afterAll(async () => redis?.stop());

  it('moves output files from a worker folder to the server folder, refusing paths outside workers/', async () => {
    const names = redisNames({ url: redis.url, queue: 'files' });
    const client = redisClient(names, 'test');
    try {
      const worker = tempDir('units-worker');
      const server = tempDir('units-server');
      fs.mkdirSync(path.join(worker, 'output', 'sub'), { recursive: true });
      fs.writeFileSync(path.join(worker, 'output', 'sub', 'a.png'), 'bytes-a');
      const ui = await new OutputUploader(client, names, paths(worker), 'workers/w9', silentLogger).upload('p1', { images: [{ filename: 'a.png', subfolder: 'sub', type: 'output' }] });
      expect(ui.images).toEqual([{ filename: 'a.png', subfolder: 'workers/w9/sub', type: 'output' }]);
      await client.hset(names.files('p1'), JSON.stringify(['output', '../../etc', 'x.png']), 'evil', JSON.stringify(['output', 'elsewhere', 'y.png']), 'evil');
      const receiver = new OutputReceiver(client, names, paths(server), silentLogger);
      expect(await receiver.sweep()).toBe(1);
      expect(fs.readFileSync(path.join(server, 'output', 'workers', 'w9', 'sub', 'a.png'), 'utf8')).toBe('bytes-a');
      expect(fs.existsSync(path.join(server, 'output', 'elsewhere'))).toBe(false);
      expect(await client.exists(names.files('p1'))).toBe(0);
    } finally {
      client.disconnect();
    }
  });

  it('lists workers while their heartbeat lives and forgets them after', async () => {
    const names = redisNames({ url: redis.url, queue: 'beats' });
    const client = redisClient(names, 'test');
    try {
      // the short heartbeat lives 1 s: read at once, it is there even on a loaded machine (it lived
      // 100 ms, less than a write and a read can take there); read after its TTL, it is gone
      await writeHeartbeat(client, names, hb('long', 'busy', []), 60000);
      await writeHeartbeat(client, names, hb('short', 'idle', ['M']), 1000);
      expect((await readHeartbeats(client, names)).map((h) => h.name)).toEqual(['long', 'short']);
      const left = await client.pttl(names.worker('short'));
      await new Promise((r) => setTimeout(r, Math.max(0, left) + 50));
      expect((await readHeartbeats(client, names)).map((h) => h.name)).toEqual(['long']);
      expect(await client.smembers(names.workers)).toEqual(['long']);
    } finally {
      client.disconnect();
    }
  });

  it('fails a prompt whose workers died as often as its attempts allow, and says so in history', async () => {
    const farm = await startFarmServer({ url: redis.url, queue: 'attempts', localWorker: true, localWorkerName: 'survivor' });
    const names = redisNames({ url: redis.url, queue: 'attempts' });
    const queue = new Queue<PromptJobData>(names.queue, { connection: bullConnection(names), prefix: names.prefix });
    try {
      const item = { id: 'doomed', number: 1, prompt: { '1': { class_type: 'PrimitiveInt', inputs: { value: 1 } } }, outputs: ['1'], extra: {}, createdAt: Date.now() };
      const runs = [{ worker: 'dead-1', startedAt: 1 }, { worker: 'dead-2', startedAt: 2 }];
      await queue.add('prompt', { item, maxAttempts: 2, runs, deferrals: 0 }, { jobId: item.id, priority: 10 });
      const entry = await waitForHistory(farm.url, 'doomed');
      expect(entry.status.status_str).toBe('error');
      const msgs = entry.status.messages as [string, any][];
      expect(msgs.filter(([n, d]) => n === 'execution_interrupted' && d.reason === 'worker_lost').map(([, d]) => d.worker)).toEqual(['dead-1', 'dead-2']);
      expect(msgs[msgs.length - 1][1].exception_message).toMatch(/started 2 time\(s\).*dead-1, dead-2.*not retried again/);
      expect((await api(farm.url, '/api/queue')).body.queue_pending).toEqual([]);
    } finally {
      await queue.close();
      await farm.close();
    }
  });
});

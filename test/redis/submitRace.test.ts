// A fully cached prompt can finish while it is being queued. The submitting client (by client_id)
// must still see all its events: the server subscribes it before the prompt is queued. Checked with
// the local queue (where the cached run finishes inside enqueue) and with the Redis queue.
import { api, connect, RecordingSocket, slowPrompt, startTestServer, waitFor } from '../server/serverHarness';
import { FarmServer, startFarmServer } from './farmHarness';
import { describeWithRedis, startRedis, TestRedis } from './redisServer';

async function submitTwice(url: string, client: RecordingSocket, clientId: string): Promise<string> {
  const of = (id: string) => client.events.filter(([n, d]) => n !== 'status' && d?.prompt_id === id).map(([n]) => n);
  const prompt = slowPrompt(2, 1, '#5a5a5a');
  const first = (await api(url, '/api/prompt', { body: { prompt, client_id: clientId } })).body.prompt_id;
  await waitFor(() => of(first).includes('execution_success'), 'the first run');
  const again = (await api(url, '/api/prompt', { body: { prompt, client_id: clientId } })).body.prompt_id;
  await waitFor(() => of(again).includes('execution_success'), 'the cached run reaching its submitter');
  // the cached SlowCounter's last preview comes again ('progress'), then the cached output node's result
  expect(of(again)).toEqual(['execution_start', 'execution_cached', 'progress', 'executed', 'executing', 'execution_success']);
  const cached = client.events.find(([n, d]) => n === 'execution_cached' && d.prompt_id === again)![1];
  expect(cached.nodes.sort()).toEqual(['1', '2', '3']);
  return again;
}

describe('a fully cached prompt, local queue', () => {
  it('reaches the client that submitted it', async () => {
    const s = await startTestServer();
    const client = await connect(s.url, { clientId: 'tab-local' });
    try {
      await submitTwice(s.url, client, 'tab-local');
    } finally {
      client.close();
      await s.close();
    }
  });
});

describeWithRedis('a fully cached prompt, Redis queue with the server\'s own worker', () => {
  let redis: TestRedis;
  let farm: FarmServer;
  beforeAll(async () => {
    redis = await startRedis();
    farm = await startFarmServer({ url: redis.url, localWorker: true, localWorkerName: 'in-server' });
  });
  afterAll(async () => {
    await farm?.close();
    await redis?.stop();
  });

  it('reaches the client that submitted it', async () => {
    const client = await connect(farm.url, { clientId: 'tab-redis' });
    try {
      const id = await submitTwice(farm.url, client, 'tab-redis');
      const entry = (await api(farm.url, `/api/history/${id}`)).body[id];
      expect(entry.status.messages[0][1].worker).toBe('in-server');
    } finally {
      client.close();
    }
  });
});

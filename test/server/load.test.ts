// A smaller run of scripts/load-test.ts against a real listening server: completion and event
// delivery are asserted (timing is not; memory figures come from `npx tsx scripts/load-test.ts`).
import { runLoad } from '../../scripts/load-test';
import { startTestServer, TestServer } from './serverHarness';

let s: TestServer;
beforeAll(async () => (s = await startTestServer()));
afterAll(() => s.close());

it('4 socket.io clients submit 16 prompts: all complete, each client sees its subscribed prompts, history holds all', async () => {
  const r = await runLoad({ url: s.url, clients: 4, prompts: 16, steps: 3, delayMs: 2, settleMs: 0 });
  expect(r.prompts).toHaveLength(16);
  expect(Object.values(r.statuses)).toEqual(Array(16).fill('success'));
  expect(r.historyCount).toBe(16);
  for (const [client, expected] of Object.entries(r.expected)) {
    expect(expected).toHaveLength(8); // its own 4 and the next client's 4
    expect(r.seen[client].sort()).toEqual([...expected].sort());
  }
  expect(r.strayEvents).toBe(0);
  expect(r.memory.map((m) => m.label)).toEqual(['before', 'peak', 'after', 'settled (+0 s)']);
});

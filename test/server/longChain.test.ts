// A long linear graph posted to a listening server (about 0.4 MB of JSON): validated, queued and
// run, not a 500 "Maximum call stack size exceeded".
import { invertChain } from '../engine/chains';
import { api, startTestServer, TestServer, waitForHistory } from './serverHarness';

jest.setTimeout(60_000);

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

it('POST /api/prompt runs ColorGradient → 6000 × ImageInvert → PreviewImage', async () => {
  const prompt = invertChain(6000);
  expect(JSON.stringify({ prompt }).length).toBeGreaterThan(300_000);
  const r = await api(s.url, '/api/prompt', { body: { prompt } });
  expect(r.status).toBe(200);
  const entry = await waitForHistory(s.url, r.body.prompt_id);
  expect(entry.status.status_str).toBe('success');
  expect(Object.keys(entry.outputs)).toEqual(['6002']);
});

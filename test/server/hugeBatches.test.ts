// Node inputs within their ranges that would allocate gigabytes: refused, naming the shape, before
// anything is allocated, and the server keeps running; a prompt on a real server over HTTP.
import { historyFailure } from '../../server/api/protocol';
import { MAX_BATCH_VALUES } from '../../models/image/types';
import { api, startTestServer, TestServer, waitForHistory } from './serverHarness';

const gradient = { class_type: 'ColorGradient', inputs: { width: 8, height: 8, color_a: '#000000', color_b: '#ffffff', direction: 'vertical', noise: 0, seed: 0 } };

describe('batches of gigabytes', () => {
  let s: TestServer;
  beforeAll(async () => (s = await startTestServer()));
  afterAll(() => s.close());

  it('Image Scale of a batch of 3 to 8192×8192 (2.4 GB of floats; a batch of 40 would be 32 GB) fails at that node, naming the shape and the limit', async () => {
    const prompt = {
      '1': gradient,
      '2': { class_type: 'ImageBatch', inputs: { image1: ['1', 0], image2: ['1', 0] } },
      '3': { class_type: 'ImageBatch', inputs: { image1: ['2', 0], image2: ['1', 0] } },
      '4': { class_type: 'ImageScale', inputs: { image: ['3', 0], method: 'nearest', width: 8192, height: 8192 } },
      '5': { class_type: 'PreviewImage', inputs: { images: ['4', 0] } },
    };
    const r = await api(s.url, '/api/prompt', { body: { prompt } });
    expect(r.status).toBe(200);
    const entry = await waitForHistory(s.url, r.body.prompt_id);
    expect(entry.status.status_str).toBe('error');
    const failure = historyFailure(entry);
    expect(failure?.node_id).toBe('4');
    expect(failure?.message).toContain(`an image batch of 3 × 8192×8192 would hold ${3 * 8192 * 8192 * 3} values, more than the ${MAX_BATCH_VALUES} (2 GiB) one batch may`);
    // and the server goes on
    const again = await api(s.url, '/api/prompt', { body: { prompt: { '1': gradient, '2': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } } } } });
    expect((await waitForHistory(s.url, again.body.prompt_id)).status.status_str).toBe('success');
  });

  it('a Rectangle Mask of 8192×8192 (64 M values) is within the limit', async () => {
    const prompt = {
      '1': { class_type: 'RectangleMask', inputs: { width: 8192, height: 8192, x: 0, y: 0, w: 8, h: 8 } },
      '2': { class_type: 'MaskToImage', inputs: { mask: ['1', 0] } },
      '3': { class_type: 'ImageScale', inputs: { image: ['2', 0], method: 'nearest', width: 8, height: 8 } },
      '4': { class_type: 'PreviewImage', inputs: { images: ['3', 0] } },
    };
    const r = await api(s.url, '/api/prompt', { body: { prompt } });
    expect([r.status, r.body.node_errors]).toEqual([200, {}]);
    expect((await waitForHistory(s.url, r.body.prompt_id)).status.status_str).toBe('success');
  });
});

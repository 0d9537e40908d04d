// Node inputs within their ranges that would allocate gigabytes: refused, naming the shape or size,
// before anything is allocated, and the server keeps running; prompts on real servers over HTTP.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { historyFailure } from '../../server/api/protocol';
import { MAX_BATCH_VALUES } from '../../models/image/types';
import { MAX_TRAIN_PARAMS } from '../../nodes/nar/training/trainNarNode';
import { createHost, type Host } from '../../server/host/host';
import { hostConfig, silentLogger } from '../../server/host/hostConfig';
import { startServer, type RunningServer } from '../../server/http/server';
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

describe('trainers asked for gigabytes', () => {
  let host: Host;
  let server: RunningServer;
  beforeAll(async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-huge-train-'));
    host = createHost(hostConfig({ dataDir, packs: ['core', 'nar'], log: silentLogger }));
    server = await startServer(host, { port: 0, ui: { reason: 'not built in tests' } });
  });
  afterAll(async () => {
    await server.close();
    await host.close();
  });

  const run = async (prompt: Record<string, unknown>) => {
    const r = await api(server.url, '/api/prompt', { body: { prompt } });
    expect([r.status, r.body.node_errors]).toEqual([200, {}]);
    return historyFailure(await waitForHistory(server.url, r.body.prompt_id));
  };
  const train = { kind: 'c2i', if_exists: 'overwrite', steps: 1, batch: 1, lr: 0.001, seed: 0, checkpoint_every: 0, preview_every: 0, frames: 4 };
  const tokenizer = { class_type: 'LoadTokenizer', inputs: { tokenizer_name: 'shapes-vq.safetensors' } };

  it('Train NAR refuses dim 4096 × 64 layers (13 G parameters; one server went to 24 GB on it) before building it', async () => {
    const failure = await run({ '1': tokenizer, '2': { class_type: 'TrainNAR', inputs: { ...train, tokenizer: ['1', 0], output_name: 'huge', dim: 4096, layers: 64, heads: 64 } } });
    expect(failure?.node_id).toBe('2');
    expect(failure?.message).toMatch(new RegExp(`^a c2i model of dim 4096, 64 layers has about \\d+ M parameters, more than the ${MAX_TRAIN_PARAMS / 1e6} M this node trains`));
    expect(fs.existsSync(path.join(host.config.paths.models.nar[host.config.paths.models.nar.length - 1], 'huge.safetensors'))).toBe(false);
  });

  it('Train Tokenizer refuses batches of 1024 pictures of 1024×1024 (13 GB of floats)', async () => {
    const failure = await run({
      '1': { class_type: 'TrainTokenizer', inputs: { data: 'shapes images', folder: '', image_size: 1024, patch_size: 8, codebook_size: 16, warmup_steps: 0, steps: 1, batch: 1024, lr: 0.001, seed: 0, checkpoint_every: 0, preview_every: 0, output_name: 'huge-vq' } },
    });
    expect(failure?.message).toContain(`an image batch of 1024 × 1024×1024 would hold ${1024 * 1024 * 1024 * 3} values, more than the ${MAX_BATCH_VALUES} (2 GiB) one batch may`);
  });
});

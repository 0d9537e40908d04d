// Node inputs that name files or folders (folders to evaluate, a code file, an ONNX extractor, a
// tokenizer's training images): a prompt sent to a real server reads only inside the server's
// input, output, temp and weights folders; a local run may name any path.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { historyFailure } from '../../server/api/protocol';
import { nodeInputPath, NodeInputError } from '../../server/engine/nodeApi';
import { createHost, type Host } from '../../server/host/host';
import { hostConfig, silentLogger } from '../../server/host/hostConfig';
import { startServer, type RunningServer } from '../../server/http/server';
import { encodePng } from '../../models/image/png';
import { imageBatch } from '../../models/image/types';
import { api, waitForHistory } from './serverHarness';

/** A prompt of one node of `type` with its defaults (from the server's object_info) and `inputs`. */
async function onePrompt(url: string, type: string, inputs: Record<string, unknown>): Promise<Record<string, unknown>> {
  const info = (await api(url, `/api/object_info/${type}`)).body[type];
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(info.input.required as Record<string, [unknown, { default?: unknown }]>)) values[name] = spec[1]?.default;
  return { '1': { class_type: type, inputs: { ...values, ...inputs } } };
}

/** Runs the prompt and answers its failure message ('' when it succeeded). */
async function failureOf(url: string, prompt: Record<string, unknown>): Promise<string> {
  const r = await api(url, '/api/prompt', { body: { prompt } });
  expect([r.status, r.body.node_errors]).toEqual([200, {}]);
  const entry = await waitForHistory(url, r.body.prompt_id);
  return historyFailure(entry)?.message ?? '';
}

describe('paths in node inputs on a server', () => {
  let host: Host;
  let server: RunningServer;
  let dataDir: string;
  let outside: string;
  const refused = /is outside the folders a prompt may read on this server: input\/, output\/, user\/temp\/ and the weights folders/;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-nodepaths-'));
    outside = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-outside-'));
    fs.writeFileSync(path.join(outside, 'private.png'), encodePng(imageBatch(1, 4, 4)));
    fs.writeFileSync(path.join(outside, 'model.onnx'), 'not a model');
    host = createHost(hostConfig({ dataDir, packs: ['core', 'eval', 'nar'], log: silentLogger }));
    server = await startServer(host, { port: 0, ui: { reason: 'not built in tests' } });
    fs.mkdirSync(path.join(host.config.paths.output, 'run1'), { recursive: true });
    for (const f of ['a.png', 'b.png']) fs.writeFileSync(path.join(host.config.paths.output, 'run1', f), encodePng(imageBatch(1, 32, 32)));
    fs.mkdirSync(path.join(host.config.paths.output, 'empty'));
    fs.symlinkSync(outside, path.join(host.config.paths.output, 'link-out'));
  });
  afterAll(async () => {
    await server.close();
    await host.close();
  });

  const evaluate = { reference: 'none', reference_count: 4, batch_size: 8, is_splits: 1, k: 1 };

  it.each([
    ['an absolute folder elsewhere', () => outside],
    ['a relative folder climbing out', () => path.join('output', '..', '..', path.basename(outside))],
    ['a symlink inside output leading out', () => 'output/link-out'],
    ['the data folder itself (its database)', () => '.'],
  ])('Evaluate Images refuses generated_folder as %s, naming it', async (_what, folder) => {
    const message = await failureOf(server.url, await onePrompt(server.url, 'EvaluateImages', { ...evaluate, generated_folder: folder() }));
    expect(message).toMatch(refused);
    expect(message).toContain(`generated_folder ${JSON.stringify(folder())}`);
    expect(message).not.toContain(dataDir);
  });

  it('Evaluate Images and Evaluate Videos refuse a reference_folder elsewhere', async () => {
    const images = await failureOf(server.url, await onePrompt(server.url, 'EvaluateImages', { ...evaluate, generated_folder: 'output/run1', reference: 'folder', reference_folder: outside }));
    expect(images).toMatch(refused);
    const videos = await failureOf(server.url, await onePrompt(server.url, 'EvaluateVideos', { generated_folder: outside }));
    expect(videos).toMatch(/generated_folder ".*" is outside the folders/);
  });

  it("refuses an extractor file elsewhere, absolute or by '..' from weights/metrics", async () => {
    for (const name of [path.join(outside, 'model.onnx'), `../../../../../../..${outside}/model.onnx`]) {
      const message = await failureOf(server.url, await onePrompt(server.url, 'EvaluateImages', { ...evaluate, generated_folder: 'output/run1', extractor: 'inception (ONNX)', inception_onnx: name }));
      expect(message).toMatch(/is outside the folders a prompt may read|must be a name inside a weights\/metrics folder, without '\.\.'/);
    }
  });

  it("Train NAR refuses a codes file elsewhere and Train Tokenizer an image folder elsewhere, before training", async () => {
    const nar = await failureOf(server.url, await onePrompt(server.url, 'TrainNAR', { codes: '/etc/passwd', steps: 1, output_name: 'never-written' }));
    expect(nar).toContain('codes "/etc/passwd" is outside the folders');
    const vq = await failureOf(server.url, await onePrompt(server.url, 'TrainTokenizer', { data: 'image folder', folder: outside, steps: 1, output_name: 'never-written' }));
    expect(vq).toMatch(refused);
    expect(fs.readdirSync(host.config.paths.models.nar[host.config.paths.models.nar.length - 1])).not.toContain('never-written.safetensors');
  });

  it('takes a folder inside output, named relative to the data folder, and names it so in its errors', async () => {
    expect(await failureOf(server.url, await onePrompt(server.url, 'EvaluateImages', { ...evaluate, generated_folder: 'output/run1' }))).toBe('');
    expect(await failureOf(server.url, await onePrompt(server.url, 'EvaluateImages', { ...evaluate, generated_folder: 'output/empty' }))).toBe('image folder output/empty holds no images (expected files ending in .png, .jpg, .jpeg)');
  });
});

describe('nodeInputPath', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-nip-'));
  const paths = { output: path.join(root, 'output'), input: path.join(root, 'input'), temp: path.join(root, 'user', 'temp'), models: {}, data: root };

  it('in a local run takes any path, relative ones from the working directory', () => {
    expect(nodeInputPath({ ...paths, anyPath: true }, '/etc', 'folder')).toBe('/etc');
    expect(nodeInputPath({ ...paths, anyPath: true }, 'x/y', 'folder')).toBe(path.resolve('x/y'));
  });

  it('elsewhere refuses paths outside its folders and NUL bytes', () => {
    expect(nodeInputPath(paths, 'output/run', 'folder')).toBe(path.join(root, 'output', 'run'));
    expect(() => nodeInputPath(paths, '/etc', 'folder')).toThrow(NodeInputError);
    expect(() => nodeInputPath(paths, 'user', 'folder')).toThrow(/outside the folders/);
    expect(() => nodeInputPath(paths, 'output/a\0b', 'folder')).toThrow(/NUL byte/);
  });
});

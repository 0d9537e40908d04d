import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readPngText, encodePng } from '../../models/image/png';
import { imageBatch } from '../../models/image/types';
import { api, slowPrompt, startTestServer, TestServer, waitForHistory } from './serverHarness';

let s: TestServer;
let modelRoot: string;
beforeAll(async () => {
  modelRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-models-'));
  fs.mkdirSync(path.join(modelRoot, 'vq', 'sub'), { recursive: true });
  fs.writeFileSync(path.join(modelRoot, 'vq', 'a.safetensors'), 'x');
  fs.writeFileSync(path.join(modelRoot, 'vq', 'sub', 'b.safetensors'), 'x');
  s = await startTestServer({ modelRoots: [modelRoot] });
});
afterAll(() => s.close());

function pngUpload(name: string, bytes: Buffer, fields: Record<string, string> = {}): FormData {
  const form = new FormData();
  form.append('image', new Blob([new Uint8Array(bytes)]), name);
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  return form;
}

describe('HTTP API on a listening server', () => {
  it('runs an API-form prompt; history and /view return the PNG carrying both workflow forms', async () => {
    const res = await api(s.url, '/api/prompt', { body: { prompt: slowPrompt(2, 1) } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ prompt_id: expect.any(String), number: expect.any(Number), node_errors: {} });
    const entry = await waitForHistory(s.url, res.body.prompt_id);
    expect(entry.status).toMatchObject({ status_str: 'success', completed: true });
    const img = entry.outputs['3'].images[0];
    expect(img.type).toBe('temp');
    const view = await fetch(`${s.url}/api/view?filename=${encodeURIComponent(img.filename)}&subfolder=${encodeURIComponent(img.subfolder)}&type=temp`);
    expect(view.status).toBe(200);
    const text = readPngText(Buffer.from(await view.arrayBuffer()));
    expect(JSON.parse(text.prompt)['2'].class_type).toBe('SlowCounter');
    expect(JSON.parse(text.workflow).nodes).toHaveLength(3);
  });

  it('converts an editor-form workflow on the server', async () => {
    const demo = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../workflows/core-demo.json'), 'utf8'));
    const slow = demo.nodes.find((n: any) => n.type === 'SlowCounter');
    slow.widgets_values = [2, 1, 1];
    const res = await api(s.url, '/api/prompt', { body: { workflow: demo } });
    expect(res.status).toBe(200);
    const entry = await waitForHistory(s.url, res.body.prompt_id);
    expect(entry.status.status_str).toBe('success');
    expect(entry.prompt[2]['2'].inputs).toEqual({ steps: 2, delay_ms: 1, preview_every: 1, image: ['1', 0] });
    const saved = entry.outputs['4'].images[0];
    expect(saved).toMatchObject({ type: 'output', filename: expect.stringMatching(/^core-demo_\d{5}_\.png$/) });
    const bytes = fs.readFileSync(path.join(s.host.config.paths.output, saved.subfolder, saved.filename));
    expect(JSON.parse(readPngText(bytes).workflow)).toEqual(demo);
  });

  it('answers 400 with every problem per node, and 400 for bodies that are not prompts', async () => {
    const bad = await api(s.url, '/api/prompt', {
      body: { prompt: { '1': { class_type: 'Nope', inputs: {} }, '2': { class_type: 'PreviewImage', inputs: { images: ['9', 0] } } } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.type).toBe('prompt_outputs_failed_validation');
    expect(bad.body.node_errors['1'].errors[0].type).toBe('unknown_node_type');
    expect(bad.body.node_errors['2']).toMatchObject({ class_type: 'PreviewImage', errors: [{ type: 'bad_link', input_name: 'images' }] });
    expect((await api(s.url, '/api/prompt', { body: {} })).body.error.type).toBe('invalid_prompt');
    const notJson = await api(s.url, '/api/prompt', { raw: '{nope', headers: { 'content-type': 'application/json' } });
    expect(notJson.status).toBe(400);
    expect((await api(s.url, '/api/prompt', { body: { workflow: { nodes: 3 } } })).status).toBe(400);
  });

  it('/api/validate checks a prompt as /api/prompt does and queues nothing', async () => {
    const before = (await s.host.queue.history()).length;
    const ok = await api(s.url, '/api/validate', { body: { prompt: slowPrompt(2, 1) } });
    expect(ok.status).toBe(200);
    expect(ok.body.ok).toBe(true);
    expect(ok.body.nodes).toBe(Object.keys(slowPrompt(2, 1)).length);
    expect(ok.body.outputs.map((o: { class_type: string }) => o.class_type)).toEqual(['PreviewImage']);
    const bad = await api(s.url, '/api/validate', { body: { prompt: { '1': { class_type: 'Nope', inputs: {} } } } });
    expect(bad.status).toBe(400);
    expect(bad.body.node_errors['1'].errors[0].type).toBe('unknown_node_type');
    const badLink = await api(s.url, '/api/validate', { body: { prompt: { '2': { class_type: 'PreviewImage', inputs: { images: ['9', 0] } } } } });
    expect(badLink.body.node_errors['2'].errors[0].type).toBe('bad_link');
    expect((await api(s.url, '/api/validate', { body: {} })).body.error.type).toBe('invalid_prompt');
    expect(await s.host.queue.pendingCount()).toBe(0);
    expect((await s.host.queue.history()).length).toBe(before);
  });

  it('reports a badly typed constant by name, keeping its node (no bogus errors downstream)', async () => {
    const prompt = {
      '1': { class_type: 'ColorGradient', inputs: { width: 4, height: { x: 1 }, color_a: '#000000', color_b: '#ffffff', direction: 'vertical', noise: 0, seed: 0 } },
      '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
      '3': { class_type: 'PreviewImage', inputs: { images: ['2', 0] } },
    };
    const r = await api(s.url, '/api/prompt', { body: { prompt } });
    expect(r.status).toBe(400);
    expect(Object.keys(r.body.node_errors)).toEqual(['1']);
    expect(r.body.node_errors['1'].errors).toEqual([expect.objectContaining({ input_name: 'height', message: `input 'height' expects INT, got {"x":1}` })]);
  });

  it('runs only the partial_execution_targets, checking only what they need; refuses targets that are not output nodes', async () => {
    const prompt = {
      '1': { class_type: 'ColorGradient', inputs: { width: 4, height: 4, color_a: '#000000', color_b: '#ffffff', direction: 'horizontal', noise: 0, seed: 0 } },
      '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'partial-a' } },
      '3': { class_type: 'ImageInvert', inputs: {} }, // broken branch: no image linked
      '4': { class_type: 'SaveImage', inputs: { images: ['3', 0], filename_prefix: 'partial-b' } },
    };
    const whole = await api(s.url, '/api/prompt', { body: { prompt } });
    expect(whole.status).toBe(400);
    expect(Object.keys(whole.body.node_errors)).toEqual(['3']);
    const res = await api(s.url, '/api/prompt', { body: { prompt, partial_execution_targets: ['2'] } });
    expect(res.status).toBe(200);
    const entry = await waitForHistory(s.url, res.body.prompt_id);
    expect(entry.status.status_str).toBe('success');
    expect(Object.keys(entry.outputs)).toEqual(['2']);
    expect(entry.prompt[4]).toEqual(['2']);
    for (const [targets, message] of [
      [['1'], /partial_execution_targets: 1 \(ColorGradient\) is not an output node/],
      [['9'], /partial_execution_targets: 9 is not in the prompt/],
      [[], /partial_execution_targets must be a non-empty array of output node ids/],
    ] as const) {
      const refused = await api(s.url, '/api/prompt', { body: { prompt, partial_execution_targets: targets } });
      expect(refused.status).toBe(400);
      expect(refused.body.error.message).toMatch(message);
    }
  });

  it('lists, deletes and clears the queue; interrupts the running prompt', async () => {
    const running = await api(s.url, '/api/prompt', { body: { prompt: slowPrompt(400, 10, '#000001') } });
    const p1 = await api(s.url, '/api/prompt', { body: { prompt: slowPrompt(2, 1, '#000002') } });
    const p2 = await api(s.url, '/api/prompt', { body: { prompt: slowPrompt(2, 1, '#000003') } });
    const front = await api(s.url, '/api/prompt', { body: { prompt: slowPrompt(2, 1, '#000004'), front: true } });
    const q = await api(s.url, '/api/queue');
    expect(q.body.queue_running.map((i: any[]) => i[1])).toEqual([running.body.prompt_id]);
    expect(q.body.queue_pending.map((i: any[]) => i[1])).toEqual([front.body.prompt_id, p1.body.prompt_id, p2.body.prompt_id]);
    expect((await api(s.url, '/api/queue', { body: { delete: [p1.body.prompt_id] } })).body.deleted).toEqual([p1.body.prompt_id]);
    expect((await api(s.url, '/api/queue', { body: { clear: true } })).body.cleared).toBe(2);
    expect((await api(s.url, '/api/interrupt', { body: {} })).body.interrupted).toBe(true);
    const entry = await waitForHistory(s.url, running.body.prompt_id);
    expect(entry.status.status_str).toBe('interrupted');
    expect((await api(s.url, '/api/queue')).body).toEqual({ queue_running: [], queue_pending: [] });
  });

  it('object_info is derived from the node definitions; COMBO options are read per request', async () => {
    const info = (await api(s.url, '/api/object_info')).body;
    expect(info.SlowCounter).toMatchObject({ output: ['INT', 'IMAGE'], output_name: ['count', 'image'], category: 'testing', output_node: false });
    expect(info.SlowCounter.input.optional.image).toEqual(['IMAGE', { tooltip: 'tints the bar' }]);
    expect(info.ColorGradient.input.required.seed[1]).toMatchObject({ control_after_generate: true });
    expect(info.SaveImage.output_node).toBe(true);
    expect(info.LoadImage.input.required.image[0]).not.toContain('uploaded.png');
    const up = await fetch(`${s.url}/api/upload/image`, { method: 'POST', body: pngUpload('uploaded.png', encodePng(imageBatch(1, 2, 2))) });
    expect(await up.json()).toEqual({ name: 'uploaded.png', subfolder: '', type: 'input' });
    // the same bytes again reuse the file (as ComfyUI does); other bytes under that name get a new one
    const again = await fetch(`${s.url}/api/upload/image`, { method: 'POST', body: pngUpload('uploaded.png', encodePng(imageBatch(1, 2, 2))) });
    expect((await again.json()).name).toBe('uploaded.png');
    const other = encodePng(imageBatch(1, 3, 3));
    const renamed = await fetch(`${s.url}/api/upload/image`, { method: 'POST', body: pngUpload('uploaded.png', other) });
    expect((await renamed.json()).name).toBe('uploaded (1).png');
    const otherAgain = await fetch(`${s.url}/api/upload/image`, { method: 'POST', body: pngUpload('uploaded.png', other) });
    expect((await otherAgain.json()).name).toBe('uploaded (1).png');
    expect(fs.readdirSync(path.join(s.dataDir, 'input')).filter((f) => f.startsWith('uploaded')).sort()).toEqual(['uploaded (1).png', 'uploaded.png']);
    expect((await api(s.url, '/api/object_info/LoadImage')).body.LoadImage.input.required.image[0]).toContain('uploaded.png');
    const run = await api(s.url, '/api/prompt', {
      body: { prompt: { '1': { class_type: 'LoadImage', inputs: { image: 'uploaded.png' } }, '2': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } } } },
    });
    expect((await waitForHistory(s.url, run.body.prompt_id)).status.status_str).toBe('success');
  });

  it('refuses uploads that are not images or are over the size limit', async () => {
    const notImage = await fetch(`${s.url}/api/upload/image`, { method: 'POST', body: pngUpload('fake.png', Buffer.from('hello world')) });
    expect(notImage.status).toBe(415);
    const png = encodePng(imageBatch(1, 8, 8));
    const cut = await fetch(`${s.url}/api/upload/image`, { method: 'POST', body: pngUpload('cut.png', png.subarray(0, png.length - 20)) });
    expect(cut.status).toBe(400);
    expect((await cut.json()).error.message).toMatch(/"cut.png" is cut short: a PNG without its IEND chunk/);
    expect((await notImage.json()).error.message).toMatch(/not a PNG, JPEG, WebP or GIF/);
    const huge = await fetch(`${s.url}/api/upload/image`, { method: 'POST', body: pngUpload('big.png', Buffer.alloc(33 * 1024 * 1024)) });
    expect(huge.status).toBe(413);
  });

  it('reports system stats with the backend and the queue', async () => {
    const st = (await api(s.url, '/api/system_stats')).body;
    expect(st.backend).toEqual({ name: 'none', reason: expect.any(String) });
    expect(st.devices[0]).toMatchObject({ index: 0 });
    expect(st.queue).toEqual({ remaining: 0, running: 0 });
  });

  it('saves workflows with revisions; a stale write gets 409', async () => {
    const wf = (await api(s.url, '/api/default_workflow')).body;
    expect(Array.isArray(wf.nodes)).toBe(true);
    const created = await api(s.url, '/api/workflows/my flow', { method: 'PUT', body: { workflow: wf } });
    expect(created.body).toMatchObject({ name: 'my flow', revision: 1 });
    const updated = await api(s.url, '/api/workflows/my flow', { method: 'PUT', body: { workflow: wf, revision: 1 } });
    expect(updated.body.revision).toBe(2);
    const stale = await api(s.url, '/api/workflows/my flow', { method: 'PUT', body: { workflow: wf, revision: 1 } });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ error: { type: 'conflict' }, current_revision: 2 });
    expect((await api(s.url, '/api/workflows/my flow', { method: 'PUT', body: { workflow: wf } })).status).toBe(409);
    const got = await api(s.url, '/api/workflows/my flow');
    expect(got.body).toMatchObject({ name: 'my flow', revision: 2, workflow: { nodes: wf.nodes } });
    expect((await api(s.url, '/api/workflows')).body.workflows.map((w: any) => w.name)).toContain('my flow');
    expect((await api(s.url, '/api/workflows/bad%2Fname', { method: 'PUT', body: { workflow: wf } })).status).toBe(400);
    expect((await api(s.url, '/api/workflows/x', { method: 'PUT', body: { workflow: { nodes: 1 } } })).status).toBe(400);
    const missing = await api(s.url, '/api/workflows/x', { method: 'PUT', body: {} });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/the body has no 'workflow': expected \{workflow: <editor-form workflow>, revision\?: number\}/);
    const twice = await api(s.url, '/api/workflows/x', { method: 'PUT', body: { workflow: { ...wf, nodes: [...wf.nodes, { ...wf.nodes[0], id: String(wf.nodes[0].id) }] } } });
    expect(twice.status).toBe(400);
    expect(twice.body.error.message).toBe(`not an editor-form workflow: node id "${wf.nodes[0].id}" is used by more than one node`);
    expect((await api(s.url, '/api/workflows/x')).status).toBe(404); // neither was saved
    expect((await api(s.url, '/api/workflows/my flow', { method: 'DELETE' })).status).toBe(200);
    expect((await api(s.url, '/api/workflows/my flow')).status).toBe(404);
  });

  it('serves workflow templates, the default workflow and model file lists', async () => {
    const t = (await api(s.url, '/api/workflow_templates')).body;
    expect(t.templates).toContain('core-demo');
    // each with the one line the Templates list shows
    expect(t.descriptions['core-demo']).toMatch(/^the core node pack alone/);
    const demo = (await api(s.url, '/api/workflow_templates/core-demo')).body;
    expect(demo.nodes.map((n: any) => n.type)).toContain('SlowCounter');
    expect((await api(s.url, '/api/workflow_templates/nope')).status).toBe(404);
    expect((await api(s.url, '/api/workflow_templates/..%2Fpackage')).status).toBe(404);
    const def = (await api(s.url, '/api/default_workflow')).body;
    expect(def.nodes.length).toBeGreaterThan(0);
    expect((await api(s.url, '/api/models/vq')).body).toEqual(['a.safetensors', 'sub/b.safetensors']);
    const unknown = await api(s.url, '/api/models/none-here');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toMatch(/no model kind "none-here"; known kinds: .*\bvq\b/);
    expect((await api(s.url, '/api/models/constructor')).status).toBe(404);
    expect((await api(s.url, '/api/models/..%2Fvq')).status).toBe(400);
    expect((await api(s.url, '/api/nope')).status).toBe(404);
  });

  it('serves a plain page at / when the editor is not built', async () => {
    const res = await fetch(`${s.url}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('editor is not built');
  });
});

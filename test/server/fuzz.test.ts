// Posts ≥ 200 randomly mutated workflows (both forms) to a real server: each is answered 400 with
// per-node errors (or a prompt-level error for bodies that are not prompts at all) or accepted and
// run; the server keeps serving throughout and runs every accepted prompt.
import * as fs from 'fs';
import * as path from 'path';
import { Rng } from '../../models/rng';
import { api, startTestServer, TestServer, waitFor } from './serverHarness';

const PROMPT_LEVEL = new Set(['invalid_prompt', 'prompt_no_outputs']);
const WEIRD: unknown[] = [-1, 0, 1, 2.5, 7, 1e9, -1e9, '', 'x', '#zzzzzz', '#00ff00', 'vertical', true, false, null, [], ['1'], ['1', 0], ['1', 9], ['nope', 0], ['2', 0], {}, { a: 1 }];
const TYPES = ['TConst', 'TAdd', 'TSink', 'TFail', 'ColorGradient', 'ImageInvert', 'PreviewImage', 'SlowCounter', 'Bogus', ''];

function baseApi(): Record<string, any> {
  return {
    '1': { class_type: 'TConst', inputs: { value: 3 } },
    '2': { class_type: 'TAdd', inputs: { a: ['1', 0], b: ['1', 0] } },
    '3': { class_type: 'TSink', inputs: { value: ['2', 0], label: 's' } },
    '4': { class_type: 'ColorGradient', inputs: { width: 8, height: 8, color_a: '#000000', color_b: '#ffffff', direction: 'vertical', noise: 0, seed: 1 } },
    '5': { class_type: 'ImageInvert', inputs: { image: ['4', 0] } },
    '6': { class_type: 'SlowCounter', inputs: { steps: 2, delay_ms: 1, preview_every: 1, image: ['5', 0] } },
    '7': { class_type: 'PreviewImage', inputs: { images: ['6', 1] } },
  };
}

const pick = <T>(rng: Rng, xs: T[]): T => xs[rng.int(xs.length)];

function mutateApi(rng: Rng, p: Record<string, any>): unknown {
  const ids = Object.keys(p);
  if (!ids.length) return p;
  const id = pick(rng, ids);
  const node = typeof p[id] === 'object' && p[id] !== null ? p[id] : (p[id] = { class_type: 'TSink', inputs: {} });
  if (typeof node.inputs !== 'object' || node.inputs === null) node.inputs = {};
  const names = Object.keys(node.inputs);
  switch (rng.int(9)) {
    case 0:
      delete p[id];
      break;
    case 1:
      if (names.length) delete node.inputs[pick(rng, names)];
      break;
    case 2:
      node.class_type = pick(rng, TYPES);
      break;
    case 3:
      if (names.length) node.inputs[pick(rng, names)] = pick(rng, WEIRD);
      break;
    case 4: // a cycle: an upstream node reads a downstream output
      p['1'] = { class_type: 'TAdd', inputs: { a: ['2', 0] } };
      break;
    case 5:
      node.inputs[pick(rng, ['zzz', 'value', 'image', 'a'])] = pick(rng, WEIRD);
      break;
    case 6:
      p[String(100 + rng.int(5))] = { class_type: pick(rng, TYPES), inputs: { value: pick(rng, WEIRD), images: pick(rng, WEIRD) } };
      break;
    case 7:
      p[id] = pick(rng, WEIRD);
      break;
    default:
      return pick(rng, [[], 'prompt', 5, null, { '1': 'x' }, {}]);
  }
  return p;
}

function mutateEditor(rng: Rng, wf: any): unknown {
  const node = pick(rng, wf.nodes as any[]);
  switch (rng.int(7)) {
    case 0:
      wf.nodes = wf.nodes.filter((n: any) => n !== node);
      break;
    case 1:
      wf.links = wf.links.slice(1);
      break;
    case 2:
      if (wf.links.length) wf.links[0] = [wf.links[0][0], pick(rng, [99, 'x', 1]), pick(rng, [0, 5, -1]), wf.links[0][3], wf.links[0][4], 'IMAGE'];
      break;
    case 3:
      if (Array.isArray(node.widgets_values) && node.widgets_values.length) node.widgets_values[rng.int(node.widgets_values.length)] = pick(rng, WEIRD);
      break;
    case 4:
      node.type = pick(rng, TYPES);
      break;
    case 5:
      if (node.inputs?.length) node.inputs[0].link = pick(rng, [null, 12345, 1, 'x']);
      break;
    default:
      return pick(rng, [{ nodes: 'x' }, { nodes: [], version: 'a' }, { nodes: [{ id: 1 }], version: 0.4 }, { ...wf, links: 'x' }]);
  }
  return wf;
}

let s: TestServer;
beforeAll(async () => (s = await startTestServer()));
afterAll(() => s.close());

it('answers 200 randomly mutated workflows with 400 per-node errors or a run, and never falls over', async () => {
  const rng = new Rng(20250611);
  const demo = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../workflows/core-demo.json'), 'utf8'));
  demo.nodes.find((n: any) => n.type === 'SlowCounter').widgets_values = [2, 1, 1];
  const accepted: string[] = [];
  const tally = { accepted: 0, nodeErrors: 0, promptLevel: 0, editor: 0 };
  for (let i = 0; i < 220; i++) {
    const editor = rng.int(3) === 0;
    let body: unknown;
    if (editor) {
      tally.editor++;
      let wf: unknown = JSON.parse(JSON.stringify(demo));
      for (let k = 1 + rng.int(2); k > 0 && typeof wf === 'object' && wf && Array.isArray((wf as any).nodes) && (wf as any).nodes.length; k--) wf = mutateEditor(rng, wf);
      body = { workflow: wf };
    } else {
      let p: unknown = baseApi();
      for (let k = 1 + rng.int(3); k > 0 && typeof p === 'object' && p && !Array.isArray(p); k--) p = mutateApi(rng, p as Record<string, any>);
      body = { prompt: p };
    }
    const res = await api(s.url, '/api/prompt', { body });
    if (res.status === 200) {
      expect(res.body.prompt_id).toEqual(expect.any(String));
      accepted.push(res.body.prompt_id);
      tally.accepted++;
      continue;
    }
    expect(res.status).toBe(400);
    expect(typeof res.body.error?.message).toBe('string');
    const nodeErrors = Object.values(res.body.node_errors ?? {}) as { errors: { type: string; message: string }[] }[];
    if (nodeErrors.length) {
      tally.nodeErrors++;
      for (const ne of nodeErrors) {
        expect(ne.errors.length).toBeGreaterThan(0);
        for (const e of ne.errors) expect(e.message.length).toBeGreaterThan(0);
      }
    } else {
      expect(PROMPT_LEVEL.has(res.body.error.type)).toBe(true);
      tally.promptLevel++;
    }
  }
  process.stdout.write(`fuzz: ${JSON.stringify(tally)}\n`);
  expect(tally.nodeErrors).toBeGreaterThan(100);
  expect(tally.accepted).toBeGreaterThan(0);
  // Every accepted prompt runs to an end (success or a node error), and the server still answers.
  await waitFor(async () => {
    const h = (await api(s.url, '/api/history')).body;
    return accepted.every((id) => h[id]);
  }, 'all accepted prompts in history', 60000);
  expect((await api(s.url, '/api/queue')).body).toEqual({ queue_running: [], queue_pending: [] });
  expect((await api(s.url, '/api/object_info')).status).toBe(200);
});

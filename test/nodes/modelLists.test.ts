// GET /api/models/KIND for the kinds the NAR loaders read lists what their COMBOs offer: loadable
// model files only. It used to list every file, .optim.safetensors training side files (which the
// loader refuses) included.
import * as fs from 'fs';
import * as path from 'path';
import { LoadNARModel, LoadTextEncoder, LoadTokenizer } from '../../nodes/nar/loaders';
import { pack as narPack } from '../../nodes/nar';
import { listModels } from '../../nodes/nar/modelFiles';
import { api, startTestServer, type TestServer } from '../server/serverHarness';
import { tempRoot } from './helpers';

let s: TestServer;
const root = tempRoot('narflow-model-lists-');
beforeAll(async () => {
  for (const kind of ['nar', 'tokenizer', 'text_encoder', 'metrics']) fs.mkdirSync(path.join(root, kind, 'sub'), { recursive: true });
  const files = [
    'nar/mine.safetensors',
    'nar/mine.optim.safetensors',
    'nar/sub/other.pt',
    'nar/half.safetensors.partial',
    'nar/notes.txt',
    'tokenizer/vq.safetensors',
    'tokenizer/vq.optim.safetensors',
    'text_encoder/t5/model.onnx',
    'text_encoder/t5/tokenizer.json',
    'metrics/feat.onnx',
  ];
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    fs.writeFileSync(path.join(root, f), 'x');
  }
  // the NAR pack tells the server what its loaders offer (NodePack.modelLists)
  s = await startTestServer({ modelRoots: [root], extraPacks: [narPack] });
});
afterAll(async () => {
  await s.close();
  fs.rmSync(root, { recursive: true, force: true });
});

const comboOf = (node: typeof LoadNARModel, input: string) => (node.inputs[input].options as (p: typeof s.host.config.paths) => string[])(s.host.config.paths);

describe('GET /api/models/KIND', () => {
  it('lists for nar, tokenizer and text_encoder exactly what the loader nodes offer, side files left out', async () => {
    const nar = (await api(s.url, '/api/models/nar')).body as string[];
    expect(nar).toEqual(comboOf(LoadNARModel, 'model_name'));
    expect(nar).toEqual(expect.arrayContaining(['mine.safetensors', 'sub/other.pt']));
    expect(nar.filter((n) => /optim|partial|notes/.test(n))).toEqual([]);
    const tok = (await api(s.url, '/api/models/tokenizer')).body as string[];
    expect(tok).toEqual(comboOf(LoadTokenizer, 'tokenizer_name'));
    expect(tok).toContain('vq.safetensors');
    expect(tok).not.toContain('vq.optim.safetensors');
    const text = (await api(s.url, '/api/models/text_encoder')).body as string[];
    expect(text).toEqual(comboOf(LoadTextEncoder, 'encoder_name'));
    expect(text).toContain('t5');
    expect(text).toEqual(listModels(s.host.config.paths, 'text_encoder'));
  });

  it('other kinds still list their files', async () => {
    expect((await api(s.url, '/api/models/metrics')).body).toContain('feat.onnx');
  });
});

// A workflow shared without its files: the file-list values this server lacks, where each goes and,
// from ComfyUI's `models` lists, where to get it (only http(s) links).
import * as fs from 'fs';
import * as path from 'path';
import { comboFolder } from '../../server/api/protocol';
import { objectInfo } from '../../server/engine/registry/objectInfo';
import { missingFileLines, missingFiles, workflowModelSources } from '../../server/engine/workflow/missingFiles';
import { SUBGRAPH_INPUT_ID as IN, SUBGRAPH_OUTPUT_ID as OUT } from '../../server/engine/workflow/subgraphs';
import { NODE_MODE, type EditorWorkflow } from '../../server/engine/workflow/schema';
import { hostPaths, narRegistry, tempRoot, tinyWeights } from '../nodes/helpers';
import { WORKFLOWS_DIR } from './generate';
import { WORKFLOW_MODELS } from './workflowSpecs';

const root = tempRoot('narflow-missing-');
const paths = hostPaths(root, tinyWeights(path.join(root, 'weights')));
const info = objectInfo(narRegistry(), paths);
const read = (f: string) => JSON.parse(fs.readFileSync(path.join(WORKFLOWS_DIR, f), 'utf8')) as EditorWorkflow;

/** The default workflow with its NAR model and tokenizer swapped for files this server lacks. */
function shared(): EditorWorkflow {
  const wf = read('text-to-image.json');
  const node = (type: string) => wf.nodes.find((n) => n.type === type)!;
  node('LoadNARModel').widgets_values = ['c2i_B.pt'];
  node('LoadTokenizer').widgets_values = ['published/vq_ds16_c2i.pt'];
  node('LoadTokenizer').properties = { models: [{ name: 'vq_ds16_c2i.pt', url: 'javascript:alert(1)', directory: 'vae' }] };
  return { ...wf, models: [{ name: 'c2i_B.pt', url: 'https://example.org/nar/c2i_B.pt', directory: 'checkpoints' }] } as EditorWorkflow;
}

describe('missing files', () => {
  it('file-list inputs say which folder they list; other COMBOs say none', () => {
    expect(comboFolder(info.LoadNARModel, 'model_name')).toBe('weights/nar/');
    expect(comboFolder(info.LoadTokenizer, 'tokenizer_name')).toBe('weights/tokenizer/');
    expect(comboFolder(info.LoadTextEncoder, 'encoder_name')).toBe('weights/text_encoder/');
    expect(comboFolder(info.LoadImage, 'image')).toBe('input/');
    expect(comboFolder(info.NARSampler, 'engine')).toBeUndefined();
  });

  it('the shipped workflows name no missing file, but the published-model template names its two, with the links its models list gives', () => {
    for (const f of fs.readdirSync(WORKFLOWS_DIR).filter((x) => x.endsWith('.json') && x !== 'imagenet-nar-b.json')) {
      expect([f, missingFiles(read(f), info)]).toEqual([f, []]);
    }
    const published = missingFiles(read('imagenet-nar-b.json'), info);
    expect(published.map((m) => [m.folder + m.value, m.url])).toEqual(
      WORKFLOW_MODELS['imagenet-nar-b']!.map((m) => [`weights/${m.directory}/${m.name}`, m.url]),
    );
  });

  it('a shared workflow: each absent file with its node, folder and download link; unsafe links are dropped', () => {
    const wf = shared();
    const missing = missingFiles(wf, info);
    const nar = wf.nodes.find((n) => n.type === 'LoadNARModel')!;
    const tok = wf.nodes.find((n) => n.type === 'LoadTokenizer')!;
    expect(missing).toEqual([
      { nodeId: String(nar.id), classType: 'LoadNARModel', title: 'Load NAR Model', input: 'model_name', value: 'c2i_B.pt', folder: 'weights/nar/', url: 'https://example.org/nar/c2i_B.pt' },
      { nodeId: String(tok.id), classType: 'LoadTokenizer', title: 'Load Tokenizer', input: 'tokenizer_name', value: 'published/vq_ds16_c2i.pt', folder: 'weights/tokenizer/' },
    ]);
    expect(workflowModelSources(wf).get('vq_ds16_c2i.pt')).toEqual({ name: 'vq_ds16_c2i.pt', directory: 'vae' });
    expect(missingFileLines(missing)[0]).toBe(`weights/nar/c2i_B.pt (node ${nar.id}, Load NAR Model: model_name) from https://example.org/nar/c2i_B.pt`);
  });

  it('a file put in its folder is no longer missing (the lists are read anew)', () => {
    const wf = shared();
    fs.copyFileSync(path.join(paths.models.nar[0], 'shapes-t2i.safetensors'), path.join(paths.models.nar[0], 'c2i_B.pt'));
    try {
      expect(missingFiles(wf, objectInfo(narRegistry(), paths)).map((m) => m.value)).toEqual(['published/vq_ds16_c2i.pt']);
    } finally {
      fs.rmSync(path.join(paths.models.nar[0], 'c2i_B.pt'));
    }
  });

  it('muted and bypassed nodes do not count (they do not run); a node titled by its user keeps the title', () => {
    const wf = shared();
    wf.nodes.find((n) => n.type === 'LoadNARModel')!.mode = NODE_MODE.never;
    const tok = wf.nodes.find((n) => n.type === 'LoadTokenizer')!;
    tok.title = 'ImageNet VQ';
    expect(missingFiles(wf, info).map((m) => [m.title, m.value])).toEqual([['ImageNet VQ', 'published/vq_ds16_c2i.pt']]);
    tok.mode = NODE_MODE.bypass;
    expect(missingFiles(wf, info)).toEqual([]);
  });

  it('inside a subgraph: the inner node by its execution id, with the link from the node\'s own models list', () => {
    const SG = '3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
    const wf = {
      last_node_id: 2, last_link_id: 1, version: 0.4,
      nodes: [
        { id: 7, type: SG, pos: [0, 0], size: [200, 80], mode: 0, outputs: [{ name: 'IMAGE', type: 'IMAGE', links: [1] }] },
        { id: 2, type: 'SaveImage', pos: [300, 0], size: [240, 80], mode: 0, inputs: [{ name: 'images', type: 'IMAGE', link: 1 }], widgets_values: ['sg'] },
      ],
      links: [[1, 7, 0, 2, 0, 'IMAGE']],
      definitions: {
        subgraphs: [{
          id: SG, name: 'Shared picture', version: 1,
          inputNode: { id: IN, bounding: [0, 0, 75, 100] }, outputNode: { id: OUT, bounding: [600, 0, 75, 100] },
          inputs: [], outputs: [{ id: 'o', name: 'IMAGE', type: 'IMAGE', linkIds: [1] }], widgets: [],
          nodes: [{
            id: 4, type: 'LoadImage', pos: [100, 0], size: [240, 120], mode: 0,
            outputs: [{ name: 'IMAGE', type: 'IMAGE', links: [1] }, { name: 'MASK', type: 'MASK', links: null }],
            widgets_values: ['holiday.png'],
            properties: { models: [{ name: 'holiday.png', url: 'http://example.org/holiday.png' }] },
          }],
          links: [{ id: 1, origin_id: 4, origin_slot: 0, target_id: OUT, target_slot: 0, type: 'IMAGE' }],
        }],
      },
    } as unknown as EditorWorkflow;
    expect(missingFiles(wf, info)).toEqual([
      { nodeId: '7:4', classType: 'LoadImage', title: 'Load Image', input: 'image', value: 'holiday.png', folder: 'input/', url: 'http://example.org/holiday.png' },
    ]);
  });
});

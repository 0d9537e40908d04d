// Subgraphs in the editor form (ComfyUI's `definitions.subgraphs`): instances become the nodes inside
// them, with execution ids "instance:inner", before validation and running.
import * as fs from 'fs';
import * as path from 'path';
import { PNG } from 'pngjs';
import { validatePrompt } from '../../server/engine/graph/validate';
import { objectInfo } from '../../server/engine/registry/objectInfo';
import { editorToApi, parseEditorWorkflow } from '../../server/engine/workflow/convert';
import { applyOverrides } from '../../server/engine/workflow/overrides';
import type { EditorNode, EditorWorkflow } from '../../server/engine/workflow/schema';
import { SUBGRAPH_INPUT_ID as IN, SUBGRAPH_OUTPUT_ID as OUT } from '../../server/engine/workflow/subgraphs';
import { harness } from './engineHarness';

const h = harness();
const info = objectInfo(h.registry, h.paths);

const SCALE_INVERT = '7d0f2c1e-5b8a-4c3d-9e6f-0a1b2c3d4e5f';
const WRAPPER = 'a3c1e5f7-0000-4000-8000-000000000002';

type LinkObject = { id: number; origin_id: number; origin_slot: number; target_id: number; target_slot: number; type: string };
const link = (id: number, originId: number, originSlot: number, targetId: number, targetSlot: number, type: string): LinkObject => ({
  id, origin_id: originId, origin_slot: originSlot, target_id: targetId, target_slot: targetSlot, type,
});

/** "Scale and invert": input image → Scale Image (its width fed by the subgraph input 'width') → Invert → output. */
function scaleInvertDef() {
  return {
    id: SCALE_INVERT,
    name: 'Scale and invert',
    version: 1,
    inputNode: { id: IN, bounding: [0, 0, 75, 100] },
    outputNode: { id: OUT, bounding: [600, 0, 75, 100] },
    inputs: [
      { id: 'i-image', name: 'image', type: 'IMAGE', linkIds: [1] },
      { id: 'i-width', name: 'width', type: 'INT', linkIds: [3] },
    ],
    outputs: [{ id: 'o-image', name: 'IMAGE', type: 'IMAGE', linkIds: [4] }],
    widgets: [],
    nodes: [
      {
        id: 1, type: 'ImageScale', pos: [100, 0], size: [240, 120], mode: 0,
        inputs: [
          { name: 'image', type: 'IMAGE', link: 1 },
          { name: 'width', type: 'INT', link: 3, widget: { name: 'width' } },
          { name: 'height', type: 'INT', link: null, widget: { name: 'height' } },
        ],
        outputs: [{ name: 'IMAGE', type: 'IMAGE', links: [2] }],
        widgets_values: ['nearest', 16, 12],
      },
      {
        id: 2, type: 'ImageInvert', pos: [400, 0], size: [240, 60], mode: 0,
        inputs: [{ name: 'image', type: 'IMAGE', link: 2 }],
        outputs: [{ name: 'IMAGE', type: 'IMAGE', links: [4] }],
      },
    ],
    links: [link(1, IN, 0, 1, 0, 'IMAGE'), link(2, 1, 0, 2, 0, 'IMAGE'), link(3, IN, 1, 1, 1, 'INT'), link(4, 2, 0, OUT, 0, 'IMAGE')],
  };
}

function gradient(id: number, links: number[]): EditorNode {
  return {
    id, type: 'ColorGradient', pos: [0, 0], size: [240, 200], mode: 0,
    outputs: [{ name: 'IMAGE', type: 'IMAGE', links }],
    widgets_values: [8, 6, '#000000', '#ffffff', 'vertical', 0, 3, 'fixed'],
  };
}

function save(id: number, link: number, prefix: string): EditorNode {
  return { id, type: 'SaveImage', pos: [900, 0], size: [240, 80], mode: 0, inputs: [{ name: 'images', type: 'IMAGE', link }], widgets_values: [prefix] };
}

function instance(id: number, type: string, imageLink: number | null, outLinks: number[], width: { link?: number; value?: number }): EditorNode {
  return {
    id, type, pos: [300, 0], size: [200, 80], mode: 0,
    inputs: [
      { name: 'image', type: 'IMAGE', link: imageLink },
      { name: 'width', type: 'INT', link: width.link ?? null, ...(width.value !== undefined || width.link !== undefined ? { widget: { name: 'width' } } : {}) },
    ],
    outputs: [{ name: 'IMAGE', type: 'IMAGE', links: outLinks }],
    ...(width.value !== undefined ? { widgets_values: [width.value] } : {}),
  };
}

/** Gradient 1 → instance 5 → Save 4, the instance's width shown as a widget set to 20. */
function workflow(): EditorWorkflow {
  return {
    last_node_id: 5, last_link_id: 2, version: 0.4,
    nodes: [gradient(1, [1]), instance(5, SCALE_INVERT, 1, [2], { value: 20 }), save(4, 2, 'sg')],
    links: [[1, 1, 0, 5, 0, 'IMAGE'], [2, 5, 0, 4, 0, 'IMAGE']],
    definitions: { subgraphs: [scaleInvertDef()] },
  } as unknown as EditorWorkflow;
}

function savedPng(file: string): PNG {
  return PNG.sync.read(fs.readFileSync(path.join(h.paths.output, file)));
}

describe('subgraphs', () => {
  it('an instance becomes the nodes inside it, with ids "instance:inner", wired to what it is wired to outside', () => {
    const { prompt, problems } = editorToApi(workflow(), info);
    expect(problems).toEqual([]);
    expect(prompt).toEqual({
      '1': { class_type: 'ColorGradient', inputs: { width: 8, height: 6, color_a: '#000000', color_b: '#ffffff', direction: 'vertical', noise: 0, seed: 3 } },
      '5:1': { class_type: 'ImageScale', inputs: { image: ['1', 0], method: 'nearest', width: 20, height: 12 } },
      '5:2': { class_type: 'ImageInvert', inputs: { image: ['5:1', 0] } },
      '4': { class_type: 'SaveImage', inputs: { images: ['5:2', 0], filename_prefix: 'sg' } },
    });
    expect(validatePrompt(prompt, h.registry, h.paths).ok).toBe(true);
  });

  it('runs: the picture saved through the subgraph equals the one from the same nodes laid out flat', async () => {
    const { prompt } = editorToApi(workflow(), info);
    const viaSubgraph = await h.run(prompt);
    expect(viaSubgraph.status).toBe('success');
    expect(viaSubgraph.executed.sort()).toEqual(['1', '4', '5:1', '5:2']);
    const flat = {
      '1': prompt['1'],
      '2': { class_type: 'ImageScale', inputs: { ...prompt['5:1'].inputs } },
      '3': { class_type: 'ImageInvert', inputs: { image: ['2', 0] as [string, number] } },
      '4': { class_type: 'SaveImage', inputs: { images: ['3', 0] as [string, number], filename_prefix: 'flat' } },
    };
    const direct = await h.run(flat);
    const a = savedPng(viaSubgraph.outputs['4'].images![0].filename);
    const b = savedPng(direct.outputs['4'].images![0].filename);
    expect([a.width, a.height]).toEqual([20, 12]);
    expect(Buffer.compare(a.data, b.data)).toBe(0);
    // progress events name the inner nodes by their execution ids
    expect(viaSubgraph.events.filter((e) => e.type === 'executing').map((e) => (e.data as { node: string | null }).node)).toEqual(
      expect.arrayContaining(['5:1', '5:2']),
    );
  });

  it('a subgraph input linked outside takes that link; unlinked and not shown as a widget, the inner widget value stays', () => {
    const wf = workflow();
    wf.nodes.push({ id: 6, type: 'PrimitiveInt', mode: 0, outputs: [{ name: 'INT', type: 'INT', links: [3] }], widgets_values: [24] });
    wf.links.push([3, 6, 0, 5, 1, 'INT']);
    wf.nodes[1].inputs![1].link = 3;
    expect(editorToApi(wf, info).prompt['5:1'].inputs.width).toEqual(['6', 0]);

    const plain = workflow();
    plain.nodes[1] = instance(5, SCALE_INVERT, 1, [2], {});
    expect(editorToApi(plain, info).prompt['5:1'].inputs.width).toBe(16);
  });

  it('two instances of one definition run as separate nodes, each with its own widget value', () => {
    const wf = workflow();
    wf.nodes[0].outputs![0].links = [1, 3];
    wf.nodes.push(instance(7, SCALE_INVERT, 3, [4], { value: 10 }), save(8, 4, 'second'));
    wf.links.push([3, 1, 0, 7, 0, 'IMAGE'], [4, 7, 0, 8, 0, 'IMAGE']);
    const { prompt, problems } = editorToApi(wf, info);
    expect(problems).toEqual([]);
    expect(prompt['5:1'].inputs.width).toBe(20);
    expect(prompt['7:1'].inputs.width).toBe(10);
    expect(prompt['8'].inputs.images).toEqual(['7:2', 0]);
  });

  it('nested subgraphs get ids "outer:inner:node"; an input passed straight to an output is followed', () => {
    // "Wrapper": its input → an instance (id 3) of Scale and invert → its output; its second output is its input unchanged
    const wrapper = {
      id: WRAPPER, name: 'Wrapper', version: 1,
      inputNode: { id: IN, bounding: [0, 0, 75, 100] }, outputNode: { id: OUT, bounding: [500, 0, 75, 100] },
      inputs: [{ id: 'w-in', name: 'picture', type: 'IMAGE', linkIds: [10, 12] }],
      outputs: [{ id: 'w-out', name: 'processed', type: 'IMAGE', linkIds: [11] }, { id: 'w-raw', name: 'raw', type: 'IMAGE', linkIds: [12] }],
      nodes: [instance(3, SCALE_INVERT, 10, [11], { value: 9 })],
      links: [link(10, IN, 0, 3, 0, 'IMAGE'), link(11, 3, 0, OUT, 0, 'IMAGE'), link(12, IN, 0, OUT, 1, 'IMAGE')],
    };
    const wf = {
      last_node_id: 9, last_link_id: 3, version: 0.4,
      nodes: [
        gradient(1, [1]),
        { id: 9, type: WRAPPER, mode: 0, inputs: [{ name: 'picture', type: 'IMAGE', link: 1 }], outputs: [{ name: 'processed', type: 'IMAGE', links: [2] }, { name: 'raw', type: 'IMAGE', links: [3] }] },
        save(4, 2, 'nested'),
        save(6, 3, 'raw'),
      ],
      links: [[1, 1, 0, 9, 0, 'IMAGE'], [2, 9, 0, 4, 0, 'IMAGE'], [3, 9, 1, 6, 0, 'IMAGE']],
      definitions: { subgraphs: [wrapper, scaleInvertDef()] },
    };
    const { prompt, problems } = editorToApi(wf, info);
    expect(problems).toEqual([]);
    expect(Object.keys(prompt).sort()).toEqual(['1', '4', '6', '9:3:1', '9:3:2']);
    expect(prompt['9:3:1'].inputs).toMatchObject({ image: ['1', 0], width: 9 });
    expect(prompt['4'].inputs.images).toEqual(['9:3:2', 0]);
    expect(prompt['6'].inputs.images).toEqual(['1', 0]);
  });

  it('a muted instance is left out with what only it fed; a bypassed one passes its picture through', () => {
    const muted = workflow();
    muted.nodes[1].mode = 2;
    const m = editorToApi(muted, info).prompt;
    expect(Object.keys(m).sort()).toEqual(['1', '4']);
    expect(m['4'].inputs.images).toBeUndefined();

    const bypassed = workflow();
    bypassed.nodes[1].mode = 4;
    const b = editorToApi(bypassed, info).prompt;
    expect(Object.keys(b).sort()).toEqual(['1', '4']);
    expect(b['4'].inputs.images).toEqual(['1', 0]);
  });

  it('muted and bypassed nodes inside a subgraph behave as they do outside', () => {
    const wf = workflow();
    (wf.definitions!.subgraphs![0].nodes[1] as EditorNode).mode = 4; // bypass Invert
    const { prompt } = editorToApi(wf, info);
    expect(prompt['5:2']).toBeUndefined();
    expect(prompt['4'].inputs.images).toEqual(['5:1', 0]);
  });

  it('a subgraph that contains itself is refused by name, not expanded forever', () => {
    const wf = workflow();
    const def = wf.definitions!.subgraphs![0] as unknown as { nodes: EditorNode[] };
    def.nodes.push({ id: 3, type: SCALE_INVERT, mode: 0, inputs: [], outputs: [] });
    const { problems } = editorToApi(wf, info);
    expect(problems).toEqual([
      expect.objectContaining({ nodeId: '5:3', type: 'cycle', message: expect.stringMatching(/'Scale and invert' contains an instance of itself/) }),
    ]);
  });

  it('an instance whose definition is missing is an unknown node type for validation', () => {
    const wf = workflow();
    wf.definitions = { subgraphs: [] };
    const { prompt } = editorToApi(wf, info);
    const v = validatePrompt(prompt, h.registry, h.paths);
    expect(v.ok).toBe(false);
    expect(JSON.stringify(v)).toContain(SCALE_INVERT);
  });

  it('the schema keeps definitions as litegraph wrote them (link objects), so the editor can load them back', () => {
    const parsed = parseEditorWorkflow(workflow());
    expect(parsed.definitions!.subgraphs![0].links[0]).toEqual(link(1, IN, 0, 1, 0, 'IMAGE'));
    expect(parsed.definitions!.subgraphs![0].inputs.map((i) => i.name)).toEqual(['image', 'width']);
  });

  it('--set reaches a node inside a subgraph by its execution id', () => {
    const wf = workflow();
    const forms = applyOverrides({ prompt: editorToApi(wf, info).prompt, workflow: wf }, [['5:1', 'height', 30]], info);
    expect(forms.prompt['5:1'].inputs.height).toBe(30);
  });

  it('--set on an instance sets the widget it shows (in both forms); other inputs are refused with the inner ids', () => {
    const wf = workflow();
    const forms = applyOverrides({ prompt: editorToApi(wf, info).prompt, workflow: wf }, [['5', 'width', 33], ['1', 'seed', 9]], info);
    expect(forms.prompt['5:1'].inputs.width).toBe(33);
    expect(forms.prompt['1'].inputs.seed).toBe(9);
    expect(forms.workflow!.nodes.find((n) => n.id === 5)!.widgets_values).toEqual([33]);
    expect(wf.nodes.find((n) => n.id === 5)!.widgets_values).toEqual([20]); // the caller's copy is untouched
    expect(() => applyOverrides({ prompt: editorToApi(wf, info).prompt, workflow: wf }, [['5', 'image', 1]], info)).toThrow(
      /--set 5.image: node 5 is an instance of subgraph 'Scale and invert', which shows the widgets 'width', not 'image'; set a node inside it by its id \(5:1, 5:2\)/,
    );
  });
});

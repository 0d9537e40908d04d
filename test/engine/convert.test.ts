import * as fs from 'fs';
import * as path from 'path';
import { objectInfo } from '../../server/engine/registry/objectInfo';
import { apiToEditor } from '../../server/engine/workflow/apiToEditor';
import { editorToApi, setEditorWidget, WorkflowFormatError } from '../../server/engine/workflow/convert';
import { migrateEditorWorkflow } from '../../server/engine/workflow/migrate';
import { ApiWorkflow, editorWorkflowSchema, EditorWorkflow } from '../../server/engine/workflow/schema';
import { widgetSlots } from '../../server/engine/workflow/widgets';
import { harness } from './engineHarness';

const h = harness();
const info = objectInfo(h.registry, h.paths);
const demo = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../workflows/core-demo.json'), 'utf8')) as EditorWorkflow;

const api: ApiWorkflow = {
  '1': { class_type: 'ColorGradient', inputs: { width: 8, height: 6, color_a: '#000000', color_b: '#ffffff', direction: 'vertical', noise: 0.1, seed: 123 } },
  '2': { class_type: 'PrimitiveInt', inputs: { value: 16 } },
  '3': { class_type: 'ImageScale', inputs: { image: ['1', 0], method: 'nearest', width: ['2', 0], height: 12 } },
  '4': { class_type: 'SaveImage', inputs: { images: ['3', 0], filename_prefix: 'x' } },
};

describe('workflow conversion', () => {
  it('refuses an editor-form workflow with two nodes of the same id, naming it', () => {
    const twice = { ...demo, nodes: [...demo.nodes, { ...demo.nodes[1], pos: [0, 0] }] };
    expect(() => editorToApi(twice, info)).toThrow(new WorkflowFormatError(`not an editor-form workflow: node id "${demo.nodes[1].id}" is used by more than one node`));
  });

  it('lays the API form out in columns by depth, each node below the one before with room for what it shows', () => {
    const wide: ApiWorkflow = {
      '1': { class_type: 'ColorGradient', inputs: { width: 8, height: 8, color_a: '#000000', color_b: '#ffffff', direction: 'horizontal', noise: 0, seed: 0 } },
      '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'a' } },
      '3': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } },
      '4': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
    };
    const wf = apiToEditor(wide, info);
    const node = (id: number) => wf.nodes.find((n) => n.id === id)!;
    const pos = (id: number) => node(id).pos as number[];
    const height = (id: number) => (node(id).size as number[])[1];
    expect(pos(1)[0]).toBeLessThan(pos(2)[0]);
    expect([pos(3)[0], pos(4)[0]]).toEqual([pos(2)[0], pos(2)[0]]);
    // a node that shows pictures gets room below it
    expect(pos(3)[1]).toBeGreaterThanOrEqual(pos(2)[1] + height(2) + 250);
    expect(pos(4)[1]).toBeGreaterThanOrEqual(pos(3)[1] + height(3) + 250);
    // ColorGradient's seven widgets fit its size
    expect(height(1)).toBeGreaterThanOrEqual(7 * 22);
  });

  it('the shipped core-demo is a valid editor-form workflow that converts without problems', () => {
    expect(editorWorkflowSchema.safeParse(demo).success).toBe(true);
    const { prompt, problems } = editorToApi(demo, info);
    expect(problems).toEqual([]);
    expect(Object.keys(prompt).sort()).toEqual(['1', '2', '3', '4', '5']);
    expect(prompt['4']).toEqual({ class_type: 'SaveImage', inputs: { images: ['3', 0], filename_prefix: 'core-demo' } });
  });

  it('widgets_values follow the widget inputs in order, a seed followed by its control value', () => {
    expect(widgetSlots(info.ColorGradient).map((w) => [w.name, w.index])).toEqual([
      ['width', 0], ['height', 1], ['color_a', 2], ['color_b', 3], ['direction', 4], ['noise', 5], ['seed', 6],
    ]);
    const wf = apiToEditor(api, info);
    expect(wf.nodes.find((n) => n.id === 1)!.widgets_values).toEqual([8, 6, '#000000', '#ffffff', 'vertical', 0.1, 123, 'fixed']);
  });

  it('API → editor → API is lossless, including a widget converted to a linked input', () => {
    const wf = apiToEditor(api, info);
    const scale = wf.nodes.find((n) => n.id === 3)!;
    expect(scale.inputs!.find((i) => i.name === 'width')).toMatchObject({ widget: { name: 'width' } });
    expect(editorToApi(JSON.parse(JSON.stringify(wf)), info)).toEqual({ prompt: api, problems: [] });
  });

  it('muted nodes are left out, bypassed nodes pass their input through, reroutes are followed', () => {
    const wf = apiToEditor(api, info);
    // Insert a reroute between 1 and 3, and bypass node 3 (ImageScale): SaveImage then reads node 1.
    const link = wf.links.find((l) => l[3] === 3 && l[4] === 0)!;
    wf.nodes.push({ id: 9, type: 'Reroute', inputs: [{ name: '', type: '*', link: link[0] }], outputs: [{ name: '', type: 'IMAGE', links: [50] }] });
    wf.links = wf.links.map((l) => (l === link ? [l[0], l[1], l[2], 9, 0, l[5]] : l));
    wf.links.push([50, 9, 0, 3, 0, 'IMAGE']);
    wf.nodes.find((n) => n.id === 3)!.inputs![0].link = 50;
    let prompt = editorToApi(wf, info).prompt;
    expect(prompt['3'].inputs.image).toEqual(['1', 0]);
    wf.nodes.find((n) => n.id === 3)!.mode = 4;
    prompt = editorToApi(wf, info).prompt;
    expect(prompt['3']).toBeUndefined();
    expect(prompt['4'].inputs.images).toEqual(['1', 0]);
    wf.nodes.find((n) => n.id === 1)!.mode = 2;
    prompt = editorToApi(wf, info).prompt;
    expect(prompt['1']).toBeUndefined();
    expect(prompt['4'].inputs.images).toBeUndefined(); // validation then reports the missing input
  });

  it('reports a dangling link id as a per-node problem', () => {
    const wf = apiToEditor(api, info);
    wf.nodes.find((n) => n.id === 4)!.inputs![0].link = 999;
    const { problems } = editorToApi(wf, info);
    expect(problems).toEqual([expect.objectContaining({ nodeId: '4', type: 'bad_link', inputName: 'images' })]);
  });

  it('migrates typed-array positions and link objects, and refuses non-workflows with the zod issues', () => {
    const old = JSON.parse(JSON.stringify(demo));
    delete old.version;
    old.nodes[0].pos = { '0': 5, '1': 7 };
    old.links = old.links.map((l: unknown[]) => ({ id: l[0], origin_id: l[1], origin_slot: l[2], target_id: l[3], target_slot: l[4], type: l[5] }));
    const m = migrateEditorWorkflow(old) as EditorWorkflow;
    expect(m.version).toBe(0.4);
    expect(m.nodes[0].pos).toEqual([5, 7]);
    expect(m.links).toEqual(demo.links);
    expect(editorToApi(old, info).prompt).toEqual(editorToApi(demo, info).prompt);
    expect(() => editorToApi({ nodes: 'x' }, info)).toThrow(WorkflowFormatError);
    expect(() => editorToApi({ nodes: 'x' }, info)).toThrow(/nodes/);
  });

  it('setEditorWidget changes one widget value and names bad targets', () => {
    const wf = setEditorWidget(demo, '1', 'seed', 7, info);
    expect(editorToApi(wf, info).prompt['1'].inputs.seed).toBe(7);
    expect(demo.nodes[0].widgets_values).not.toContain(7);
    expect(() => setEditorWidget(demo, '42', 'seed', 1, info)).toThrow(/no node with id 42/);
    expect(() => setEditorWidget(demo, '1', 'nope', 1, info)).toThrow(/no widget input 'nope'/);
  });
});

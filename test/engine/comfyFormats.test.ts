// Workflow files as ComfyUI's current frontend writes them (hand-written in test/fixtures/comfyui,
// following ComfyUI_frontend's workflow schema and litegraph's serialisation): native reroutes and
// floating links, litegraph's schema 1, the legacy Reroute and Primitive nodes, subgraph instances
// whose promoted widgets are in properties.proxyWidgets, legacy group nodes, widgets_values as an
// object, and fields narflow does not know, which must survive.
import * as fs from 'fs';
import * as path from 'path';
import { validatePrompt } from '../../server/engine/graph/validate';
import { objectInfo } from '../../server/engine/registry/objectInfo';
import { editorToApi, parseEditorWorkflow } from '../../server/engine/workflow/convert';
import { applyOverrides, typeTextOverrides } from '../../server/engine/workflow/overrides';
import { editorForm } from '../../server/engine/workflow/editorForm';
import { nativePromotion } from '../../server/engine/workflow/promotion';
import type { EditorWorkflow } from '../../server/engine/workflow/schema';
import { harness } from './engineHarness';

const h = harness();
const info = objectInfo(h.registry, h.paths);
const FIXTURES = path.resolve(__dirname, '../fixtures/comfyui');

function fixture(name: string): EditorWorkflow {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8')) as EditorWorkflow;
}

const GRADIENT = { width: 8, height: 6, color_a: '#000000', color_b: '#ffffff', direction: 'vertical', noise: 0, seed: 3 };

describe('native reroutes (litegraph schema 1 and 0.4)', () => {
  const direct = {
    '1': { class_type: 'ColorGradient', inputs: GRADIENT },
    '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'reroutes' } },
  };

  it('a link through reroutes, with a floating link beside it (same id), converts as the direct link, in both forms', () => {
    for (const file of ['native-reroutes-v1.json', 'native-reroutes-v04.json']) {
      const { prompt, problems } = editorToApi(fixture(file), info);
      expect(problems).toEqual([]);
      expect(prompt).toEqual(direct);
    }
  });

  it("takes what ComfyUI's schema allows beyond litegraph's usual: a list of types, slot indexes written as strings", () => {
    const wf = fixture('native-reroutes-v04.json') as unknown as { links: unknown[][]; nodes: { outputs?: { type: unknown; slot_index?: unknown }[] }[] };
    wf.links[0] = [1, 1, '0', 2, '0', ['IMAGE', 'MASK']];
    wf.nodes[0].outputs![0] = { ...wf.nodes[0].outputs![0], type: ['IMAGE', 'MASK'], slot_index: '0' };
    const { prompt, problems } = editorToApi(wf, info);
    expect(problems).toEqual([]);
    expect(prompt).toEqual(direct);
    expect(parseEditorWorkflow(wf).links[0]).toEqual([1, 1, 0, 2, 0, 'IMAGE,MASK']);
  });

  it('takes extra and config written as null (ComfyUI\'s schema allows it)', () => {
    const wf = { ...fixture('native-reroutes-v04.json'), extra: null, config: null };
    expect(editorToApi(wf, info)).toEqual({ prompt: direct, problems: [] });
    // litegraph reads config as an object: the editor gets neither
    const shown = editorForm(wf as EditorWorkflow, info);
    expect(shown).not.toHaveProperty('config');
    expect(shown).not.toHaveProperty('extra');
  });

  it('runs: the picture is saved as through the direct link', async () => {
    const r = await h.run(editorToApi(fixture('native-reroutes-v1.json'), info).prompt);
    expect(r.status).toBe('success');
    expect(r.outputs['2'].images).toHaveLength(1);
  });

  it('schema 1 becomes the 0.4 form with the reroutes where litegraph reads them there (extra.reroutes, extra.linkExtensions)', () => {
    const wf = parseEditorWorkflow(fixture('native-reroutes-v1.json')) as EditorWorkflow & Record<string, unknown>;
    expect(wf.version).toBe(0.4);
    expect(wf.links).toEqual([[1, 1, 0, 2, 0, 'IMAGE']]);
    expect(wf.reroutes).toBeUndefined();
    expect(wf.extra!.reroutes).toEqual(fixture('native-reroutes-v1.json')['reroutes' as keyof EditorWorkflow]);
    expect(wf.extra!.linkExtensions).toEqual([{ id: 1, parentId: 2 }]);
    expect([wf.last_node_id, wf.last_link_id]).toEqual([2, 1]);
    // parsed again (a saved copy read back), nothing moves
    expect(parseEditorWorkflow(wf)).toEqual(wf);
  });

  it('keeps what it does not know: top-level fields, extra (ds, extensions), models, floatingLinks, node fields', () => {
    for (const file of ['native-reroutes-v1.json', 'native-reroutes-v04.json']) {
      const raw = fixture(file) as EditorWorkflow & Record<string, unknown>;
      const wf = parseEditorWorkflow(raw) as EditorWorkflow & Record<string, unknown>;
      expect(wf.floatingLinks).toEqual(raw.floatingLinks);
      expect(wf.extra!.ds).toEqual({ scale: 0.8, offset: [120, 40] });
      expect(wf.extra!.myExtension).toEqual({ keep: ['me', 1, { nested: true }] });
      expect(wf.nodes[0].properties).toEqual(raw.nodes[0].properties);
      expect(wf.nodes[0].outputs![0]).toEqual(raw.nodes[0].outputs![0]);
      if (file.includes('v1')) {
        expect(wf.models).toEqual(raw.models);
        expect(wf.myTool).toEqual({ exportedBy: 'someone else', n: 2 });
        expect(wf.state).toEqual(raw.state);
      }
    }
  });
});

describe('legacy virtual nodes', () => {
  it("a PrimitiveNode's value reaches the widget inputs it is linked to (through a Reroute too) and it never runs", () => {
    const { prompt, problems } = editorToApi(fixture('primitive-reroute.json'), info);
    expect(problems).toEqual([]);
    expect(prompt).toEqual({
      '1': { class_type: 'ColorGradient', inputs: GRADIENT },
      '5': { class_type: 'ImageScale', inputs: { image: ['1', 0], method: 'nearest', width: 24, height: 24 } },
      '2': { class_type: 'SaveImage', inputs: { images: ['5', 0], filename_prefix: 'primitive' } },
      '7': { class_type: 'SaveImage', inputs: { images: ['5', 0], filename_prefix: 'bypassed' } }, // node 6 is bypassed, node 8 muted
    });
    expect(validatePrompt(prompt, h.registry, h.paths).ok).toBe(true);
  });

  it('a PrimitiveNode without a value (never connected when saved) leaves the widget its own value', () => {
    const wf = fixture('primitive-reroute.json');
    wf.nodes.find((n) => n.id === 3)!.widgets_values = [];
    expect(editorToApi(wf, info).prompt['5'].inputs).toMatchObject({ width: 16, height: 16 });
    wf.nodes.find((n) => n.id === 3)!.mode = 2; // muted: nothing to give either
    wf.nodes.find((n) => n.id === 3)!.widgets_values = [24, 'fixed'];
    expect(editorToApi(wf, info).prompt['5'].inputs).toMatchObject({ width: 16, height: 16 });
  });
});

describe('subgraph instances with properties.proxyWidgets', () => {
  it("widgets_values follows proxyWidgets: values reach the inner widgets ('-1' is a subgraph input), links win, the rest stay", () => {
    const { prompt, problems } = editorToApi(fixture('subgraph-proxy-widgets.json'), info);
    expect(problems).toEqual([]);
    const inner = { color_a: '#000000', color_b: '#ffffff', direction: 'vertical', noise: 0 };
    // instance 5 lists one input slot of two, and no value for its control and preview entries
    expect(prompt['5:10']).toEqual({ class_type: 'ColorGradient', inputs: { ...inner, width: 7, height: 5, seed: 42 } });
    // proxyWidgets as a JSON string (frontends of autumn 2025)
    expect(prompt['6:10']).toEqual({ class_type: 'ColorGradient', inputs: { ...inner, width: 9, height: 4, seed: 77 } });
    // a linked input takes its link; an entry-less widget keeps the inner value
    expect(prompt['7:10']).toEqual({ class_type: 'ColorGradient', inputs: { ...inner, width: ['3', 0], height: 3, seed: 5 } });
    expect(prompt['5:11'].inputs.image).toEqual(['5:10', 0]);
    expect(validatePrompt(prompt, h.registry, h.paths).ok).toBe(true);
  });

  it("an instance listing only some of the subgraph's inputs: a slot is matched by name, never by position", () => {
    // as ComfyUI's Flux.2 Klein template: the instance's one slot is the definition's last input
    const wf = fixture('subgraph-proxy-widgets.json');
    const host = wf.nodes.find((n) => n.id === 5)!;
    host.inputs![0].link = 5;
    wf.nodes.find((n) => n.id === 3)!.outputs![0].links!.push(5);
    wf.links.push([5, 3, 0, 5, 0, 'INT']);
    expect(editorToApi(wf, info).prompt['5:10'].inputs).toMatchObject({ width: 7, height: ['3', 0] });
  });

  it('without proxyWidgets, a hole (null) in widgets_values keeps the inner value', () => {
    const wf = nativePromotion(fixture('subgraph-proxy-widgets.json'), info);
    wf.nodes.find((n) => n.id === 5)!.widgets_values = [null, 5, null];
    expect(editorToApi(wf, info).prompt['5:10'].inputs).toMatchObject({ width: 64, height: 5, seed: 5 });
  });

  it('a malformed proxyWidgets (bad JSON, entries that are no pairs) never throws: what is readable is used', () => {
    const wf = fixture('subgraph-proxy-widgets.json');
    const [a, b] = [wf.nodes.find((n) => n.id === 5)!, wf.nodes.find((n) => n.id === 6)!];
    a.properties = { proxyWidgets: '{not json' };
    b.properties = { proxyWidgets: [['-1'], 3, null, ['-1', 'height'], { x: 1 }] };
    b.widgets_values = [1, 2, 3, 4, 5];
    const { prompt, problems } = editorToApi(wf, info);
    expect(problems).toEqual([]);
    expect(prompt['5:10'].inputs).toMatchObject({ height: 5 }); // read as a plain instance: its one widget slot
    expect(prompt['6:10'].inputs).toMatchObject({ width: 64, height: 4, seed: 5 });
    expect(() => nativePromotion(wf, info)).not.toThrow();
    expect(editorToApi(nativePromotion(wf, info), info).prompt['6:10'].inputs).toMatchObject({ width: 64, height: 4, seed: 5 });
  });

  it('a host around a nested instance reaches its widgets by input name, by a legacy "id: name", or by the innermost id', () => {
    const wf = fixture('subgraph-proxy-widgets.json');
    const inner = wf.definitions!.subgraphs![0];
    const OUTER = 'c0ffee00-0000-4000-8000-000000000001';
    const nested = { ...wf.nodes.find((n) => n.id === 6)!, id: 20, inputs: [], outputs: [{ name: 'IMAGE', type: 'IMAGE', links: [1] }] };
    wf.definitions!.subgraphs!.push({
      ...inner, id: OUTER, name: 'Outer', inputs: [],
      nodes: [nested], links: [{ id: 1, origin_id: 20, origin_slot: 0, target_id: -20, target_slot: 0, type: 'IMAGE' }] as never,
    });
    const host = wf.nodes.find((n) => n.id === 5)!;
    host.type = OUTER;
    host.inputs = [];
    host.properties = { proxyWidgets: [['20', 'width'], ['20', '10: seed'], ['20', 'noise', '10'], ['20', 'height', '10']] };
    host.widgets_values = [31, 1234, 0.5, 17];
    const { prompt, problems } = editorToApi(wf, info);
    expect(problems).toEqual([]);
    expect(prompt['5:20:10'].inputs).toMatchObject({ width: 31, seed: 1234, noise: 0.5, height: 17 });
    expect(prompt['6:10'].inputs).toMatchObject({ width: 9, height: 4, seed: 77 }); // the other instance keeps its own
    // for the editor: the outer subgraph gets inputs feeding the nested instance's, which gets inputs for seed and noise
    const native = nativePromotion(wf, info);
    const outer = native.definitions!.subgraphs!.find((d) => d.id === OUTER)!;
    expect(outer.inputs.map((i) => i.name)).toEqual(['width', 'seed', 'noise', 'height']);
    expect(native.definitions!.subgraphs![0].inputs.map((i) => i.name)).toEqual(['width', 'height', 'seed', 'noise']);
    expect(native.nodes.find((n) => n.id === 5)!.widgets_values).toEqual([31, 1234, 0.5, 17]);
    expect(editorToApi(native, info)).toEqual(editorToApi(wf, info));
    expect(nativePromotion(native, info)).toEqual(native);
  });

  it('--set types a value by the subgraph input when the instance lists no slot for it (a COMBO keeps "0" as text)', () => {
    const wf = fixture('subgraph-proxy-widgets.json');
    wf.definitions!.subgraphs![0].inputs[0].type = 'COMBO';
    expect(typeTextOverrides({ prompt: editorToApi(wf, info).prompt, workflow: wf }, [['6', 'width', '0'], ['6', 'height', '0']], info)).toEqual([
      ['6', 'width', '0'],
      ['6', 'height', 0],
    ]);
  });

  it('--set on an instance with proxyWidgets writes its entry in widgets_values; unknown and linked ones are refused', () => {
    const wf = fixture('subgraph-proxy-widgets.json');
    const forms = applyOverrides({ prompt: editorToApi(wf, info).prompt, workflow: wf }, [['5', 'width', 33], ['5', 'seed', 8]], info);
    expect(forms.prompt['5:10'].inputs).toMatchObject({ width: 33, height: 5, seed: 8 });
    expect(forms.workflow!.nodes.find((n) => n.id === 5)!.widgets_values).toEqual([5, 33, 8]);
    expect(() => applyOverrides({ prompt: forms.prompt, workflow: wf }, [['5', 'noise', 1]], info)).toThrow(
      /--set 5.noise: node 5 is an instance of subgraph 'Inverted gradient', which shows the widgets 'height', 'width', 'seed', 'control_after_generate', '\$\$canvas-image-preview', not 'noise'; set a node inside it by its id \(5:10, 5:11\)/,
    );
    expect(() => applyOverrides({ prompt: forms.prompt, workflow: wf }, [['7', 'width', 1]], info)).toThrow(/input 'width' of subgraph instance 7 is linked/);
  });
});

describe("subgraph instances brought to litegraph's form for the editor (nativePromotion)", () => {
  it('a slot per input in order, proxyWidgets consumed into input widgets (one new input for an inner widget); the API form is the same', () => {
    const wf = fixture('subgraph-proxy-widgets.json');
    const native = nativePromotion(wf, info);
    const def = native.definitions!.subgraphs![0];
    expect(def.inputs.map((i) => i.name)).toEqual(['width', 'height', 'seed']);
    expect(def.links).toContainEqual({ id: 5, origin_id: -10, origin_slot: 2, target_id: 10, target_slot: 2, type: 'INT' });
    const node = (id: number) => native.nodes.find((n) => n.id === id)!;
    expect(def.nodes[0].inputs!.map((i) => [i.name, i.link])).toEqual([['width', 1], ['height', 2], ['seed', 5]]);
    for (const id of [5, 6, 7]) {
      expect(node(id).properties!.proxyWidgets).toBeUndefined();
      expect(node(id).inputs!.map((i) => [i.name, i.widget?.name])).toEqual([['width', 'width'], ['height', 'height'], ['seed', 'seed']]);
    }
    expect(node(5).widgets_values).toEqual([7, 5, 42]);
    expect(node(6).widgets_values).toEqual([9, 4, 77]);
    expect(node(7).widgets_values).toEqual([1000, 3, 5]); // seed: the inner value
    expect(node(7).inputs![0].link).toBe(4);
    expect(editorToApi(native, info)).toEqual(editorToApi(wf, info));
    expect(nativePromotion(native, info)).toEqual(native);
  });

  it('a Primitive node inside, whose value an instance shows, becomes one subgraph input feeding what it fed (its value the default)', () => {
    const wf = fixture('subgraph-proxy-widgets.json');
    const def = wf.definitions!.subgraphs![0];
    def.nodes.push({
      id: 12, type: 'PrimitiveNode', pos: [0, 300], size: [210, 82], mode: 0, inputs: [],
      outputs: [{ name: 'INT', type: 'INT', links: [6], widget: { name: 'seed' } }], widgets_values: [1234, 'fixed'],
    } as never);
    def.nodes[0].inputs!.push({ name: 'seed', type: 'INT', widget: { name: 'seed' }, link: 6 });
    def.links.push({ id: 6, origin_id: 12, origin_slot: 0, target_id: 10, target_slot: 2, type: 'INT' } as never);
    wf.nodes.find((n) => n.id === 5)!.properties!.proxyWidgets = [['-1', 'height'], ['-1', 'width'], ['12', 'value']];
    const before = editorToApi(wf, info);
    expect([before.prompt['5:10'].inputs.seed, before.prompt['6:10'].inputs.seed, before.prompt['7:10'].inputs.seed]).toEqual([42, 1234, 1234]);
    const native = nativePromotion(wf, info);
    const nd = native.definitions!.subgraphs![0];
    expect(nd.inputs.map((i) => i.name)).toEqual(['width', 'height', 'seed']);
    expect(nd.links).toContainEqual({ id: 6, origin_id: -10, origin_slot: 2, target_id: 10, target_slot: 2, type: 'INT' });
    expect(native.nodes.find((n) => n.id === 6)!.widgets_values).toEqual([9, 4, 1234]);
    expect(editorToApi(native, info)).toEqual(before);
  });

  it('links into an instance that lists only some inputs follow their slot by name', () => {
    const wf = fixture('subgraph-proxy-widgets.json');
    const host = wf.nodes.find((n) => n.id === 5)!;
    host.inputs![0].link = 5; // its only slot, 'height', is the definition's second input
    wf.nodes.find((n) => n.id === 3)!.outputs![0].links!.push(5);
    wf.links.push([5, 3, 0, 5, 0, 'INT']);
    const native = nativePromotion(wf, info);
    expect(native.links.find((l) => l[0] === 5)).toEqual([5, 3, 0, 5, 1, 'INT']);
    expect(native.nodes.find((n) => n.id === 5)!.inputs![1]).toMatchObject({ name: 'height', link: 5 });
    expect(editorToApi(native, info)).toEqual(editorToApi(wf, info));
  });

  it('a workflow whose instances already have a slot per input comes back equal', () => {
    const wf = nativePromotion(fixture('subgraph-proxy-widgets.json'), info);
    expect(nativePromotion(wf, info)).toEqual(wf);
    expect(nativePromotion(fixture('native-reroutes-v04.json'), info)).toEqual(fixture('native-reroutes-v04.json'));
  });
});

describe('legacy group nodes', () => {
  it('are refused with a problem naming the group node, what it holds and what to do', () => {
    for (const type of ['workflow>Inverted gradient', 'workflow/Inverted gradient']) {
      const wf = fixture('group-node.json');
      wf.nodes[0].type = type;
      const { prompt, problems } = editorToApi(wf, info);
      expect(problems).toEqual([
        {
          nodeId: '1',
          classType: type,
          type: 'unknown_node_type',
          message:
            "node 1 is a legacy ComfyUI group node 'Inverted gradient' (it holds ColorGradient, ImageInvert), defined in extra.groupNodes; narflow does not run group nodes: open the workflow in ComfyUI, convert the group node to a subgraph (or to nodes) and save it again",
        },
      ]);
      // kept, so that the Save Image it feeds is not told its input links to a missing node
      expect(prompt['1']).toEqual({ class_type: type, inputs: {} });
      expect(validatePrompt(prompt, h.registry, h.paths).nodeErrors['2']).toBeUndefined();
    }
  });

  it('a muted group node is left out like any muted node', () => {
    const wf = fixture('group-node.json');
    wf.nodes[0].mode = 2;
    wf.nodes[1].mode = 2;
    expect(editorToApi(wf, info).problems).toEqual([]);
  });
});

it('widgets_values as an object (VHS-style) is read by widget name; keys that are no widget are ignored', () => {
  const { prompt, problems } = editorToApi(fixture('widgets-object.json'), info);
  expect(problems).toEqual([]);
  expect(prompt).toEqual({
    '1': { class_type: 'ColorGradient', inputs: GRADIENT },
    '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'object' } },
  });
});

it('for the editor, widgets_values as an object becomes the list litegraph assigns in widget order (a seed with its control value)', () => {
  const wf = fixture('widgets-object.json');
  const shown = editorForm(wf, info);
  expect(shown.nodes[0].widgets_values).toEqual([8, 6, '#000000', '#ffffff', 'vertical', 0, 3, 'fixed']);
  expect(shown.nodes[1].widgets_values).toEqual(['object']);
  expect(editorToApi(shown, info)).toEqual(editorToApi(wf, info));
  expect(editorForm(shown, info)).toEqual(shown);
});

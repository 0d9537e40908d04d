// Note, MarkdownNote and Reroute in a real Chromium: a ComfyUI-style workflow carrying notes and
// a chain of reroutes opens with real nodes (not placeholders), the reroutes take the type of
// what they carry, and it queues and runs; a note dropped from the palette keeps its text
// through Queue and a reload, and never reaches the server's prompt.
import * as fs from 'fs';
import * as path from 'path';
import { apiToEditor } from '../../server/engine/workflow/apiToEditor';
import type { EditorWorkflow } from '../../server/engine/workflow/schema';
import { describeWithChromium, dropFromPalette, openEditor, queueAndWait, runPhase, setWidget, type EditorSession } from './browserHelpers';

const describeBrowser = describeWithChromium('test/ui/editorOnlyNodes.test.ts');
jest.setTimeout(120_000);

/** gradient → reroute → reroute → invert → save, with a Note and a MarkdownNote beside them. */
function withReroutes(s: EditorSession): EditorWorkflow {
  const wf = apiToEditor(
    {
      '1': { class_type: 'ColorGradient', inputs: { width: 8, height: 8, color_a: '#000000', color_b: '#ffffff', direction: 'horizontal', noise: 0, seed: 0 } },
      '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
      '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'rerouted' } },
    },
    s.host.objectInfo(),
  );
  const link = wf.links.find((l) => l[1] === 1 && l[3] === 2)!; // gradient → invert
  const [first, , , , target] = [link[0], link[1], link[2], link[3], link[4]];
  link[3] = 10; // gradient → reroute 10
  link[4] = 0;
  wf.links.push([101, 10, 0, 11, 0, '*'], [102, 11, 0, 2, target, 'IMAGE']);
  wf.nodes.find((n) => n.id === 2)!.inputs![0].link = 102;
  wf.nodes.find((n) => n.id === 1)!.outputs![0].links = [first];
  const reroute = (id: number, from: number, to: number, x: number) => ({
    id, type: 'Reroute', pos: [x, 300], size: [75, 26], flags: {}, order: 0, mode: 0,
    inputs: [{ name: '', type: '*', link: from }], outputs: [{ name: '', type: '*', links: [to], slot_index: 0 }],
    properties: { showOutputText: false, horizontal: false },
  });
  const note = (id: number, type: string, text: string) => ({ id, type, pos: [40 + (id - 20) * 340, 500], size: [300, 120], flags: {}, order: 0, mode: 0, inputs: [], outputs: [], properties: {}, widgets_values: [text], color: '#432', bgcolor: '#653' });
  wf.nodes.push(reroute(10, first, 101, 300) as never, reroute(11, 101, 102, 420) as never, note(20, 'Note', 'a plain note') as never, note(21, 'MarkdownNote', '# a markdown note') as never);
  wf.last_node_id = 21;
  wf.last_link_id = 102;
  return wf;
}

describeBrowser('editor-only nodes in Chromium', () => {
  let s: EditorSession;
  beforeAll(async () => {
    s = await openEditor();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('opens notes and reroutes as real nodes; the reroutes carry IMAGE and the workflow runs through them', async () => {
    const { page } = s;
    await page.evaluate((w) => (window as any).narflow.app.loadWorkflow(w, 'reroutes'), withReroutes(s) as unknown);
    const nodes = await page.evaluate(() =>
      (window as any).narflow.editor.graph.nodes.map((n: any) => ({ id: n.id, type: n.type, virtual: !!n.isVirtualNode, out: n.outputs?.[0]?.type ?? null, text: n.widgets?.[0]?.value ?? null })),
    );
    const byId = (id: number) => nodes.find((n: { id: number }) => n.id === id);
    expect(byId(10)).toMatchObject({ type: 'Reroute', virtual: true, out: 'IMAGE' });
    expect(byId(11)).toMatchObject({ type: 'Reroute', virtual: true, out: 'IMAGE' });
    expect(byId(20)).toMatchObject({ type: 'Note', virtual: true, text: 'a plain note' });
    expect(byId(21)).toMatchObject({ type: 'MarkdownNote', virtual: true, text: '# a markdown note' });
    // an IMAGE reroute does not link into an INT input
    const refused = await page.evaluate(() => {
      const { editor } = (window as any).narflow;
      const graph = editor.graph;
      const seed = editor.addNode('PrimitiveInt');
      const linked = graph.getNodeById(11).connect(0, seed, 0);
      graph.remove(seed);
      return linked;
    });
    expect(refused).toBeFalsy();
    // the link between the reroutes carries IMAGE too (its colour); cut the input and the chain is untyped again
    expect(await page.evaluate(() => (window as any).narflow.editor.graph.links.get(101).type)).toBe('IMAGE');
    const untyped = await page.evaluate(() => {
      const { graph } = (window as any).narflow.editor;
      const gradient = graph.getNodeById(1);
      const back = gradient.outputs[0].links.slice();
      graph.getNodeById(10).disconnectInput(0);
      const types = [graph.getNodeById(10).outputs[0].type, graph.getNodeById(11).outputs[0].type];
      gradient.connect(0, graph.getNodeById(10), 0);
      return { types, back: back.length, again: [graph.getNodeById(10).outputs[0].type, graph.getNodeById(11).outputs[0].type] };
    });
    expect(untyped).toEqual({ types: ['*', '*'], back: 1, again: ['IMAGE', 'IMAGE'] });
    await page.click('#queue-button');
    await page.waitForFunction(() => ['success', 'error'].includes((window as any).narflow.runState.phase), null, { timeout: 60_000 });
    expect(await runPhase(page)).toBe('success');
    const [entry] = await s.host.queue.history();
    expect(Object.values(entry.prompt.prompt).map((n) => n.class_type).sort()).toEqual(['ColorGradient', 'ImageInvert', 'SaveImage']);
    expect(entry.prompt.prompt['2'].inputs.image).toEqual(['1', 0]);
    expect(fs.readdirSync(path.join(s.dataDir, 'output')).some((f) => f.startsWith('rerouted_'))).toBe(true);
    expect(s.pageErrors).toEqual([]);
  });

  it('a note dropped from the palette keeps its text through Queue and a reload', async () => {
    const { page } = s;
    const id = await dropFromPalette(page, 'Note', 300, 560);
    await setWidget(page, id, 'text', 'remember: cfg 2 for the class models');
    // the editor hears the end of this second prompt (not the first's, whose phase is still shown);
    // the server writes history just after the end event: look for it for a moment
    expect(await queueAndWait(page)).toBe('success');
    for (let i = 0; i < 100 && (await s.host.queue.history()).length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    const runs = await s.host.queue.history();
    expect(runs.map((r) => r.status)).toEqual(['success', 'success']);
    expect(Object.values(runs[1].prompt.prompt).map((n) => n.class_type)).not.toContain('Note');
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    const text = await page.evaluate((nid) => (window as any).narflow.editor.graph.getNodeById(nid)?.widgets?.[0]?.value, id);
    expect(text).toBe('remember: cfg 2 for the class models');
    // drawn once (wrapped, below the widget), not also cut short in the widget
    const widget = await page.evaluate((nid) => { const w = (window as any).narflow.editor.graph.getNodeById(nid).widgets[0]; return { label: w.label, shown: w._displayValue }; }, id);
    expect(widget).toEqual({ label: '✎ edit', shown: '' });
    expect(s.pageErrors).toEqual([]);
  });
});

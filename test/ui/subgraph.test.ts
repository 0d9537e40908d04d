// Subgraphs in a real Chromium: the selection becomes one node (Ctrl+Shift+E), the workflow still
// queues and runs (the server runs the inner nodes as "instance:inner"), the instance shows what ran
// inside it, it opens, is edited inside (undo stays inside), is left with Esc or the path, and
// survives a reload; a subgraph input shown as a widget on the instance sets the inner value.
import * as fs from 'fs';
import * as path from 'path';
import { PNG } from 'pngjs';
import { apiToEditor } from '../../server/engine/workflow/apiToEditor';
import { describeWithChromium, openEditor, queueAndWait as queueAndWaitFor, runPhase, setWidget, type EditorSession } from './browserHelpers';

const describeBrowser = describeWithChromium('test/ui/subgraph.test.ts');
jest.setTimeout(180_000);

/** gradient 1 → scale 2 (width from Int 5) → invert 3 → save 4. */
function flatWorkflow(s: EditorSession) {
  return apiToEditor(
    {
      '1': { class_type: 'ColorGradient', inputs: { width: 8, height: 8, color_a: '#000000', color_b: '#ffffff', direction: 'horizontal', noise: 0, seed: 0 } },
      '5': { class_type: 'PrimitiveInt', inputs: { value: 12 } },
      '2': { class_type: 'ImageScale', inputs: { image: ['1', 0], method: 'nearest', width: ['5', 0], height: 6 } },
      '3': { class_type: 'ImageInvert', inputs: { image: ['2', 0] } },
      '4': { class_type: 'SaveImage', inputs: { images: ['3', 0], filename_prefix: 'sub' } },
    },
    s.host.objectInfo(),
  );
}

async function queueAndWait(s: EditorSession, runs: number): Promise<void> {
  await queueAndWaitFor(s.page);
  // the editor may hear the end a moment before the history entry is written
  for (let i = 0; i < 100 && (await s.host.queue.history()).length < runs; i++) await new Promise((r) => setTimeout(r, 50));
  expect((await s.host.queue.history()).length).toBe(runs);
}

function lastSavedSize(s: EditorSession): [number, number] {
  const dir = path.join(s.dataDir, 'output');
  const last = fs.readdirSync(dir).filter((f) => f.startsWith('sub_')).sort().at(-1)!;
  const png = PNG.sync.read(fs.readFileSync(path.join(dir, last)));
  return [png.width, png.height];
}

describeBrowser('subgraphs in Chromium', () => {
  let s: EditorSession;
  let instanceId = '';
  beforeAll(async () => {
    s = await openEditor();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('Ctrl+Shift+E makes the selected nodes one node, and the workflow runs through it', async () => {
    const { page } = s;
    await page.evaluate((w) => (window as any).narflow.app.loadWorkflow(w, 'subgraphs'), flatWorkflow(s) as unknown);
    await page.evaluate(() => {
      const { editor } = (window as any).narflow;
      editor.canvas.deselectAll();
      for (const id of [2, 3]) editor.canvas.select(editor.graph.getNodeById(id));
    });
    await page.keyboard.press('Control+Shift+E');
    const after = await page.evaluate(() => {
      const { editor } = (window as any).narflow;
      const wf = editor.serialize();
      const def = wf.definitions?.subgraphs?.[0];
      const instance = editor.graph.nodes.find((n: any) => n.type === def?.id);
      return {
        rootTypes: editor.graph.nodes.map((n: any) => n.type).sort(),
        inner: def?.nodes.map((n: any) => n.type).sort(),
        inputs: instance?.inputs.map((i: any) => i.name),
        id: String(instance?.id),
        x: instance?.pos[0],
        undo: (window as any).narflow.changes.canUndo,
      };
    });
    expect(after.inner).toEqual(['ImageInvert', 'ImageScale']);
    expect(after.rootTypes).toHaveLength(4);
    expect(after.rootTypes).toEqual(expect.arrayContaining(['ColorGradient', 'PrimitiveInt', 'SaveImage']));
    expect(after.inputs).toEqual(['image', 'width']);
    expect(after.undo).toBe(true);
    // it takes the place of the nodes it holds (between the gradient and Save Image)
    expect(after.x).toBeGreaterThan(420);
    expect(after.x).toBeLessThan(1140);
    instanceId = after.id;

    await queueAndWait(s, 1);
    expect(await runPhase(page)).toBe('success');
    const [entry] = await s.host.queue.history();
    expect(Object.keys(entry.prompt.prompt).sort()).toEqual(['1', '4', '5', `${instanceId}:2`, `${instanceId}:3`].sort());
    expect(entry.prompt.prompt[`${instanceId}:2`].inputs).toMatchObject({ image: ['1', 0], width: ['5', 0] });
    expect(lastSavedSize(s)).toEqual([12, 6]);
    // the instance shows that the nodes inside it ran
    const shown = await page.evaluate((id) => (window as any).narflow.runState.summary(id), instanceId);
    expect(shown.ranMs).not.toBeNull();
    expect(shown.error).toBeNull();
    expect(s.pageErrors).toEqual([]);
  });

  it('opens: edits inside run as the inner nodes, undo stays inside, Esc goes back out', async () => {
    const { page } = s;
    // the width fed from outside is not editable on the instance
    expect(await page.evaluate((id) => (window as any).narflow.editor.graph.getNodeById(Number(id)).widgets.map((w: any) => [w.name, w.disabled]), instanceId)).toEqual([['width', true]]);
    await page.evaluate((id) => {
      const { editor } = (window as any).narflow;
      const node = editor.graph.getNodeById(Number(id));
      node.onTitleButtonClick({ name: 'enter_subgraph' }, editor.canvas); // the ⧉ button on its title
    }, instanceId);
    await page.waitForSelector('#subgraph-path:not([hidden])');
    expect(await page.locator('#subgraph-path button').allTextContents()).toEqual(['Workflow', 'New Subgraph']);
    const inside = await page.evaluate(() => {
      const { editor } = (window as any).narflow;
      return { types: editor.shown.nodes.map((n: any) => n.type).sort(), ids: editor.shown.nodes.map((n: any) => editor.executionId(n)).sort() };
    });
    expect(inside.types).toEqual(['ImageInvert', 'ImageScale']);
    expect(inside.ids).toEqual([`${instanceId}:2`, `${instanceId}:3`]);

    await setWidget(page, 2, 'height', '9');
    await page.evaluate(() => (window as any).narflow.changes.check());
    await queueAndWait(s, 2);
    const runs = await s.host.queue.history();
    expect(runs[1].prompt.prompt[`${instanceId}:2`].inputs.height).toBe(9);
    expect(lastSavedSize(s)).toEqual([12, 9]);
    // what ran is drawn on the inner nodes while inside
    expect(await page.evaluate((id) => (window as any).narflow.runState.summary(`${id}:2`)?.ranMs !== null, instanceId)).toBe(true);

    await page.keyboard.press('Control+Z');
    const undone = await page.evaluate(() => {
      const { editor } = (window as any).narflow;
      return { path: editor.path.length, height: editor.shown.getNodeById(2)?.widgets.find((w: any) => w.name === 'height')?.value };
    });
    expect(undone).toEqual({ path: 1, height: 6 });

    await page.locator('#graph-canvas').focus();
    await page.keyboard.press('Escape');
    await page.waitForSelector('#subgraph-path', { state: 'hidden' });
    expect(await page.evaluate(() => (window as any).narflow.editor.shown === (window as any).narflow.editor.graph)).toBe(true);
    expect(s.pageErrors).toEqual([]);
  });

  it('a subgraph input shown as a widget on the instance sets the inner value; it all survives a reload', async () => {
    const { page } = s;
    // remove the Int feeding 'width': the instance's own width widget now counts
    const widgets = await page.evaluate((id) => {
      const { editor, changes } = (window as any).narflow;
      editor.graph.remove(editor.graph.getNodeById(5));
      changes.check();
      return editor.graph.getNodeById(Number(id)).widgets.map((w: any) => w.name);
    }, instanceId);
    expect(widgets).toEqual(['width']);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))); // drawn enabled
    await setWidget(page, Number(instanceId), 'width', '20');
    await page.evaluate(() => (window as any).narflow.changes.check());
    await queueAndWait(s, 3);
    expect((await s.host.queue.history())[2].prompt.prompt[`${instanceId}:2`].inputs.width).toBe(20);
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    const restored = await page.evaluate((id) => {
      const { editor } = (window as any).narflow;
      const node = editor.graph.getNodeById(Number(id));
      return { type: node?.constructor?.name, width: node?.widgets?.find((w: any) => w.name === 'width')?.value };
    }, instanceId);
    expect(restored.type).toMatch(/^Subgraph_/);
    expect(restored.width).toBe(20);
    await queueAndWait(s, 4);
    expect(await runPhase(page)).toBe('success');
    const runs = await s.host.queue.history();
    expect(runs[3].prompt.prompt[`${instanceId}:2`].inputs.width).toBe(20);
    expect(lastSavedSize(s)).toEqual([20, 6]);
    expect(s.pageErrors).toEqual([]);
  });
});

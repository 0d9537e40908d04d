// Output node menus in a real Chromium: "Queue selected output nodes" (ComfyUI's) queues that node
// (and the other selected output nodes) only, the rest of the graph neither runs nor needs to be
// valid; a node that shows an image offers to open it and to copy it into a new Load Image.
import * as fs from 'fs';
import * as path from 'path';
import { apiToEditor } from '../../server/engine/workflow/apiToEditor';
import { describeWithChromium, openEditor, type EditorSession } from './browserHelpers';

const describeBrowser = describeWithChromium('test/ui/queueOutputs.test.ts');
jest.setTimeout(120_000);

describeBrowser('queueing selected output nodes in Chromium', () => {
  let s: EditorSession;
  beforeAll(async () => {
    s = await openEditor();
    const gradient = { width: 4, height: 4, color_a: '#000000', color_b: '#ffffff', direction: 'horizontal', noise: 0, seed: 0 };
    const wf = apiToEditor(
      {
        '1': { class_type: 'ColorGradient', inputs: gradient },
        '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'left' } },
        '3': { class_type: 'ImageInvert', inputs: {} }, // not linked: queueing everything is refused
        '4': { class_type: 'SaveImage', inputs: { images: ['3', 0], filename_prefix: 'broken' } },
        '5': { class_type: 'ColorGradient', inputs: gradient },
        '6': { class_type: 'SaveImage', inputs: { images: ['5', 0], filename_prefix: 'right' } },
      },
      s.host.objectInfo(),
    );
    await s.page.evaluate((w) => (window as any).narflow.app.loadWorkflow(w, 'outputs'), wf as unknown);
  });
  afterAll(async () => {
    await s?.close();
  });

  /** Right-clicks a node's title and picks a menu entry. */
  async function menu(nodeId: number, entry: string): Promise<void> {
    const [x, y] = await s.page.evaluate((id) => {
      const { editor } = (window as any).narflow;
      const node = editor.graph.getNodeById(id);
      const [cx, cy] = editor.canvas.convertOffsetToCanvas([node.pos[0] + 40, node.pos[1] - 12], [0, 0]);
      const rect = editor.canvas.canvas.getBoundingClientRect();
      return [rect.left + cx, rect.top + cy];
    }, nodeId);
    await s.page.mouse.click(x, y, { button: 'right' });
    await s.page.locator('.litecontextmenu .litemenu-entry', { hasText: entry }).first().click();
  }

  /** Waits until `n` prompts have finished on the server; returns the history, newest first. */
  async function finished(n: number) {
    for (let i = 0; i < 600; i++) {
      const h = await s.host.queue.history();
      if (h.length >= n) return h;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${n} prompts did not finish`);
  }

  const outputs = () => fs.readdirSync(path.join(s.dataDir, 'output')).filter((f) => f.endsWith('.png')).map((f) => f.replace(/_\d+_\.png$/, '')).sort();

  it('runs the chosen output node alone, then it and another selected one', async () => {
    const { page } = s;
    fs.mkdirSync(path.join(s.dataDir, 'output'), { recursive: true });
    await menu(6, 'Queue selected output nodes');
    const [first] = await finished(1);
    expect(first.status).toBe('success');
    expect(first.prompt.outputs).toEqual(['6']);
    expect(outputs()).toEqual(['right']);

    // with Save Image 2 selected too, both run
    await page.evaluate(() => {
      const { editor } = (window as any).narflow;
      editor.canvas.selectNodes([editor.graph.getNodeById(2), editor.graph.getNodeById(6)]);
    });
    await menu(6, 'Queue selected output nodes');
    const history = await finished(2);
    const second = history.find((e) => e.prompt.id !== first.prompt.id)!;
    expect(second.status).toBe('success');
    expect([...second.prompt.outputs].sort()).toEqual(['2', '6']);
    expect(outputs()).toEqual(['left', 'right']); // Save Image 6 ran before with the same inputs: cached
    expect(Object.keys(second.outputs).sort()).toEqual(['2', '6']);
    // the whole graph is refused: the broken branch is named
    await page.click('#queue-button');
    await page.waitForFunction(() => /The workflow has 1 problem/.test(document.getElementById('toast')?.textContent ?? ''));
    expect((await s.host.queue.history()).length).toBe(2);
    expect(s.pageErrors).toEqual([]);
  });
  it('an output node that shows an image offers to open it and to copy it into a new Load Image', async () => {
    const { page } = s;
    const [popup] = await Promise.all([page.waitForEvent('popup'), menu(6, 'Open image')]);
    expect(popup.url()).toMatch(/\/api\/view\?filename=right_00001_\.png&subfolder=&type=output/);
    await popup.close();
    await menu(6, 'Copy image to a new Load Image');
    await page.waitForFunction(() => (window as any).narflow.editor.graph.nodes.some((n: any) => n.type === 'LoadImage' && /^right_00001_.*\.png$/.test(n.widgets.find((w: any) => w.name === 'image').value)));
    const value: string = await page.evaluate(() => (window as any).narflow.editor.graph.nodes.find((n: any) => n.type === 'LoadImage').widgets.find((w: any) => w.name === 'image').value);
    // the view moved to it if it landed past the edge
    expect(await page.evaluate(() => { const { editor } = (window as any).narflow; return editor.inView(editor.graph.nodes.find((n: any) => n.type === 'LoadImage')); })).toBe(true);
    // the same bytes, now in the input folder, ready for the mask editor
    expect(fs.readFileSync(path.join(s.dataDir, 'input', value)).equals(fs.readFileSync(path.join(s.dataDir, 'output', 'right_00001_.png')))).toBe(true);
    // a node that has shown nothing offers neither
    await page.mouse.click(5, 400);
    const entries = await page.evaluate(() => (window as any).narflow.editor.graph.getNodeById(4).getExtraMenuOptions().map((o: any) => o.content));
    expect(entries).toEqual(['Queue selected output nodes']);
    expect(s.pageErrors).toEqual([]);
  });
  it('a right-click on a node straight after a workflow is opened, before the next frame, opens that node\'s menu', async () => {
    // litegraph finds the node under the pointer among the nodes its last frame drew: a click before
    // the first frame of a newly opened graph hit nothing (the canvas menu opened instead) — a test
    // under load lost this race in CI
    const entries: string[] = await s.page.evaluate(() => {
      const { app, editor } = (window as any).narflow;
      const wf = editor.serialize();
      app.loadWorkflow({ ...wf, nodes: wf.nodes.map((n: any) => ({ ...n, pos: [n.pos[0] + 500, n.pos[1]] })) }, 'moved');
      const node = editor.graph.getNodeById(6);
      const [cx, cy] = editor.canvas.convertOffsetToCanvas([node.pos[0] + 40, node.pos[1] - 12], [0, 0]);
      const rect = editor.canvas.canvas.getBoundingClientRect();
      const at = { clientX: rect.left + cx, clientY: rect.top + cy, pointerId: 1, isPrimary: true, bubbles: true, cancelable: true, pointerType: 'mouse' };
      editor.canvas.canvas.dispatchEvent(new PointerEvent('pointerdown', { ...at, button: 2, buttons: 2 }));
      editor.canvas.canvas.dispatchEvent(new PointerEvent('pointerup', { ...at, button: 2, buttons: 0 }));
      const menu = document.querySelector('.litecontextmenu');
      const shown = Array.from(menu?.querySelectorAll('.litemenu-entry') ?? []).map((e) => e.textContent ?? '');
      menu?.remove();
      return shown;
    });
    expect(entries).toContain('Queue selected output nodes');
    expect(s.pageErrors).toEqual([]);
  });
});

// The editor in a real Chromium against the real server (core node pack): palette drag and drop,
// typed links, queue with progress and preview, validation errors on nodes, interrupt, save and
// reload (file and server, with the revision conflict), and a dropped PNG restoring its workflow.
// Skips with a printed reason when Chromium is not installed (CI installs it).
import * as fs from 'fs';
import * as path from 'path';
import { describeWithChromium, dragLink, widgetPoint, dropFromPalette, graphSummary, openEditor, pickFileFrom, runPhase, setWidget, type EditorSession } from './browserHelpers';
import { EDITOR_ONLY_SPECS } from '../../ui/src/graph/editorOnlyNodes';
import { editorToApi } from '../../server/engine/workflow/convert';

/** docs/editor.png is remade with NARFLOW_EDITOR_SCREENSHOT=docs/editor.png (otherwise the picture stays in the temp folder). */
const SCREENSHOT_TARGET = process.env.NARFLOW_EDITOR_SCREENSHOT;
const describeBrowser = describeWithChromium('test/ui/editor.test.ts');

jest.setTimeout(180_000);

describeBrowser('editor in Chromium', () => {
  let s: EditorSession;
  /** Node ids of the graph built by drag and drop. */
  const ids = { gradient: 0, counter: 0, save: 0, preview: 0 };

  beforeAll(async () => {
    s = await openEditor();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('lists every node type in the palette, by category, with search', async () => {
    const { page } = s;
    // the server's node types, and the editor's own (Note, Reroute)
    const types = [...Object.keys(s.host.objectInfo()), ...EDITOR_ONLY_SPECS.map((e) => e.type)].sort();
    const shown = await page.$$eval('.palette-item', (els) => els.map((e) => (e as HTMLElement).dataset.nodeType ?? '').sort());
    expect(shown).toEqual(types);
    await page.fill('.palette-search', 'slow count');
    expect(await page.$$eval('.palette-item', (els) => els.map((e) => (e as HTMLElement).dataset.nodeType))).toEqual(['SlowCounter']);
    await page.fill('.palette-search', '');
    expect(await page.textContent('#status-backend')).toContain(s.host.config.backend.name);
  });

  it('builds a graph by dragging nodes from the palette and linking typed slots', async () => {
    const { page } = s;
    await page.click('#new-button');
    expect((await graphSummary(page)).nodes).toHaveLength(0);
    ids.gradient = await dropFromPalette(page, 'ColorGradient', 60, 120);
    ids.counter = await dropFromPalette(page, 'SlowCounter', 420, 120);
    ids.save = await dropFromPalette(page, 'SaveImage', 780, 120);
    ids.preview = await dropFromPalette(page, 'PreviewImage', 420, 420);
    const nodes = (await graphSummary(page)).nodes;
    expect(nodes.map((n) => n.type)).toEqual(['ColorGradient', 'SlowCounter', 'SaveImage', 'PreviewImage']);
    expect(nodes[1].pos[0]).toBeGreaterThan(nodes[0].pos[0]); // dropped where aimed

    await dragLink(page, [ids.counter, 'count'], [ids.save, 'images']); // INT → IMAGE: refused
    expect((await graphSummary(page)).links).toHaveLength(0);
    await page.keyboard.press('Escape');
    await dragLink(page, [ids.gradient, 'IMAGE'], [ids.counter, 'image']);
    await dragLink(page, [ids.counter, 'image'], [ids.save, 'images']);
    await dragLink(page, [ids.gradient, 'IMAGE'], [ids.preview, 'images']);
    expect((await graphSummary(page)).links).toEqual([
      [ids.gradient, 0, ids.counter, expect.any(Number), 'IMAGE'],
      [ids.gradient, 0, ids.preview, 0, 'IMAGE'],
      [ids.counter, 1, ids.save, expect.any(Number), 'IMAGE'],
    ]);
    await setWidget(page, ids.counter, 'delay_ms', '150');
    await setWidget(page, ids.save, 'filename_prefix', 'ui-test');
    const widgets = (await graphSummary(page)).nodes.find((n) => n.id === ids.counter)?.widgets;
    expect(widgets?.[1]).toBe(150);
  });

  it('queues, shows progress and the previews, then the saved image; groups the nodes', async () => {
    const { page } = s;
    const seedBefore = (await graphSummary(page)).nodes.find((n) => n.id === ids.gradient)?.widgets[6];
    await page.click('#queue-button');
    // the counter's state as the first progress shows, read in the same task (a later read could
    // come after the counter's last step on a loaded machine)
    const shown = await page.waitForFunction(
      (id) => {
        const st = (window as any).narflow.runState.peek(String(id));
        return st?.progress?.value >= 1 ? { running: st.running, preview: st.preview } : false;
      },
      ids.counter,
      { timeout: 30000 },
    );
    const running = (await shown.jsonValue()) as { running: boolean; preview: string | null };
    expect(running.running).toBe(true);
    expect(running.preview).toMatch(/^data:image\/png;base64,/);
    await page.waitForFunction(() => (window as any).narflow.runState.phase === 'success', null, { timeout: 60000 });
    const saved = await page.evaluate((id) => (window as any).narflow.runState.peek(String(id)).images, ids.save);
    expect(saved).toHaveLength(1);
    const widgets = (await graphSummary(page)).nodes.find((n) => n.id === ids.gradient)?.widgets;
    expect(widgets?.[7]).toBe('randomize');
    expect(widgets?.[6]).not.toBe(seedBefore); // the seed control moved on after Queue
    const previewed = await page.evaluate((id) => (window as any).narflow.runState.peek(String(id)).images, ids.preview);
    expect(previewed).toEqual([expect.objectContaining({ type: 'temp' })]);
    expect(saved[0].filename).toMatch(/^ui-test.*\.png$/);
    expect(fs.existsSync(path.join(s.dataDir, 'output', saved[0].subfolder, saved[0].filename))).toBe(true);
    // the image is drawn inside the Save node: its pixels differ from the node's background
    await page.waitForFunction((id) => {
      const { editor } = (window as any).narflow;
      const node = editor.graph.getNodeById(id);
      const [x, y] = editor.canvas.convertOffsetToCanvas([node.pos[0] + node.size[0] / 2, node.pos[1] + node.size[1] - 30], [0, 0]);
      const px = editor.canvas.ctx.getImageData(Math.round(x), Math.round(y), 1, 1).data;
      return px[0] + px[1] + px[2] > 150;
    }, ids.save, { timeout: 10000 });
    expect(await page.textContent('#status-run')).toBe('finished');
    // each node that ran shows how long it took (the counter waits delay_ms per step)
    const ran = await page.evaluate((id) => (window as any).narflow.runState.peek(String(id)).ranMs, ids.counter);
    expect(ran).toBeGreaterThan(150);
    // group everything: select all on the canvas, then Group
    await page.mouse.click(700, 780);
    await page.keyboard.press('Control+a');
    await page.click('#group-button');
    const { groups, nodes: grouped } = await graphSummary(page);
    expect(groups).toHaveLength(1);
    const [gx, gy, gw, gh] = groups[0].bounding;
    for (const n of grouped) expect(n.pos[0] > gx && n.pos[0] < gx + gw && n.pos[1] > gy && n.pos[1] < gy + gh).toBe(true);
    await page.mouse.click(700, 800); // deselect, so the picture shows the plain run state
    await page.waitForTimeout(300);
    const shot = path.join(s.dataDir, 'editor.png');
    await page.screenshot({ path: shot });
    expect(fs.statSync(shot).size).toBeGreaterThan(10_000);
    if (SCREENSHOT_TARGET) fs.copyFileSync(shot, path.resolve(SCREENSHOT_TARGET));
  });

  it('interrupts a running prompt', async () => {
    const { page } = s;
    await setWidget(page, ids.counter, 'steps', '200');
    await page.click('#queue-button');
    await page.waitForFunction((id) => (window as any).narflow.runState.peek(String(id))?.progress?.value >= 1, ids.counter, { timeout: 30000 });
    await page.click('#interrupt-button');
    await page.waitForFunction(() => (window as any).narflow.runState.phase === 'interrupted', null, { timeout: 30000 });
    await setWidget(page, ids.counter, 'steps', '10');
  });

  it('shows an execution error on the failing node', async () => {
    const { page } = s;
    await setWidget(page, ids.gradient, 'color_a', 'not-a-colour');
    await page.click('#queue-button');
    await page.waitForFunction(() => (window as any).narflow.runState.phase === 'error', null, { timeout: 30000 });
    const state = await page.evaluate((id) => (window as any).narflow.runState.peek(String(id)), ids.gradient);
    expect(state.error).toMatch(/color_a/);
    expect(await page.textContent('#status-run')).toMatch(/ColorGradient failed/);
    await setWidget(page, ids.gradient, 'color_a', '#1d3557');
  });

  it('shows validation errors on the node that has them', async () => {
    const { page } = s;
    const orphan = await dropFromPalette(page, 'PreviewImage', 780, 600);
    await page.click('#queue-button');
    await page.waitForFunction((id) => !!(window as any).narflow.runState.peek(String(id))?.error, orphan, { timeout: 10000 });
    const state = await page.evaluate((id) => (window as any).narflow.runState.peek(String(id)), orphan);
    expect(state.error).toMatch(/images/);
    expect(state.errorInputs).toContain('images');
    expect(await runPhase(page)).toBe('error');
    expect(await page.textContent('#toast')).toMatch(/problem/);
    await page.evaluate((id) => {
      const { editor } = (window as any).narflow;
      editor.graph.remove(editor.graph.getNodeById(id));
    }, orphan);
  });

  it('saves to a file and opens it again', async () => {
    const { page } = s;
    const before = await graphSummary(page);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save-file')]);
    const file = path.join(s.dataDir, 'saved.json');
    await download.saveAs(file);
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).nodes).toHaveLength(4);
    await page.click('#new-button');
    await pickFileFrom(page, '#open-file-input', () => page.click('#open-file'), file);
    await page.waitForFunction(() => (window as any).narflow.editor.graph.nodes.length === 4);
    expect(await graphSummary(page)).toEqual(before);
    // Ctrl+Shift+S saves the API form: the prompt the server would run; it opens again as a graph
    await page.focus('#graph-canvas');
    const [apiDownload] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Control+Shift+S')]);
    expect(apiDownload.suggestedFilename()).toMatch(/\.api\.json$/);
    const apiFile = path.join(s.dataDir, 'saved.api.json');
    await apiDownload.saveAs(apiFile);
    const api = JSON.parse(fs.readFileSync(apiFile, 'utf8'));
    expect(api).toEqual(editorToApi(JSON.parse(fs.readFileSync(file, 'utf8')), s.host.objectInfo()).prompt);
    await page.click('#new-button');
    await pickFileFrom(page, '#open-file-input', () => page.click('#open-file'), apiFile);
    await page.waitForFunction(() => (window as any).narflow.editor.graph.nodes.length === 4);
    // the same prompt again (the seed's after-queue setting is the editor's own, not in the API form)
    const again = await page.evaluate(() => (window as any).narflow.editor.serialize());
    expect(editorToApi(again, s.host.objectInfo()).prompt).toEqual(api);
    await page.click('#new-button');
    await pickFileFrom(page, '#open-file-input', () => page.click('#open-file'), file);
    await page.waitForFunction(() => (window as any).narflow.editor.graph.nodes.length === 4);
    expect(await graphSummary(page)).toEqual(before);
  });

  it('saves to the server, reloads it, and reports a stale revision', async () => {
    const { page } = s;
    const before = await graphSummary(page);
    await page.fill('#workflow-name', 'ui-test');
    await page.click('#save-server');
    await page.waitForFunction(() => /Saved “ui-test” \(revision 1\)/.test(document.getElementById('toast')?.textContent ?? ''));
    const stored = s.host.workflows.get('ui-test');
    expect(stored?.revision).toBe(1);
    await page.click('#new-button');
    await page.focus('#server-workflows');
    await page.waitForSelector('#server-workflows option[value="ui-test"]', { state: 'attached' });
    await page.selectOption('#server-workflows', 'ui-test');
    await page.waitForFunction(() => (window as any).narflow.editor.graph.nodes.length === 4);
    expect(await graphSummary(page)).toEqual(before);
    // another client writes revision 2; this editor still holds revision 1
    const put = await fetch(`${s.server.url}/api/workflows/ui-test`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ workflow: stored?.workflow, revision: 1 }),
    });
    expect(put.status).toBe(200);
    await page.click('#save-server');
    await page.waitForFunction(() => /changed elsewhere: the server has revision 2/.test(document.getElementById('toast')?.textContent ?? ''));
  });

  it('deletes a saved workflow from the server after asking; the tab keeps its graph, and a new save starts at revision 1', async () => {
    const { page } = s;
    const before = await graphSummary(page);
    await page.fill('#workflow-name', 'keep-me');
    await page.click('#save-server');
    await page.waitForFunction(() => /Saved “keep-me” \(revision 1\)/.test(document.getElementById('toast')?.textContent ?? ''));
    await page.fill('#workflow-name', 'to-delete');
    await page.click('#save-server');
    await page.waitForFunction(() => /Saved “to-delete” \(revision 1\)/.test(document.getElementById('toast')?.textContent ?? ''));
    await page.click('#save-server');
    await page.waitForFunction(() => /Saved “to-delete” \(revision 2\)/.test(document.getElementById('toast')?.textContent ?? ''));
    await page.focus('#server-workflows');
    await page.waitForSelector('#server-workflows option[value="delete:to-delete"]', { state: 'attached' });
    /** Answers the next confirmation; resolves with its question once answered. */
    const answer = (yes: boolean) =>
      new Promise<string>((resolve) =>
        page.once('dialog', (d) => {
          const q = d.message();
          void (yes ? d.accept() : d.dismiss()).then(() => resolve(q));
        }),
      );
    // asked first: no, and nothing goes
    const no = answer(false);
    await page.selectOption('#server-workflows', 'delete:to-delete');
    await no;
    expect(await page.evaluate(() => (document.getElementById('server-workflows') as HTMLSelectElement).selectedIndex)).toBe(0);
    expect(s.host.workflows.get('to-delete')?.revision).toBe(2);
    // yes
    const yes = answer(true);
    await page.selectOption('#server-workflows', 'delete:to-delete');
    const question = await yes;
    await page.waitForFunction(() => /Deleted “to-delete” from the server/.test(document.getElementById('toast')?.textContent ?? ''));
    expect(question).toMatch(/Delete “to-delete” from the server, with its revisions\?/);
    expect(s.host.workflows.get('to-delete')).toBeUndefined();
    // the list is read again after the toast
    await page.waitForSelector('#server-workflows option[value="to-delete"]', { state: 'detached' });
    expect(await page.$('#server-workflows option[value="keep-me"]')).not.toBeNull(); // the others stay
    expect(await graphSummary(page)).toEqual(before);
    await page.click('#save-server');
    await page.waitForFunction(() => /Saved “to-delete” \(revision 1\)/.test(document.getElementById('toast')?.textContent ?? ''));
    expect(s.pageErrors).toEqual([]);
  });

  it('restores the workflow from a PNG it made, dropped on the canvas', async () => {
    const { page } = s;
    const before = await graphSummary(page);
    const outDir = path.join(s.dataDir, 'output');
    const png = fs.readdirSync(outDir).find((f) => f.startsWith('ui-test') && f.endsWith('.png'));
    expect(png).toBeDefined();
    await page.click('#new-button');
    const bytes = fs.readFileSync(path.join(outDir, png as string)).toString('base64');
    await page.evaluate(
      ([b64, name]) => {
        const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([data], name, { type: 'image/png' }));
        document.getElementById('canvas-container')?.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      },
      [bytes, png as string] as const,
    );
    await page.waitForFunction(() => (window as any).narflow.editor.graph.nodes.length === 4);
    const after = await graphSummary(page);
    expect(after.links).toEqual(before.links);
    expect(after.nodes.map((n) => [n.id, n.type])).toEqual(before.nodes.map((n) => [n.id, n.type]));
    // the PNG holds the workflow as queued: seeds and widgets as they were then
    expect(after.nodes.find((n) => n.type === 'SaveImage')?.widgets).toEqual(['ui-test']);
    expect(s.pageErrors).toEqual([]);
  });

  it('uploads an image into Load Image and selects it', async () => {
    const { page } = s;
    const png = fs.readdirSync(path.join(s.dataDir, 'output')).find((f) => f.endsWith('.png')) as string;
    const loader = await dropFromPalette(page, 'LoadImage', 200, 600);
    const [x, y] = await widgetPoint(page, loader, 'upload');
    await pickFileFrom(page, '#upload-input', () => page.mouse.click(x, y), path.join(s.dataDir, 'output', png));
    await page.waitForFunction(([id, name]) => (window as any).narflow.editor.graph.getNodeById(id).widgets[0].value === name, [loader, png] as const);
    expect(fs.existsSync(path.join(s.dataDir, 'input', png))).toBe(true);
    const node = (await graphSummary(page)).nodes.find((n) => n.id === loader);
    expect(node?.widgets).toEqual([png]); // the button is not a value
  });

  it('draws the live loss plot of a node that streams loss in its progress events', async () => {
    const { page } = s;
    await page.click('#new-button');
    const trainer = await dropFromPalette(page, 'LossStream', 200, 120);
    await page.click('#queue-button');
    await page.waitForFunction(() => (window as any).narflow.runState.phase === 'success', null, { timeout: 30000 });
    const metrics: { step: number; loss: number; lr: number }[] = await page.evaluate((id) => (window as any).narflow.runState.peek(String(id)).metrics, trainer);
    expect(metrics.length).toBeGreaterThanOrEqual(20); // the executor may drop some fast progress events
    expect(metrics[metrics.length - 1]).toEqual({ step: 40, loss: 0.05, lr: 1e-3 });
    expect(metrics.every((m, i) => i === 0 || m.step > metrics[i - 1].step)).toBe(true);
    // the plot's line colour appears inside the node
    const linePixels = await page.evaluate((id) => {
      const { editor } = (window as any).narflow;
      editor.canvas.draw(true, true);
      const node = editor.graph.getNodeById(id);
      const [x0, y0] = editor.canvas.convertOffsetToCanvas([node.pos[0], node.pos[1]], [0, 0]);
      const [x1, y1] = editor.canvas.convertOffsetToCanvas([node.pos[0] + node.size[0], node.pos[1] + node.size[1]], [0, 0]);
      const data = editor.canvas.ctx.getImageData(Math.round(x0), Math.round(y0), Math.round(x1 - x0), Math.round(y1 - y0)).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i] - 95) < 20 && Math.abs(data[i + 1] - 179) < 20 && Math.abs(data[i + 2] - 249) < 20) n++;
      return n;
    }, trainer);
    expect(linePixels).toBeGreaterThan(50);
  });

  it('animates a GIF output in its node', async () => {
    const { page } = s;
    await page.click('#new-button');
    const gif = await dropFromPalette(page, 'AnimatedGif', 200, 120);
    await page.click('#queue-button');
    await page.waitForFunction(() => (window as any).narflow.runState.phase === 'success', null, { timeout: 30000 });
    const colours = await page.evaluate(async (id) => {
      const { editor } = (window as any).narflow;
      const seen = new Set<string>();
      for (let i = 0; i < 40 && seen.size < 2; i++) {
        await new Promise((r) => setTimeout(r, 40));
        editor.canvas.draw(true, true);
        const node = editor.graph.getNodeById(id);
        const [x, y] = editor.canvas.convertOffsetToCanvas([node.pos[0] + node.size[0] / 2, node.pos[1] + node.size[1] - 40], [0, 0]);
        const [r, , b] = editor.canvas.ctx.getImageData(Math.round(x), Math.round(y), 1, 1).data;
        if (r > 150 && b < 100) seen.add('red');
        if (b > 150 && r < 100) seen.add('blue');
      }
      return [...seen].sort();
    }, gif);
    expect(colours).toEqual(['blue', 'red']);
    // a GIF can be opened, not copied into a Load Image (which reads PNG and JPEG), nor into a Load Video this server lacks
    const entries = await page.evaluate((id) => (window as any).narflow.editor.graph.getNodeById(id).getExtraMenuOptions().map((o: any) => o.content), gif);
    expect(entries).toContain('Open image');
    expect(entries).not.toContain('Copy image to a new Load Image');
    expect(entries).not.toContain('Copy video to a new Load Video');
  });
});

// Undo / redo and the tab's kept graph in a real Chromium against the real server: each gesture
// (a drop from the palette, a link, a widget edit, New) is one step; Ctrl+Z / Ctrl+Y / Ctrl+Shift+Z and the toolbar's
// buttons walk them; keys typed in a field stay there; Ctrl+S / Ctrl+O save and open; a node of
// an unknown type keeps its data; a reload reopens the tab's graph and its name, a new tab the
// browser's last.
import * as fs from 'fs';
import * as path from 'path';
import type { Page } from 'playwright-core';
import { apiToEditor } from '../../server/engine/workflow/apiToEditor';
import { describeWithChromium, dragLink, dropFromPalette, graphSummary, openEditor, pickFileFrom, setWidget, type EditorSession } from './browserHelpers';

const describeBrowser = describeWithChromium('test/ui/undo.test.ts');
jest.setTimeout(180_000);

async function shape(page: Page): Promise<{ types: string[]; links: number; prefix: unknown }> {
  const g = await graphSummary(page);
  return { types: g.nodes.map((n) => n.type), links: g.links.length, prefix: g.nodes.find((n) => n.type === 'SaveImage')?.widgets[0] };
}

/** Presses a shortcut with the canvas focused, then lets the editor settle. */
async function press(page: Page, keys: string): Promise<void> {
  await page.focus('#graph-canvas');
  await page.keyboard.press(keys);
  await page.waitForTimeout(50);
}

describeBrowser('undo, redo and the kept graph in Chromium', () => {
  let s: EditorSession;
  beforeAll(async () => {
    s = await openEditor();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('undoes and redoes drops, links and widget edits', async () => {
    const { page } = s;
    const opened = await graphSummary(page);
    expect(opened.nodes.length).toBeGreaterThan(0); // the default workflow
    await page.click('#new-button');
    expect((await graphSummary(page)).nodes).toHaveLength(0);
    expect(await page.isEnabled('#undo-button')).toBe(true);

    const gradient = await dropFromPalette(page, 'ColorGradient', 80, 120);
    const save = await dropFromPalette(page, 'SaveImage', 500, 120);
    await dragLink(page, [gradient, 'IMAGE'], [save, 'images']);
    await setWidget(page, save, 'filename_prefix', 'undo-test');
    await page.waitForTimeout(50);
    expect(await shape(page)).toEqual({ types: ['ColorGradient', 'SaveImage'], links: 1, prefix: 'undo-test' });
    const defaultPrefix = s.host.objectInfo().SaveImage.input.required.filename_prefix[1] as { default: string };

    await press(page, 'Control+z');
    expect(await shape(page)).toEqual({ types: ['ColorGradient', 'SaveImage'], links: 1, prefix: defaultPrefix.default });
    await press(page, 'Control+z');
    expect(await shape(page)).toEqual({ types: ['ColorGradient', 'SaveImage'], links: 0, prefix: defaultPrefix.default });
    await press(page, 'Control+z');
    expect((await shape(page)).types).toEqual(['ColorGradient']);
    await press(page, 'Control+y');
    expect(await shape(page)).toEqual({ types: ['ColorGradient', 'SaveImage'], links: 0, prefix: defaultPrefix.default });
    await press(page, 'Control+Shift+z');
    expect((await shape(page)).links).toBe(1);
    await page.click('#redo-button');
    expect(await shape(page)).toEqual({ types: ['ColorGradient', 'SaveImage'], links: 1, prefix: 'undo-test' });
    expect(await page.isEnabled('#redo-button')).toBe(false);

    // undo walks back through New to the workflow that was open
    await page.click('#new-button');
    expect((await graphSummary(page)).nodes).toHaveLength(0);
    await page.click('#undo-button');
    expect(await shape(page)).toEqual({ types: ['ColorGradient', 'SaveImage'], links: 1, prefix: 'undo-test' });
  });

  it('leaves Ctrl+Z in a text field to the field', async () => {
    const { page } = s;
    const before = await graphSummary(page);
    await page.focus('#workflow-name');
    await page.keyboard.type('x');
    await page.keyboard.press('Control+z');
    await page.waitForTimeout(50);
    expect((await graphSummary(page)).nodes).toEqual(before.nodes);
    await page.fill('#workflow-name', 'kept-graph');
    await page.press('#workflow-name', 'Tab');
  });

  it('saves with Ctrl+S and opens with Ctrl+O, from the canvas or a field', async () => {
    const { page } = s;
    const before = await graphSummary(page);
    await page.focus('#graph-canvas');
    const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Control+s')]);
    expect(download.suggestedFilename()).toBe('kept-graph.json');
    const file = path.join(s.dataDir, 'shortcut.json');
    await download.saveAs(file);
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).nodes.map((n: { type: string }) => n.type).sort()).toEqual(['ColorGradient', 'SaveImage']);
    await page.focus('#workflow-name');
    // Ctrl+O from a field opens the file picker (its input is clicked)
    await pickFileFrom(page, '#open-file-input', () => page.keyboard.press('Control+o'), file);
    await page.waitForFunction(() => /Opened shortcut\.json/.test(document.getElementById('toast')?.textContent ?? ''));
    expect((await graphSummary(page)).links).toEqual(before.links);
    await page.fill('#workflow-name', 'kept-graph');
    await page.press('#workflow-name', 'Tab');
  });

  it('keeps a node of a type this server lacks, with its values and link, and names it when queued', async () => {
    const { page } = s;
    const wf = apiToEditor(
      {
        '1': { class_type: 'ColorGradient', inputs: { width: 16, height: 16, color_a: '#1d3557', color_b: '#f4a261', direction: 'diagonal', noise: 0, seed: 1 } },
        '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'x' } },
      },
      s.host.objectInfo(),
    );
    Object.assign(wf.nodes[1], { type: 'FancyPluginNode', widgets_values: ['abc', 3] });
    await page.evaluate((w) => (window as any).narflow.app.loadWorkflow(w, 'with-plugin'), wf as unknown);
    const kept = await page.evaluate(() => (window as any).narflow.editor.serialize());
    expect(kept.nodes.find((n: { id: number }) => n.id === 2)).toMatchObject({ type: 'FancyPluginNode', widgets_values: ['abc', 3] });
    expect(kept.links).toEqual(wf.links);
    await page.click('#queue-button');
    await page.waitForFunction(() => /problem/.test(document.getElementById('toast')?.textContent ?? ''));
    const state = await page.evaluate(() => (window as any).narflow.runState.peek('2'));
    expect(state.error).toMatch(/FancyPluginNode/);
    // the toast names it, and the placeholder draws what Queue said (before, only a red outline)
    expect(await page.textContent('#toast')).toContain("node 2 (FancyPluginNode): unknown node type 'FancyPluginNode'");
    const drawn = await page.evaluate(() => {
      const node = (window as any).narflow.editor.graph.getNodeById(2);
      return { placeholder: !!node.has_errors, draws: typeof node.onDrawForeground === 'function' };
    });
    expect(drawn).toEqual({ placeholder: true, draws: true });
    await page.click('#undo-button'); // back to the graph of the earlier tests
    await page.fill('#workflow-name', 'kept-graph');
    await page.press('#workflow-name', 'Tab');
  });

  it('undo of New or Open brings the workflow’s name back with its graph; Queue takes a batch count still being typed', async () => {
    const { page } = s;
    const before = await page.inputValue('#workflow-name');
    const nodes = (await graphSummary(page)).nodes.length;
    await page.click('#new-button');
    expect(await page.inputValue('#workflow-name')).toBe('untitled');
    await page.click('#undo-button');
    expect(await page.inputValue('#workflow-name')).toBe(before);
    expect((await graphSummary(page)).nodes).toHaveLength(nodes);
    await page.click('#redo-button');
    expect(await page.inputValue('#workflow-name')).toBe('untitled');
    await page.click('#undo-button');
    expect(await page.inputValue('#workflow-name')).toBe(before);

    const runs = (await s.host.queue.history()).length;
    await page.fill('#batch-count', '2'); // typed, not left: no 'change' event yet
    await page.keyboard.press('Control+Enter');
    for (let i = 0; i < 600 && (await s.host.queue.history()).length < runs + 2; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await s.host.queue.history()).length).toBe(runs + 2);
    await page.fill('#batch-count', '1');
    await page.press('#batch-count', 'Tab');
  });

  it('Save to server after a reload saves the next revision: the revision seen is kept with the tab’s graph', async () => {
    const { page } = s;
    const name = await page.inputValue('#workflow-name');
    await page.click('#save-server');
    await page.waitForFunction(() => /revision 1\)/.test(document.getElementById('toast')?.textContent ?? ''));
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.inputValue('#workflow-name')).toBe(name);
    await page.click('#save-server');
    await page.waitForFunction(() => /revision 2\)|changed elsewhere/.test(document.getElementById('toast')?.textContent ?? ''));
    expect(await page.textContent('#toast')).toContain('(revision 2)');
    expect((await s.host.workflows.get(name))?.revision).toBe(2);
  });

  it('reopens the graph and its name after a reload', async () => {
    const { page } = s;
    const before = await graphSummary(page);
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    const after = await graphSummary(page);
    expect(after.nodes.map((n) => [n.id, n.type, n.widgets])).toEqual(before.nodes.map((n) => [n.id, n.type, n.widgets]));
    expect(after.links).toEqual(before.links);
    expect(await page.inputValue('#workflow-name')).toBe('kept-graph');
    expect(await page.isEnabled('#undo-button')).toBe(false); // steps belong to the page that made them
    expect(s.pageErrors).toEqual([]);
  });

  it('keeps each tab’s graph apart; a new tab starts from the last one changed', async () => {
    const { page, context } = s;
    const second = await context.newPage();
    await second.goto(s.server.url);
    await second.waitForSelector('body[data-ready="true"]');
    expect(await second.inputValue('#workflow-name')).toBe('kept-graph'); // the browser's last graph
    await second.click('#new-button');
    await second.fill('#workflow-name', 'other-tab');
    await second.press('#workflow-name', 'Tab');
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.inputValue('#workflow-name')).toBe('kept-graph');
    expect((await graphSummary(page)).nodes.map((n) => n.type)).toEqual(['ColorGradient', 'SaveImage']);
    await second.reload();
    await second.waitForSelector('body[data-ready="true"]');
    expect(await second.inputValue('#workflow-name')).toBe('other-tab');
    expect((await graphSummary(second)).nodes).toHaveLength(0);
    // the reloads changed nothing: a third tab opens the graph changed last (the second tab's)
    const third = await context.newPage();
    await third.goto(s.server.url);
    await third.waitForSelector('body[data-ready="true"]');
    expect(await third.inputValue('#workflow-name')).toBe('other-tab');
    await third.close();
    await second.close();
  });
});

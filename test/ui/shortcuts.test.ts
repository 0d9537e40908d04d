// The shortcuts dialog in a real Chromium: "?" and the toolbar button open it with every listed
// shortcut, Esc and a click outside close it; and the litegraph keys it lists (select all, copy,
// paste, delete) do what it says.
import { SHORTCUTS } from '../../ui/src/panels/shortcuts';
import { describeWithChromium, graphSummary, openEditor, type EditorSession } from './browserHelpers';

const describeBrowser = describeWithChromium('test/ui/shortcuts.test.ts');
jest.setTimeout(120_000);

describeBrowser('keyboard shortcuts in Chromium', () => {
  let s: EditorSession;
  beforeAll(async () => {
    s = await openEditor();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('lists the shortcuts on "?" and on the button, and closes on Esc or outside', async () => {
    const { page } = s;
    expect(await page.isVisible('#shortcuts')).toBe(false);
    await page.focus('#graph-canvas');
    await page.keyboard.press('?');
    expect(await page.isVisible('#shortcuts')).toBe(true);
    const rows = await page.$$eval('#shortcuts tr', (trs) => trs.map((tr) => (tr.querySelector('td.keys') as HTMLElement).textContent));
    expect(rows).toEqual(SHORTCUTS.map(([keys]) => keys));
    await page.keyboard.press('Escape');
    expect(await page.isVisible('#shortcuts')).toBe(false);
    await page.click('#shortcuts-button');
    expect(await page.isVisible('#shortcuts')).toBe(true);
    await page.mouse.click(5, 400); // the dimmed backdrop
    expect(await page.isVisible('#shortcuts')).toBe(false);
    // typed into a field, "?" is a character
    await page.fill('#workflow-name', '');
    await page.focus('#workflow-name');
    await page.keyboard.type('?');
    expect(await page.isVisible('#shortcuts')).toBe(false);
    expect(await page.inputValue('#workflow-name')).toBe('?');
  });

  it('selects all, copies, pastes and deletes nodes as listed', async () => {
    const { page } = s;
    await page.evaluate(() => (window as any).narflow.app.loadTemplate('core-demo'));
    await page.waitForFunction(() => (window as any).narflow.editor.graph.nodes.length > 0);
    const before = (await graphSummary(page)).nodes.length;
    await page.mouse.click(700, 780); // the empty canvas
    await page.keyboard.press('Control+a');
    await page.keyboard.press('Control+c');
    await page.mouse.move(700, 700);
    await page.keyboard.press('Control+v');
    await page.waitForFunction((n) => (window as any).narflow.editor.graph.nodes.length === 2 * n, before);
    // the pasted copies are selected: Delete removes them again
    await page.keyboard.press('Delete');
    await page.waitForFunction((n) => (window as any).narflow.editor.graph.nodes.length === n, before);
    expect(s.pageErrors).toEqual([]);
  });

  it('on a 1024-pixel window every toolbar control is on screen (the toolbar takes a second line), and the canvas fills what is left; at 1400 it is one line again', async () => {
    const { page } = s;
    await page.setViewportSize({ width: 1024, height: 700 });
    try {
      await page.waitForFunction(() => document.getElementById('graph-canvas')!.getBoundingClientRect().width < 1024);
      const off = await page.$$eval('#toolbar > *', (els) =>
        els
          .filter((e) => !(e as HTMLElement).hidden && getComputedStyle(e).display !== 'none')
          .map((e) => ({ id: e.id || e.className, r: e.getBoundingClientRect() }))
          .filter(({ r }) => r.right > window.innerWidth || r.bottom > document.getElementById('toolbar')!.getBoundingClientRect().bottom)
          .map(({ id }) => id),
      );
      expect(off).toEqual([]);
      const [bar, canvas, footer] = await page.$$eval(['#toolbar', '#canvas-container', '#status-line'].join(','), (els) => els.map((e) => e.getBoundingClientRect().toJSON()));
      expect(canvas.top).toBeGreaterThanOrEqual(bar.bottom - 1); // below the toolbar, however many lines it took
      expect(canvas.bottom).toBeLessThanOrEqual(footer.top + 1);
      await page.click('#queue-panel-button'); // reachable: the History button at the far end
      expect(await page.isVisible('#queue-panel')).toBe(true);
      await page.click('#queue-panel-button');
    } finally {
      await page.setViewportSize({ width: 1400, height: 860 });
    }
    // wide enough again: back to one line (the lists shrink before anything wraps)
    await page.waitForFunction(() => {
      const tops = Array.from(document.querySelectorAll('#toolbar > *'))
        .filter((e) => !(e as HTMLElement).hidden && getComputedStyle(e).display !== 'none')
        .map((e) => Math.round(e.getBoundingClientRect().top + e.getBoundingClientRect().height / 2));
      return Math.max(...tops) - Math.min(...tops) <= 2;
    });
  });

  it('I shows or hides the node ids above the nodes, and the choice outlives a reload', async () => {
    const { page } = s;
    /** The texts a frame draws (the canvas's fillText calls). */
    const drawnTexts = () =>
      page.evaluate(() => {
        const { editor } = (window as any).narflow;
        const ctx = editor.canvas.canvas.getContext('2d');
        const texts: string[] = [];
        const original = ctx.fillText;
        ctx.fillText = function (text: string, ...rest: number[]) {
          texts.push(String(text));
          return original.call(this, text, ...rest);
        };
        try {
          editor.canvas.draw(true, true);
        } finally {
          ctx.fillText = original;
        }
        return texts;
      });
    const ids: string[] = await page.evaluate(() => (window as any).narflow.editor.graph.nodes.map((n: any) => `#${n.id}`));
    expect(ids.length).toBeGreaterThan(2);
    expect(await drawnTexts()).toEqual(expect.arrayContaining(ids)); // shown by default
    await page.focus('#graph-canvas');
    await page.keyboard.press('i');
    expect((await drawnTexts()).filter((t) => ids.includes(t))).toEqual([]);
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    expect((await drawnTexts()).filter((t) => ids.includes(t))).toEqual([]);
    await page.focus('#graph-canvas');
    await page.keyboard.press('i');
    expect(await drawnTexts()).toEqual(expect.arrayContaining(ids));
    // typed into a field, "i" is a letter
    await page.focus('#workflow-name');
    await page.keyboard.type('i');
    expect(await page.evaluate(() => (window as any).narflow.editor.showIds)).toBe(true);
    expect(s.pageErrors).toEqual([]);
  });

  it('"." brings every node back into view after the view was moved away', async () => {
    const { page } = s;
    /** How many nodes lie wholly inside the visible canvas. */
    const visible = () =>
      page.evaluate(() => {
        const { editor } = (window as any).narflow;
        const c = editor.canvas;
        return editor.graph.nodes.filter((n: any) => {
          const [x0, y0] = c.convertOffsetToCanvas([n.pos[0], n.pos[1] - 30], [0, 0]);
          const [x1, y1] = c.convertOffsetToCanvas([n.pos[0] + n.size[0], n.pos[1] + n.size[1]], [0, 0]);
          return x0 >= 0 && y0 >= 0 && x1 <= c.canvas.width && y1 <= c.canvas.height;
        }).length;
      });
    const count = await page.evaluate(() => (window as any).narflow.editor.graph.nodes.length);
    await page.evaluate(() => {
      const { editor } = (window as any).narflow;
      editor.canvas.ds.offset[0] = 20000;
      editor.canvas.ds.offset[1] = -20000;
      editor.redraw();
    });
    expect(await visible()).toBe(0);
    // after typing the workflow's name, a click on the canvas gives it the keys again (away from
    // the spot the test before clicked, and later than litegraph's double-click time)
    await page.focus('#workflow-name');
    await new Promise((r) => setTimeout(r, 400));
    await page.mouse.click(600, 300);
    await page.keyboard.press('.');
    expect(await visible()).toBe(count);
    expect(s.pageErrors).toEqual([]);
  });
});

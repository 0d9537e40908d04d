// A link dropped on empty canvas in a real Chromium: litegraph's menu offers Search, which lists the
// nodes that take the link's type first, and the node picked comes in linked (ComfyUI's link
// release). Before, Search threw (litegraph called the search box detached from the canvas).
import { apiToEditor } from '../../server/engine/workflow/apiToEditor';
import { describeWithChromium, graphSummary, mouseDrag, openEditor, slotPoint, type EditorSession } from './browserHelpers';

const describeBrowser = describeWithChromium('test/ui/linkRelease.test.ts');
jest.setTimeout(120_000);

describeBrowser('a link dropped on empty canvas', () => {
  let s: EditorSession;
  beforeAll(async () => {
    s = await openEditor();
    const wf = apiToEditor({ '1': { class_type: 'ColorGradient', inputs: { width: 8, height: 8, color_a: '#000000', color_b: '#ffffff', direction: 'horizontal', noise: 0, seed: 0 } } }, s.host.objectInfo());
    await s.page.evaluate((w) => (window as any).narflow.app.loadWorkflow(w, 'release'), wf as unknown);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('Search lists the nodes taking an IMAGE first, and the one picked comes in linked to the output', async () => {
    const { page } = s;
    const from = await slotPoint(page, 1, 'output', 'IMAGE');
    await mouseDrag(page, from, [from[0] + 160, from[1] + 220]);
    await page.locator('.litecontextmenu .litemenu-entry', { hasText: 'Search' }).first().click();
    await page.waitForFunction(() => !!document.activeElement?.closest('.litesearchbox')); // focused a frame later
    await page.keyboard.type('invert');
    // the list is redrawn a moment after the keys
    await page.waitForFunction(() => {
      const items = Array.from(document.querySelectorAll('.litesearchbox .lite-search-item'));
      return items.length > 0 && items.every((i) => /invert/i.test((i as HTMLElement).innerText));
    });
    const listed = await page.$$eval('.litesearchbox .lite-search-item', (items) => items.map((i) => ({ type: (i as HTMLElement).dataset.type, generic: i.classList.contains('generic_type') })));
    // Invert Image takes an IMAGE; Invert Mask does not (it comes after, as a general match, if at all)
    expect(listed[0]).toEqual({ type: 'ImageInvert', generic: false });
    expect(listed.filter((l) => !l.generic).map((l) => l.type)).not.toContain('InvertMask');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => (window as any).narflow.editor.graph.nodes.length === 2);
    const g = await graphSummary(page);
    const added = g.nodes.find((n) => n.type === 'ImageInvert')!;
    expect(g.links).toContainEqual([1, 0, added.id, 0, 'IMAGE']);
    expect(s.pageErrors).toEqual([]);
  });

  it('a double-click on empty canvas opens the same search there; Enter adds the node under the pointer', async () => {
    const { page } = s;
    const box = (await page.locator('#graph-canvas').boundingBox())!;
    const at = [box.x + box.width - 150, box.y + 80];
    // both clicks in one task: litegraph takes two presses within 300 ms as a double click, which
    // separate input events cannot promise on a loaded machine
    await page.evaluate(([x, y]) => {
      const canvas = (window as any).narflow.editor.canvas.canvas as HTMLCanvasElement;
      const at = { clientX: x, clientY: y, pointerId: 1, isPrimary: true, pointerType: 'mouse', bubbles: true, cancelable: true, button: 0 };
      for (let i = 0; i < 2; i++) {
        canvas.dispatchEvent(new PointerEvent('pointerdown', { ...at, buttons: 1 }));
        canvas.dispatchEvent(new PointerEvent('pointerup', { ...at, buttons: 0 }));
      }
    }, at);
    await page.waitForFunction(() => !!document.activeElement?.closest('.litesearchbox'));
    const place = await page.$eval('.litesearchbox', (b) => [parseFloat((b as HTMLElement).style.left), parseFloat((b as HTMLElement).style.top)]);
    expect(Math.abs(place[0] + 80 - at[0])).toBeLessThan(4); // litegraph puts it 80 px left, 20 up of the pointer
    expect(Math.abs(place[1] + 20 - at[1])).toBeLessThan(4);
    await page.keyboard.type('gradient');
    await page.waitForFunction(() => Array.from(document.querySelectorAll('.litesearchbox .lite-search-item')).every((i) => /gradient/i.test((i as HTMLElement).innerText)));
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => (window as any).narflow.editor.graph.nodes.filter((n: any) => n.type === 'ColorGradient').length === 2);
    const added = await page.evaluate(() => {
      const { editor } = (window as any).narflow;
      const n = editor.graph.nodes.filter((x: any) => x.type === 'ColorGradient').at(-1);
      const rect = editor.canvas.canvas.getBoundingClientRect();
      return editor.canvas.convertOffsetToCanvas(n.pos, [0, 0]).map((v: number, i: number) => v + (i ? rect.top : rect.left));
    });
    expect(Math.hypot(added[0] - at[0], added[1] - at[1])).toBeLessThan(60);
    expect(s.pageErrors).toEqual([]);
  });
});

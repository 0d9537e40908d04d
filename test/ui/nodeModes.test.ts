// Muting (Ctrl+M) and bypassing (Ctrl+B) nodes in a real Chromium against the real server: the
// selected node's mode is saved with the graph, drawn over the node, undoable, and the queued
// prompt leaves a muted node out and wires around a bypassed one.
import type { Page } from 'playwright-core';
import { apiToEditor } from '../../server/engine/workflow/apiToEditor';
import { describeWithChromium, openEditor, type EditorSession } from './browserHelpers';

const describeBrowser = describeWithChromium('test/ui/nodeModes.test.ts');
jest.setTimeout(120_000);

/** Clicks a node's title bar (selecting it, and only it). */
async function clickTitle(page: Page, id: number): Promise<void> {
  const [x, y] = await page.evaluate((nodeId) => {
    const { editor } = (window as any).narflow;
    const node = editor.graph.getNodeById(nodeId);
    const [cx, cy] = editor.canvas.convertOffsetToCanvas([node.pos[0] + node.size[0] / 2, node.pos[1] - 15], [0, 0]);
    const rect = editor.canvas.canvas.getBoundingClientRect();
    return [rect.left + cx, rect.top + cy];
  }, id);
  await page.mouse.click(x, y);
}

function modes(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => Object.fromEntries((window as any).narflow.editor.serialize().nodes.map((n: any) => [n.id, n.mode ?? 0])));
}

/** Average colour of the middle of a node's body, as drawn. */
function bodyColour(page: Page, id: number): Promise<number[]> {
  return page.evaluate((nodeId) => {
    const { editor } = (window as any).narflow;
    editor.canvas.draw(true, true);
    const node = editor.graph.getNodeById(nodeId);
    const [x, y] = editor.canvas.convertOffsetToCanvas([node.pos[0] + node.size[0] - 20, node.pos[1] + node.size[1] - 8], [0, 0]);
    return Array.from(editor.canvas.ctx.getImageData(Math.round(x), Math.round(y), 1, 1).data as Uint8ClampedArray).slice(0, 3);
  }, id);
}

describeBrowser('muted and bypassed nodes in Chromium', () => {
  let s: EditorSession;
  beforeAll(async () => {
    s = await openEditor();
    const wf = apiToEditor(
      {
        '1': { class_type: 'ColorGradient', inputs: { width: 16, height: 16, color_a: '#1d3557', color_b: '#f4a261', direction: 'diagonal', noise: 0, seed: 1 } },
        '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
        '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'modes' } },
        '4': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } },
      },
      s.host.objectInfo(),
    );
    await s.page.evaluate((w) => (window as any).narflow.app.loadWorkflow(w, 'modes'), wf as unknown);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('bypasses and mutes the selected nodes, draws them so, and queues around them', async () => {
    const { page } = s;
    const plain = await bodyColour(page, 2);
    await clickTitle(page, 2);
    await page.keyboard.press('Control+b');
    await clickTitle(page, 4);
    await page.keyboard.press('Control+m');
    expect(await modes(page)).toEqual({ 1: 0, 2: 4, 3: 0, 4: 2 });
    const veiled = await bodyColour(page, 2);
    expect(veiled[0] - plain[0] + (veiled[2] - plain[2])).toBeGreaterThan(40); // a purple veil

    await page.click('#queue-button');
    await page.waitForFunction(() => (window as any).narflow.runState.phase === 'success', null, { timeout: 30000 });
    const [entry] = await s.host.queue.history();
    expect(Object.keys(entry.prompt.prompt).sort()).toEqual(['1', '3']);
    expect(entry.prompt.prompt['3'].inputs.images).toEqual(['1', 0]); // wired around the bypassed invert

    // again on the same node: back to normal; Ctrl+Z: bypassed again
    await clickTitle(page, 2);
    await page.keyboard.press('Control+b');
    await page.waitForTimeout(50);
    expect((await modes(page))[2]).toBe(0);
    await page.keyboard.press('Control+z');
    await page.waitForTimeout(50);
    expect((await modes(page))[2]).toBe(4);
    expect(s.pageErrors).toEqual([]);
  });
});

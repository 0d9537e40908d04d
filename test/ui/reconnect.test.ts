// A dropped socket.io connection in a real Chromium against the real server: the editor follows
// its running prompt on the new connection, and a prompt that ended while the connection was down
// is filled in from history when it comes back. Skips with a printed reason without Chromium.
import type { Page, WebSocketRoute } from 'playwright-core';
import { apiToEditor } from '../../server/engine/workflow/apiToEditor';
import { describeWithChromium, openEditor, runPhase, type EditorSession } from './browserHelpers';

const describeBrowser = describeWithChromium('test/ui/reconnect.test.ts');
jest.setTimeout(120_000);

/** Queues the slow workflow and waits until its node reports progress; returns the prompt id. */
async function queueAndWaitForProgress(page: Page): Promise<string> {
  await page.click('#queue-button');
  await page.waitForFunction(() => (window as any).narflow.runState.peek('1')?.progress?.value >= 1, null, { timeout: 30000 });
  return page.evaluate(() => (window as any).narflow.runState.currentPrompt as string);
}

function shownText(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as any).narflow.runState.peek('1')?.texts ?? []);
}

describeBrowser('a dropped connection in Chromium', () => {
  let s: EditorSession;
  beforeAll(async () => {
    s = await openEditor();
    const wf = apiToEditor({ '1': { class_type: 'SlowSeed', inputs: { seed: 3, ms: 2000 } } }, s.host.objectInfo());
    await s.page.evaluate((w) => (window as any).narflow.app.loadWorkflow(w, 'reconnect'), wf as unknown);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('keeps following the running prompt on the new connection', async () => {
    const { page } = s;
    await queueAndWaitForProgress(page);
    const oldSocket = await page.evaluate(() => (window as any).narflow.socket.id as string);
    await page.evaluate(() => (window as any).narflow.socket.io.engine.close()); // the transport drops; socket.io reconnects
    await page.waitForFunction((old) => {
      const socket = (window as any).narflow.socket;
      return socket.connected && socket.id !== old;
    }, oldSocket, { timeout: 20000 });
    await page.waitForFunction(() => (window as any).narflow.runState.phase !== 'running', null, { timeout: 30000 });
    expect(await runPhase(page)).toBe('success');
    expect(await shownText(page)).toEqual(['seed 3']);
  });

  it('fills in a prompt that ended while the connection was down', async () => {
    const { page } = s;
    await page.evaluate(() => {
      const node = (window as any).narflow.editor.graph.getNodeById(1);
      node.widgets.find((w: any) => w.name === 'seed').value = 4;
    });
    const id = await queueAndWaitForProgress(page);
    await page.evaluate(() => (window as any).narflow.socket.disconnect());
    for (let i = 0; i < 100 && !(await s.host.queue.historyEntry(id)); i++) await new Promise((r) => setTimeout(r, 100));
    expect((await s.host.queue.historyEntry(id))?.status).toBe('success');
    expect(await runPhase(page)).toBe('running'); // nothing reached the page while disconnected
    await page.evaluate(() => (window as any).narflow.socket.connect());
    await page.waitForFunction(() => (window as any).narflow.runState.phase !== 'running', null, { timeout: 20000 });
    expect(await runPhase(page)).toBe('success');
    expect(await shownText(page)).toEqual(['seed 4']);
    expect(await page.evaluate(() => (window as any).narflow.runState.unfinishedPrompts())).toEqual([]);
    expect(s.pageErrors).toEqual([]);
  });

  it('follows a prompt queued before the page first connected, which ended before it did', async () => {
    // Queue pressed before the socket's first connection (a page just opened, a slow network): the
    // POST names no socket, so the server subscribes none; the end must come from history once the
    // page's own subscription has reached the server (it was read at once, before the end, and never again)
    const { page } = s;
    let held: WebSocketRoute | null = null;
    await page.routeWebSocket(/\/socket\.io\//, (ws) => {
      held = ws; // not connected to the server until the test says so
    });
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    await page.waitForFunction(() => !(window as any).narflow.socket.connected && (window as any).narflow.runState.unfinishedPrompts().length === 0);
    expect(held).not.toBeNull();
    await page.evaluate(() => {
      const node = (window as any).narflow.editor.graph.getNodeById(1);
      node.widgets.find((w: any) => w.name === 'seed').value = 5;
      node.widgets.find((w: any) => w.name === 'ms').value = 500;
    });
    await page.click('#queue-button');
    await page.waitForFunction(() => (window as any).narflow.runState.unfinishedPrompts().length === 1);
    const id: string = await page.evaluate(() => (window as any).narflow.runState.currentPrompt);
    for (let i = 0; i < 100 && !(await s.host.queue.historyEntry(id)); i++) await new Promise((r) => setTimeout(r, 100));
    expect((await s.host.queue.historyEntry(id))?.status).toBe('success');
    expect(await runPhase(page)).toBe('queued');
    held!.connectToServer();
    await page.waitForFunction(() => ['success', 'error', 'interrupted'].includes((window as any).narflow.runState.phase), null, { timeout: 20000 });
    expect(await runPhase(page)).toBe('success');
    expect(await shownText(page)).toEqual(['seed 5']);
    expect(await page.evaluate(() => (window as any).narflow.runState.unfinishedPrompts())).toEqual([]);
    expect(s.pageErrors).toEqual([]);
  });
});

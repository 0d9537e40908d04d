// The queue and history panel in a real Chromium against the real server: batch count (each
// prompt with its own seed), queue-in-front, deleting and clearing pending prompts, stopping the
// running one, prompts queued by another client with their live progress, history newest first
// with status, errors and output thumbnails, restoring a finished prompt's workflow, forgetting
// history, and the panel staying open across a reload. Skips with a printed reason when Chromium
// is not installed.
import type { Page } from 'playwright-core';
import type { ApiWorkflow, EditorWorkflow } from '../../server/api/protocol';
import { apiToEditor } from '../../server/engine/workflow/apiToEditor';
import { describeWithChromium, graphSummary, openEditor, type EditorSession } from './browserHelpers';

const describeBrowser = describeWithChromium('test/ui/queuePanel.test.ts');
jest.setTimeout(180_000);

interface PanelRow {
  id: string;
  classes: string;
  badge: string;
  error: string | null;
  thumbs: { src: string; loaded: boolean }[];
  text: string | null;
  canLoad: boolean;
}

function panelRows(page: Page, list: 'queue' | 'history'): Promise<PanelRow[]> {
  return page.$$eval(`#queue-panel .qp-${list} .qp-item`, (items) =>
    items.map((li) => {
      const e = li as HTMLElement;
      return {
        id: e.dataset.promptId ?? '',
        classes: e.className,
        badge: e.querySelector('.qp-badge')?.textContent ?? '',
        error: e.querySelector('.qp-error')?.textContent ?? null,
        thumbs: Array.from(e.querySelectorAll('img.qp-thumb')).map((i) => ({ src: (i as HTMLImageElement).src, loaded: (i as HTMLImageElement).naturalWidth > 0 })),
        text: e.querySelector('.qp-text')?.textContent ?? null,
        canLoad: !(e.querySelector('button[data-action="load"]') as HTMLButtonElement | null)?.disabled,
      };
    }),
  );
}

/** Waits until the panel's lists satisfy `ok` (it refreshes on the server's status broadcasts). */
async function waitForPanel(page: Page, ok: (q: PanelRow[], h: PanelRow[]) => boolean, what: string, timeoutMs = 30000): Promise<{ queue: PanelRow[]; history: PanelRow[] }> {
  const end = Date.now() + timeoutMs;
  let last = { queue: [] as PanelRow[], history: [] as PanelRow[] };
  while (Date.now() < end) {
    last = { queue: await panelRows(page, 'queue'), history: await panelRows(page, 'history') };
    if (ok(last.queue, last.history)) return last;
    await page.waitForTimeout(100);
  }
  throw new Error(`the panel never showed ${what}; last: ${JSON.stringify(last)}`);
}

function clickRowButton(page: Page, list: 'queue' | 'history', id: string, action: string): Promise<void> {
  return page.click(`#queue-panel .qp-${list} [data-prompt-id="${id}"] button[data-action="${action}"]`);
}

describeBrowser('queue and history panel in Chromium', () => {
  let s: EditorSession;
  /** A gradient saved to a PNG, and a slow node that keeps the queue busy; both seeds randomize. */
  let workflow: EditorWorkflow;
  const prompt: ApiWorkflow = {
    '1': { class_type: 'ColorGradient', inputs: { width: 16, height: 16, color_a: '#1d3557', color_b: '#f4a261', direction: 'diagonal', noise: 0.5, seed: 1 } },
    '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'qp' } },
    '3': { class_type: 'SlowSeed', inputs: { seed: 5, ms: 3000 } },
  };

  beforeAll(async () => {
    s = await openEditor();
    workflow = apiToEditor(prompt, s.host.objectInfo());
    for (const node of workflow.nodes) {
      const values = node.widgets_values as unknown[] | undefined;
      if (values) node.widgets_values = values.map((v) => (v === 'fixed' ? 'randomize' : v));
    }
    await s.page.evaluate((wf) => (window as any).narflow.app.loadWorkflow(wf, 'queue-test'), workflow as unknown);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('opens empty, and a batch of 3 shows one running and two pending, each with its own seed', async () => {
    const { page } = s;
    expect(await page.isVisible('#queue-panel')).toBe(false);
    await page.click('#queue-panel-button');
    await page.waitForSelector('#queue-panel .qp-queue .qp-empty');
    expect(await page.textContent('#queue-panel .qp-history')).toContain('No finished prompts');

    await page.fill('#batch-count', '3');
    await page.press('#batch-count', 'Tab');
    await page.click('#queue-button');
    const { queue } = await waitForPanel(page, (q) => q.length === 3 && q[0].badge === 'running', 'one running and two pending');
    expect(queue.map((r) => r.badge)).toEqual(['running', 'pending', 'pending']);
    const snap = await s.host.queue.snapshot();
    const serverOrder = [...snap.running, ...snap.pending.sort((a, b) => a.number - b.number)];
    expect(queue.map((r) => r.id)).toEqual(serverOrder.map((p) => p.id));
    const seeds = serverOrder.map((p) => p.prompt['3'].inputs.seed);
    expect(new Set(seeds).size).toBe(3);
    expect(queue.every((r) => r.canLoad)).toBe(true);
    // the running row names the node at work and fills its bar from the live progress events
    const live = await page.waitForFunction(
      () => {
        const row = document.querySelector('#queue-panel .qp-queue .qp-item.running');
        const text = row?.querySelector('.qp-node')?.textContent ?? '';
        const width = parseFloat((row?.querySelector('.qp-bar-fill') as HTMLElement | null)?.style.width ?? '0');
        return /^3 SlowSeed · \d+\/60$/.test(text) && width > 0 ? text : false;
      },
      null,
      { timeout: 20000 },
    );
    expect(await live.jsonValue()).toMatch(/SlowSeed/);
    // the tab's title leads with the running node's progress and the prompts queued (as ComfyUI's does)
    await page.waitForFunction(() => /^\[\d+%\]\[[23]\] queue-test — narflow$/.test(document.title), null, { timeout: 20000 });

    // delete the last pending prompt from the panel
    const doomed = queue[2].id;
    await clickRowButton(page, 'queue', doomed, 'delete');
    await waitForPanel(page, (q) => !q.some((r) => r.id === doomed), 'the deleted prompt gone');
    expect((await s.host.queue.snapshot()).pending.map((p) => p.id)).not.toContain(doomed);

    // both remaining prompts finish: history lists them newest first, with the saved PNG as a thumbnail
    const { history } = await waitForPanel(page, (q, h) => q.length === 0 && h.length === 2 && h.every((r) => r.thumbs.every((t) => t.loaded)), 'two finished prompts', 60000);
    expect(history.map((r) => r.id)).toEqual([queue[1].id, queue[0].id]);
    for (const row of history) {
      expect(row.badge).toBe('success');
      expect(row.thumbs).toHaveLength(1);
      expect(row.thumbs[0].src).toMatch(/\/api\/view\?filename=qp_.*\.png/);
      expect(row.text).toMatch(/^seed \d+$/);
    }
    expect(history[0].text).not.toBe(history[1].text);
    expect(await page.textContent('#queue-panel .qp-head .qp-title')).toBe('Queue · 0 running · 0 pending');
    await page.waitForFunction(() => document.title === 'queue-test — narflow', null, { timeout: 10000 });
  });

  it('queues in front with Shift, clears the pending prompts and stops the running one', async () => {
    const { page } = s;
    await page.fill('#batch-count', '1');
    await page.press('#batch-count', 'Tab');
    // the first prompt must still run when the third is queued (three clicks, each waited for in the
    // panel): a slow node that runs until stopped, not the 3 s that a loaded machine can outlast
    const slowMs = (ms: number) =>
      page.evaluate((v) => {
        (window as any).narflow.editor.graph.getNodeById(3).widgets.find((w: any) => w.name === 'ms').value = v;
      }, ms);
    await slowMs(60000);
    await page.click('#queue-button');
    const first = (await waitForPanel(page, (q) => q.length === 1 && q[0].badge === 'running', 'a running prompt')).queue[0].id;
    await page.click('#queue-button');
    const second = (await waitForPanel(page, (q) => q.length === 2, 'a pending prompt')).queue[1].id;
    await page.click('#queue-button', { modifiers: ['Shift'] });
    const { queue } = await waitForPanel(page, (q) => q.length === 3, 'two pending prompts');
    expect(queue[0].id).toBe(first);
    expect(queue[2].id).toBe(second); // the Shift-queued prompt runs before the one queued earlier
    const front = queue[1].id;
    expect((await s.host.queue.snapshot()).pending.sort((a, b) => a.number - b.number).map((p) => p.id)).toEqual([front, second]);

    await page.click('#queue-panel button[data-action="clear-queue"]');
    await waitForPanel(page, (q) => q.length === 1 && q[0].id === first, 'only the running prompt');
    expect((await s.host.queue.snapshot()).pending).toHaveLength(0);
    await clickRowButton(page, 'queue', first, 'stop');
    const { history } = await waitForPanel(page, (q, h) => q.length === 0 && h[0]?.id === first, 'the stopped prompt in history');
    expect(history[0].badge).toBe('interrupted');
    expect(history[0].classes).toContain('interrupted');
    await slowMs(3000);
  });

  it('shows prompts queued by another client with their progress, and a failure with its message', async () => {
    const { page } = s;
    const post = async (p: ApiWorkflow): Promise<string> => {
      const res = await fetch(`${s.server.url}/api/prompt`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ prompt: p }) });
      expect(res.status).toBe(200);
      return ((await res.json()) as { prompt_id: string }).prompt_id;
    };
    // it runs until stopped once its row has shown (a prompt of 1 s could end before the panel,
    // refreshing on the status broadcast, shows it running on a loaded machine)
    const slow = await post({ '7': { class_type: 'SlowSeed', inputs: { seed: 11, ms: 60000 }, _meta: { title: 'Elsewhere' } } });
    await page.waitForFunction(
      (id) => /^7 Elsewhere · \d+\/1200$/.test(document.querySelector(`#queue-panel .qp-item.running[data-prompt-id="${id}"] .qp-node`)?.textContent ?? ''),
      slow,
      { timeout: 20000 },
    );
    const stop = await fetch(`${s.server.url}/api/interrupt`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ prompt_id: slow }) });
    expect(stop.status).toBe(200);
    await waitForPanel(page, (_q, h) => h[0]?.id === slow, 'the other client’s slow prompt ended');
    const bad = { ...prompt, '1': { class_type: 'ColorGradient', inputs: { ...prompt['1'].inputs, color_a: 'not-a-colour' } } };
    const id = await post(bad);
    const { history } = await waitForPanel(page, (_q, h) => h[0]?.id === id, 'the other client’s prompt');
    expect(history[0].badge).toBe('error');
    expect(history[0].error).toMatch(/^ColorGradient failed: .*color_a/);
    expect(history[0].canLoad).toBe(true); // the server stored an editor form for the API-form prompt
  });

  it('restores a finished prompt’s workflow, forgets entries, and stays open across a reload', async () => {
    const { page } = s;
    const { history } = await waitForPanel(page, (_q, h) => h.length === 5, 'five finished prompts');
    const succeeded = [...history].reverse().find((r) => r.badge === 'success') as PanelRow; // one of the batch (the editor's workflow)
    const entry = (await s.host.queue.historyEntry(succeeded.id))!;
    const ranSeed = entry.prompt.prompt['3'].inputs.seed;
    await page.click('#new-button');
    expect((await graphSummary(page)).nodes).toHaveLength(0);
    await clickRowButton(page, 'history', succeeded.id, 'load');
    await page.waitForFunction(() => (window as any).narflow.editor.graph.nodes.length === 3);
    const slow = (await graphSummary(page)).nodes.find((n) => n.type === 'SlowSeed');
    expect(slow?.widgets[0]).toBe(ranSeed); // the workflow as it ran, not as the editor held it after
    expect(await page.inputValue('#workflow-name')).toBe(`prompt-${succeeded.id.slice(0, 8)}`);

    await clickRowButton(page, 'history', succeeded.id, 'delete');
    await waitForPanel(page, (_q, h) => h.length === 4 && !h.some((r) => r.id === succeeded.id), 'the entry forgotten');
    expect(await s.host.queue.historyEntry(succeeded.id)).toBeUndefined();

    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.isVisible('#queue-panel')).toBe(true);
    await waitForPanel(page, (_q, h) => h.length === 4, 'the history after a reload');
    await page.click('#queue-panel button[data-action="clear-history"]');
    // one click only asks
    expect(await page.textContent('#queue-panel button[data-action="clear-history"]')).toBe('Clear all 4?');
    await page.waitForTimeout(300);
    expect(await s.host.queue.history()).toHaveLength(4);
    await page.click('#queue-panel button[data-action="clear-history"]');
    await waitForPanel(page, (_q, h) => h.length === 0, 'an empty history');
    expect(await s.host.queue.history()).toHaveLength(0);
    await page.click('#queue-panel-button');
    expect(await page.isVisible('#queue-panel')).toBe(false);
    expect(s.pageErrors).toEqual([]);
  });
});

// Auto-queue (ComfyUI's "Queue (Change)") in a real Chromium: with "auto" ticked, an edit queues
// the workflow, a pan does not, edits made while a prompt runs queue once after it, the seeds a
// Queue moves on do not queue again (no runaway with randomize), and unticking stops it.
import { apiToEditor } from '../../server/engine/workflow/apiToEditor';
import { describeWithChromium, mouseDrag, openEditor, setWidget, type EditorSession } from './browserHelpers';

const describeBrowser = describeWithChromium('test/ui/autoQueue.test.ts');
jest.setTimeout(120_000);

describeBrowser('auto-queue in Chromium', () => {
  let s: EditorSession;
  beforeAll(async () => {
    s = await openEditor();
    const wf = apiToEditor(
      {
        '1': { class_type: 'ColorGradient', inputs: { width: 8, height: 8, color_a: '#000000', color_b: '#ffffff', direction: 'horizontal', noise: 0.1, seed: 3 } },
        '2': { class_type: 'SlowCounter', inputs: { steps: 2, delay_ms: 1, preview_every: 0, image: ['1', 0] } },
        '3': { class_type: 'SaveImage', inputs: { images: ['2', 1], filename_prefix: 'auto' } },
      },
      s.host.objectInfo(),
    );
    await s.page.evaluate((w) => (window as any).narflow.app.loadWorkflow(w, 'auto'), wf as unknown);
  });
  afterAll(async () => {
    await s?.close();
  });

  /** Prompts the server has been given (finished, running or waiting). */
  const prompts = async () => {
    const snap = await s.host.queue.snapshot();
    return (await s.host.queue.history()).length + snap.pending.length + snap.running.length;
  };
  const settle = async () => {
    // until this tab has no unfinished prompt and the server no queued one
    await s.page.waitForFunction(() => (window as any).narflow.runState.unfinishedPrompts().length === 0, null, { timeout: 60_000 });
    for (let i = 0; i < 100; i++) {
      const snap = await s.host.queue.snapshot();
      if (!snap.pending.length && !snap.running.length) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const quiet = (ms: number) => new Promise((r) => setTimeout(r, ms));
  /** Waits until the server has been given `n` prompts, and they have ended. */
  const until = async (n: number) => {
    for (let i = 0; i < 200 && (await prompts()) < n; i++) await quiet(50);
    await settle();
  };

  it('queues on edits, not on pans or on the seeds it moves; edits during a run queue once after it', async () => {
    const { page } = s;
    expect(await prompts()).toBe(0);
    await page.check('#auto-queue'); // turning it on queues the graph as it is
    await until(1);
    expect(await prompts()).toBe(1);
    await quiet(800);
    expect(await prompts()).toBe(1); // the seed the Queue moved on (randomize) did not queue again

    await setWidget(page, 1, 'width', '12');
    await until(2);
    expect(await prompts()).toBe(2);

    // a slow run; edits while it runs give one more prompt after it. It runs until stopped once the
    // edits are made: a run of fixed length could end between two edits on a loaded machine, and the
    // second edit would then queue a prompt of its own
    await setWidget(page, 2, 'delay_ms', '60000');
    await page.waitForFunction(() => (window as any).narflow.runState.unfinishedPrompts().length === 1);
    expect(await prompts()).toBe(3);
    await setWidget(page, 1, 'height', '12');
    await setWidget(page, 1, 'noise', '0.2');
    await setWidget(page, 2, 'delay_ms', '1');
    expect(await prompts()).toBe(3);
    expect(await s.host.queue.interrupt()).toBe(true);
    await until(4);
    await quiet(800);
    expect(await prompts()).toBe(4);
    const last = (await s.host.queue.history()).at(-1)!;
    expect(last.prompt.prompt['1'].inputs).toMatchObject({ height: 12, noise: 0.2 }); // it ran the graph as it was after the edits
    expect(last.prompt.prompt['2'].inputs.delay_ms).toBe(1);

    // a pan from empty canvas (the top right: the toast sits at the bottom right and would take the drag)
    const box = (await page.locator('#graph-canvas').boundingBox())!;
    const offset = () => page.evaluate(() => [...(window as any).narflow.editor.canvas.ds.offset] as number[]);
    const before = await offset();
    await mouseDrag(page, [box.x + box.width - 60, box.y + 60], [box.x + box.width - 160, box.y + 120]);
    const after = await offset();
    expect(after[0] - before[0]).toBeLessThan(-20); // the view did move
    await quiet(800);
    expect(await prompts()).toBe(4); // panning is not a change

    await page.uncheck('#auto-queue');
    await setWidget(page, 1, 'width', '16');
    await quiet(800);
    expect(await prompts()).toBe(4);
    expect(s.pageErrors).toEqual([]);
  });
});

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { ExecutionEvent } from '../../server/api/protocol';
import { silentLogger } from '../../server/host/hostConfig';
import { BusEvent, LocalEventBus } from '../../server/queue/eventBus';
import { LocalPromptQueue } from '../../server/queue/localQueue';
import { openDatabase } from '../../server/store/database';
import type { ApiWorkflow } from '../../server/engine/workflow/schema';
import { harness } from './engineHarness';

const prompt = (v: number, steps = 1, delay = 0): ApiWorkflow => ({
  '1': { class_type: 'TConst', inputs: { value: v } },
  '2': { class_type: 'TSlow', inputs: { value: ['1', 0], steps, delay_ms: delay } },
  '3': { class_type: 'TSink', inputs: { value: ['2', 0] } },
});

function setup(file: string) {
  const h = harness();
  const db = openDatabase(file);
  const bus = new LocalEventBus();
  const events: BusEvent[] = [];
  bus.subscribe((e) => events.push(e));
  const queue = new LocalPromptQueue({ db, executor: h.executor, bus, log: silentLogger });
  return { h, db, bus, events, queue };
}

function until(events: BusEvent[], pred: (e: BusEvent) => boolean, ms = 10000): Promise<void> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => (events.some(pred) ? resolve() : Date.now() - t0 > ms ? reject(new Error('timed out')) : setTimeout(tick, 5));
    tick();
  });
}

const done = (id: string) => (e: BusEvent) =>
  (e.type === 'execution_success' || e.type === 'execution_error' || e.type === 'execution_interrupted') && (e as ExecutionEvent).data.prompt_id === id;

describe('LocalPromptQueue', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-queue-'))));

  it('orders by priority number, front of queue first; deletes and clears pending', async () => {
    const { queue, db } = setup(path.join(dir, 'q.db'));
    const a = await queue.enqueue({ prompt: prompt(1), outputs: ['3'] });
    const b = await queue.enqueue({ prompt: prompt(2), outputs: ['3'] });
    const c = await queue.enqueue({ prompt: prompt(3), outputs: ['3'], front: true });
    const d = await queue.enqueue({ prompt: prompt(4), outputs: ['3'], number: 1.5 });
    expect((await queue.snapshot()).pending.map((p) => p.id)).toEqual([c.id, a.id, d.id, b.id]);
    expect(await queue.remove([a.id, 'nope'])).toEqual([a.id]);
    expect((await queue.snapshot()).pending.map((p) => p.id)).toEqual([c.id, d.id, b.id]);
    expect(await queue.clear()).toBe(3);
    expect((await queue.snapshot()).pending).toEqual([]);
    await queue.close();
    db.close();
  });

  it('runs prompts in order, records history with status messages, and interrupts the running one', async () => {
    const { queue, events, db } = setup(path.join(dir, 'q.db'));
    const slow = await queue.enqueue({ prompt: prompt(1, 500, 10), outputs: ['3'] });
    const next = await queue.enqueue({ prompt: prompt(2), outputs: ['3'] });
    queue.start();
    await until(events, (e) => e.type === 'progress' && e.data.prompt_id === slow.id);
    expect(await queue.interrupt('some-other-id')).toBe(false);
    expect(await queue.interrupt()).toBe(true);
    await until(events, done(next.id));
    const hist = await queue.history();
    expect(hist.map((r) => [r.prompt.id, r.status])).toEqual([
      [slow.id, 'interrupted'],
      [next.id, 'success'],
    ]);
    expect(hist[1].outputs['3'].text).toEqual(['2']);
    expect(hist[1].messages.map((m) => m[0])).toEqual(['execution_start', 'execution_cached', 'execution_success']);
    const statuses = events.filter((e) => e.type === 'status');
    expect(statuses[statuses.length - 1].data).toEqual({ queue_remaining: 0, running: null });
    await queue.close();
    db.close();
  });

  it('keeps pending prompts and history across a reopen; a prompt left running is run again', async () => {
    const file = path.join(dir, 'q.db');
    const first = setup(file);
    const a = await first.queue.enqueue({ prompt: prompt(1), outputs: ['3'] });
    first.queue.start();
    await until(first.events, done(a.id));
    const b = await first.queue.enqueue({ prompt: prompt(2, 1000, 10), outputs: ['3'] }); // will be "running" at crash
    const c = await first.queue.enqueue({ prompt: prompt(3), outputs: ['3'] });
    await until(first.events, (e) => e.type === 'progress' && e.data.prompt_id === b.id);
    first.db.close(); // a crash: the process stops mid-prompt, nothing is finished
    const second = setup(file);
    const snap = await second.queue.snapshot();
    expect(snap.pending.map((p) => p.id)).toEqual([b.id, c.id]);
    expect((await second.queue.history()).map((r) => r.prompt.id)).toEqual([a.id]);
    await second.queue.remove([b.id]);
    second.queue.start();
    await until(second.events, done(c.id));
    expect((await second.queue.history()).map((r) => [r.prompt.id, r.status])).toEqual([
      [a.id, 'success'],
      [c.id, 'success'],
    ]);
    await second.queue.close();
    second.db.close();
    await first.queue.close().catch(() => undefined);
  });
});

// The default PromptQueue: prompts and history in SQLite, run one at a time in this process.
import { randomUUID } from 'crypto';
import type { ExecutionEvent, HistoryMessage } from '../api/protocol';
import type { Logger } from '../engine/nodeApi';
import type { Executor } from '../engine/executor/executor';
import type { EventBus } from './eventBus';
import type { EnqueueRequest, HistoryRecord, PromptQueue, QueuedPrompt, QueueSnapshot } from './promptQueue';
import { SqliteQueueStore } from './sqliteQueueStore';
import type { Db } from '../store/database';

/** Events kept in a history entry's status messages (progress and per-node events are not). */
const HISTORY_EVENTS = new Set(['execution_start', 'execution_cached', 'execution_error', 'execution_interrupted', 'execution_success']);

export interface LocalQueueOptions {
  db: Db;
  executor: Executor;
  bus: EventBus;
  log: Logger;
  /** Text chunks for saved files of a prompt (the workflow in both forms). */
  pngTextFor?(item: QueuedPrompt): Record<string, string>;
  /** Finished prompts kept as history (default HISTORY_MAX). */
  historyMax?: number;
}

export class LocalPromptQueue implements PromptQueue {
  private readonly store: SqliteQueueStore;
  private running: { item: QueuedPrompt; abort: AbortController } | null = null;
  private started = false;
  private closed = false;
  private pumping: Promise<void> | null = null;

  constructor(private readonly opts: LocalQueueOptions) {
    this.store = new SqliteQueueStore(opts.db, opts.historyMax);
    const requeued = this.store.requeueInterrupted();
    if (requeued.length) opts.log.warn(`re-queued ${requeued.length} prompt(s) left running by the previous process: ${requeued.join(', ')}`);
  }

  async enqueue(req: EnqueueRequest): Promise<QueuedPrompt> {
    if (this.closed) throw new Error('the queue is closed');
    const item = this.store.add({ ...req, id: req.id ?? randomUUID() });
    this.publishStatus();
    this.kick();
    return item;
  }

  async snapshot(): Promise<QueueSnapshot> {
    return { running: this.store.list('running'), pending: this.store.list('pending') };
  }

  async pendingCount(): Promise<number> {
    return this.store.countPending();
  }

  async remove(ids: string[]): Promise<string[]> {
    const removed = this.store.removePending(ids);
    if (removed.length) this.publishStatus();
    return removed;
  }

  async clear(): Promise<number> {
    const n = this.store.clearPending();
    this.publishStatus();
    return n;
  }

  async interrupt(promptId?: string): Promise<boolean> {
    const r = this.running;
    if (!r || (promptId && r.item.id !== promptId)) return false;
    r.abort.abort();
    return true;
  }

  async history(maxItems?: number): Promise<HistoryRecord[]> {
    return this.store.history(maxItems);
  }

  async historyEntry(id: string): Promise<HistoryRecord | undefined> {
    return this.store.historyEntry(id);
  }

  async deleteHistory(ids: string[] | 'all'): Promise<void> {
    this.store.deleteHistory(ids);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.kick();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.running?.abort.abort();
    await this.pumping;
  }

  /** Queue length and the running prompt, broadcast to every client. */
  publishStatus(): void {
    this.opts.bus.publish({ type: 'status', data: { queue_remaining: this.store.countPending() + (this.running ? 1 : 0), running: this.running?.item.id ?? null } });
  }

  private kick(): void {
    if (!this.started || this.closed || this.pumping) return;
    const finished = (err?: unknown) => {
      this.pumping = null;
      if (err) {
        // Storage failed: stop pulling prompts rather than spin; the next enqueue tries again.
        this.opts.log.error(`the queue stopped running prompts: ${(err as Error).message}`);
        return;
      }
      try {
        if (!this.closed && this.store.countPending() > 0) this.kick();
      } catch (e) {
        this.opts.log.error(`the queue cannot read its storage: ${(e as Error).message}`);
      }
    };
    this.pumping = this.pump().then(() => finished(), finished);
  }

  private async pump(): Promise<void> {
    for (;;) {
      if (this.closed) return;
      const item = this.store.claimNext();
      if (!item) return;
      await this.runOne(item);
    }
  }

  private async runOne(item: QueuedPrompt): Promise<void> {
    const abort = new AbortController();
    this.running = { item, abort };
    this.publishStatus();
    const messages: HistoryMessage[] = [];
    const startedAt = Date.now();
    const emit = (ev: ExecutionEvent) => {
      if (HISTORY_EVENTS.has(ev.type)) messages.push([ev.type, ev.data as unknown as Record<string, unknown>]);
      this.opts.bus.publish(ev);
    };
    let record: HistoryRecord;
    try {
      const result = await this.opts.executor.run({
        promptId: item.id,
        prompt: item.prompt,
        outputs: item.outputs,
        signal: abort.signal,
        emit,
        pngText: this.opts.pngTextFor?.(item),
      });
      record = { prompt: item, status: result.status, outputs: result.outputs, messages, startedAt, finishedAt: Date.now() };
    } catch (err) {
      // The executor reports node failures itself; this is a failure of the host (a bug): keep going.
      const message = err instanceof Error ? err.message : String(err);
      this.opts.log.error(`prompt ${item.id} failed outside any node: ${message}`);
      emit({ type: 'execution_error', data: { prompt_id: item.id, node_id: '', node_type: '', exception_message: message, timestamp: Date.now() } });
      record = { prompt: item, status: 'error', outputs: {}, messages, startedAt, finishedAt: Date.now() };
    }
    if (this.closed && record.status === 'interrupted') {
      // Shutting down mid-prompt: leave it queued so the next start runs it again.
      this.running = null;
      return;
    }
    this.store.finish(record);
    this.running = null;
    this.publishStatus();
  }
}

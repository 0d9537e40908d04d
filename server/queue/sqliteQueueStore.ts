// Queue and history rows in SQLite. Synchronous (better-sqlite3); the async PromptQueue wraps it.
import type { Db } from '../store/database';
import { nextCounter } from '../store/database';
import type { EnqueueRequest, HistoryRecord, QueuedPrompt } from './promptQueue';

interface QueueRow {
  id: string;
  number: number;
  prompt: string;
  outputs: string;
  extra: string;
  created_at: number;
}

interface HistoryRow {
  id: string;
  item: string;
  status: string;
  outputs: string;
  messages: string;
  started_at: number | null;
  finished_at: number;
}

function fromRow(r: QueueRow): QueuedPrompt {
  return { id: r.id, number: r.number, prompt: JSON.parse(r.prompt), outputs: JSON.parse(r.outputs), extra: JSON.parse(r.extra), createdAt: r.created_at };
}

function historyFromRow(r: HistoryRow): HistoryRecord {
  return {
    prompt: JSON.parse(r.item),
    status: r.status as HistoryRecord['status'],
    outputs: JSON.parse(r.outputs),
    messages: JSON.parse(r.messages),
    startedAt: r.started_at ?? undefined,
    finishedAt: r.finished_at,
  };
}

/** Finished prompts kept as history by default (the newest; as the Redis queue and ComfyUI keep). */
export const HISTORY_MAX = 10_000;

export class SqliteQueueStore {
  /** `historyMax`: finished prompts kept, the oldest dropped as new ones finish. */
  constructor(
    private readonly db: Db,
    private readonly historyMax = HISTORY_MAX,
  ) {}

  /** Prompts left 'running' by a process that died go back to the front of the queue. Returns their ids. */
  requeueInterrupted(): string[] {
    const rows = this.db.prepare("SELECT id FROM queue WHERE state = 'running'").all() as { id: string }[];
    this.db.prepare("UPDATE queue SET state = 'pending' WHERE state = 'running'").run();
    return rows.map((r) => r.id);
  }

  add(req: EnqueueRequest & { id: string }): QueuedPrompt {
    return this.db.transaction(() => {
      const seq = nextCounter(this.db, 'queue_seq');
      const number = req.number ?? (req.front ? -seq : seq);
      const item: QueuedPrompt = { id: req.id, number, prompt: req.prompt, outputs: req.outputs, extra: req.extra ?? {}, createdAt: Date.now() };
      this.db
        .prepare("INSERT INTO queue (id, number, seq, state, prompt, outputs, extra, created_at) VALUES (?, ?, ?, 'pending', ?, ?, ?, ?)")
        .run(item.id, number, seq, JSON.stringify(item.prompt), JSON.stringify(item.outputs), JSON.stringify(item.extra), item.createdAt);
      return item;
    })();
  }

  list(state: 'pending' | 'running'): QueuedPrompt[] {
    return (this.db.prepare('SELECT * FROM queue WHERE state = ? ORDER BY number, seq').all(state) as QueueRow[]).map(fromRow);
  }

  countPending(): number {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM queue WHERE state = 'pending'").get() as { n: number }).n;
  }

  /** Marks the first pending prompt running and returns it. */
  claimNext(): QueuedPrompt | undefined {
    return this.db.transaction(() => {
      const row = this.db.prepare("SELECT * FROM queue WHERE state = 'pending' ORDER BY number, seq LIMIT 1").get() as QueueRow | undefined;
      if (!row) return undefined;
      this.db.prepare("UPDATE queue SET state = 'running' WHERE id = ?").run(row.id);
      return fromRow(row);
    })();
  }

  removePending(ids: string[]): string[] {
    const del = this.db.prepare("DELETE FROM queue WHERE id = ? AND state = 'pending'");
    return this.db.transaction(() => ids.filter((id) => del.run(id).changes > 0))();
  }

  clearPending(): number {
    return this.db.prepare("DELETE FROM queue WHERE state = 'pending'").run().changes;
  }

  /** Moves a finished prompt from the queue into history (one transaction). */
  finish(record: HistoryRecord): void {
    this.db.transaction(() => {
      const seq = nextCounter(this.db, 'history_seq');
      this.db.prepare('DELETE FROM queue WHERE id = ?').run(record.prompt.id);
      this.db
        .prepare(
          'INSERT OR REPLACE INTO history (id, seq, item, status, outputs, messages, started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(
          record.prompt.id,
          seq,
          JSON.stringify(record.prompt),
          record.status,
          JSON.stringify(record.outputs),
          JSON.stringify(record.messages),
          record.startedAt ?? null,
          record.finishedAt,
        );
      // history stays bounded: each finished prompt keeps its workflow, so it grew without end
      this.db.prepare('DELETE FROM history WHERE seq <= ?').run(seq - this.historyMax);
    })();
  }

  /** Most recent last, at most `max` (the newest ones). */
  history(max?: number): HistoryRecord[] {
    const rows =
      max === undefined
        ? (this.db.prepare('SELECT * FROM history ORDER BY seq').all() as HistoryRow[])
        : (this.db.prepare('SELECT * FROM (SELECT * FROM history ORDER BY seq DESC LIMIT ?) ORDER BY seq').all(max) as HistoryRow[]);
    return rows.map(historyFromRow);
  }

  historyEntry(id: string): HistoryRecord | undefined {
    const row = this.db.prepare('SELECT * FROM history WHERE id = ?').get(id) as HistoryRow | undefined;
    return row && historyFromRow(row);
  }

  deleteHistory(ids: string[] | 'all'): void {
    if (ids === 'all') this.db.prepare('DELETE FROM history').run();
    else {
      const del = this.db.prepare('DELETE FROM history WHERE id = ?');
      this.db.transaction(() => ids.forEach((id) => del.run(id)))();
    }
  }
}

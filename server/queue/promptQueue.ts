// The queue interface the server talks to. The local implementation keeps prompts and history in
// SQLite and runs them in-process; a Redis-backed one (BullMQ, many workers) implements the same
// interface and publishes its workers' events to the same EventBus.
import type { HistoryEntry, HistoryMessage, HistoryStatusStr } from '../api/protocol';
import type { UiResult } from '../engine/nodeApi';
import type { ApiWorkflow } from '../engine/workflow/schema';

export interface QueuedPrompt {
  id: string;
  /** Priority: lower runs first. */
  number: number;
  prompt: ApiWorkflow;
  /** Output node ids to produce. */
  outputs: string[];
  /** extra_data from the request (client_id, extra_pnginfo.workflow, ...). */
  extra: Record<string, unknown>;
  createdAt: number;
}

export interface EnqueueRequest {
  id?: string;
  prompt: ApiWorkflow;
  outputs: string[];
  extra?: Record<string, unknown>;
  /** Explicit priority number (lower first). */
  number?: number;
  /** Run before everything pending. */
  front?: boolean;
}

export interface QueueSnapshot {
  running: QueuedPrompt[];
  pending: QueuedPrompt[];
}

export interface HistoryRecord {
  prompt: QueuedPrompt;
  status: HistoryStatusStr;
  outputs: Record<string, UiResult>;
  messages: HistoryMessage[];
  startedAt?: number;
  finishedAt: number;
}

export interface PromptQueue {
  enqueue(req: EnqueueRequest): Promise<QueuedPrompt>;
  snapshot(): Promise<QueueSnapshot>;
  /** How many prompts wait (not running), without reading them. */
  pendingCount(): Promise<number>;
  /** Removes pending prompts; returns the ids removed (running ones are not removed: interrupt them). */
  remove(ids: string[]): Promise<string[]>;
  /** Removes every pending prompt; returns how many. */
  clear(): Promise<number>;
  /** Cancels the running prompt (or the given one when it is running). True when something was interrupted. */
  interrupt(promptId?: string): Promise<boolean>;
  history(maxItems?: number): Promise<HistoryRecord[]>;
  historyEntry(id: string): Promise<HistoryRecord | undefined>;
  deleteHistory(ids: string[] | 'all'): Promise<void>;
  /** Starts running prompts (idempotent). */
  start(): void;
  /** Stops taking prompts, interrupts the running one, releases storage. */
  close(): Promise<void>;
}

/** ComfyUI-shaped history entry. */
export function historyEntryOf(r: HistoryRecord): HistoryEntry {
  return {
    prompt: [r.prompt.number, r.prompt.id, r.prompt.prompt, r.prompt.extra, r.prompt.outputs],
    outputs: r.outputs,
    status: { status_str: r.status, completed: r.status === 'success', messages: r.messages },
    started_at: r.startedAt,
    finished_at: r.finishedAt,
  };
}

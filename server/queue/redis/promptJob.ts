// What a BullMQ job of the prompt queue holds, how a prompt's number becomes a BullMQ priority,
// and how a finished job reads back as a history record.
import type { HistoryMessage, HistoryStatusStr } from '../../api/protocol';
import type { UiResult } from '../../engine/nodeApi';
import type { HistoryRecord, QueuedPrompt } from '../promptQueue';

/** One time a worker started the prompt. `outcome` absent: the worker never finished it (it died). */
export interface RunNote {
  worker: string;
  startedAt: number;
  /** 'shutdown': the worker stopped cleanly and put the prompt back (does not count as an attempt). */
  outcome?: 'shutdown';
  /** When a stopping worker put the prompt back. */
  endedAt?: number;
}

export interface PromptJobData {
  item: QueuedPrompt;
  /** How many times the prompt may be started on workers that then die, before it is failed. */
  maxAttempts: number;
  runs: RunNote[];
  /** How often a worker passed the prompt on to an idle worker holding its models. */
  deferrals: number;
  /** When it was first passed on (ms since the epoch). */
  deferredSince?: number;
  /** Input files the prompt names (relative path → sha256), stored in Redis for workers elsewhere. */
  inputs?: Record<string, string>;
}

/** The job's return value: the history record minus the prompt. */
export interface PromptJobResult {
  status: HistoryStatusStr;
  outputs: Record<string, UiResult>;
  messages: HistoryMessage[];
  startedAt: number;
  finishedAt: number;
  worker: string;
}

/** The fields of a BullMQ job this module reads. */
export interface JobView {
  id?: string;
  data: PromptJobData;
  returnvalue?: PromptJobResult | null;
  failedReason?: string;
  processedOn?: number;
  finishedOn?: number;
  priority?: number;
}

/** BullMQ priorities run from 1 (first) to 2^21. */
export const MAX_BULL_PRIORITY = 2 ** 21;
const MID = 2 ** 20;

/**
 * A prompt number (lower first; defaults count up, front-of-queue counts down) as a BullMQ priority.
 * Order is exact for |number| < 2^20; beyond that numbers share the end priority and run FIFO.
 */
export function bullPriority(number: number): number {
  return Math.min(MAX_BULL_PRIORITY, Math.max(1, Math.round(number) + MID));
}

/** Runs whose worker stopped without finishing (killed, lost its lock). */
export function lostRuns(runs: RunNote[]): RunNote[] {
  return runs.filter((r) => r.outcome === undefined);
}

/**
 * History messages for the earlier runs of a prompt, each started and then interrupted: lost with
 * its worker ('worker_lost', an attempt; known at `now`, when the prompt was taken up again), or
 * put back by a worker that was stopping ('worker_stopped', not an attempt; at the time it stopped).
 */
export function earlierRunMessages(promptId: string, runs: RunNote[], now: number): HistoryMessage[] {
  const out: HistoryMessage[] = [];
  let attempt = 0;
  for (const r of runs) {
    const lost = r.outcome === undefined;
    const counted = lost ? { attempt: ++attempt } : {};
    out.push(['execution_start', { prompt_id: promptId, timestamp: r.startedAt, worker: r.worker, ...counted }]);
    out.push([
      'execution_interrupted',
      { prompt_id: promptId, node_id: null, timestamp: r.endedAt ?? now, worker: r.worker, ...counted, reason: lost ? 'worker_lost' : 'worker_stopped', retried: true },
    ]);
  }
  return out;
}

/** The history record of a finished job, undefined while it is pending or running. */
export function recordOfJob(job: JobView, state: 'completed' | 'failed'): HistoryRecord {
  const item = job.data.item;
  const r = job.returnvalue;
  if (state === 'completed' && r) {
    return { prompt: item, status: r.status, outputs: r.outputs, messages: r.messages, startedAt: r.startedAt, finishedAt: r.finishedAt };
  }
  // Failed in BullMQ itself (e.g. the processor threw): report it as an error of the prompt.
  const finishedAt = job.finishedOn ?? Date.now();
  const message = job.failedReason || 'the prompt failed in the queue without a reason';
  return {
    prompt: item,
    status: 'error',
    outputs: {},
    messages: [
      ...earlierRunMessages(item.id, job.data.runs ?? [], finishedAt),
      ['execution_error', { prompt_id: item.id, node_id: '', node_type: '', exception_message: message, timestamp: finishedAt }],
    ],
    startedAt: job.processedOn,
    finishedAt,
  };
}

// What the queue and history panel shows, computed from the server's /api/queue and /api/history
// answers (pure: no DOM). History comes oldest first from the server; the panel lists newest first.
import { historyFailure, PROMPT_END_EVENTS, type EditorWorkflow, type HistoryEntry, type HistoryResponse, type HistoryStatusStr, type QueueItem, type QueueResponse } from '../../../server/api/protocol';
import { scoresLine, scoresOf } from '../execution/scores';

export interface ImageRef {
  filename: string;
  subfolder: string;
  type: string;
}

export interface QueueRow {
  id: string;
  /** The first 8 characters of the prompt id, as the status line shows it. */
  short: string;
  number: number;
  state: 'running' | 'pending';
  nodeCount: number;
  /** "id Title" (or the class type) of each node, by id: names the running node. */
  nodeLabels: Record<string, string>;
  /** The editor form stored with the prompt (every prompt queued through the API has one). */
  workflow: EditorWorkflow | null;
}

export interface HistoryRow {
  id: string;
  short: string;
  status: HistoryStatusStr;
  finishedAt: number;
  /** From the start of execution to the end; null when the entry has no start time. */
  durationMs: number | null;
  /** Output images of every output node, in node id order. */
  images: ImageRef[];
  /** "NodeType failed: message" for a failed prompt. */
  error: string | null;
  /** Texts the output nodes showed (e.g. a score table's summary). */
  texts: string[];
  nodeCount: number;
  workflow: EditorWorkflow | null;
}

/** The editor form a queue item carries in `extra_data.extra_pnginfo.workflow`, if it has a usable one. */
export function workflowOf(item: QueueItem): EditorWorkflow | null {
  const extra = item[3] as { extra_pnginfo?: { workflow?: unknown } } | undefined;
  const wf = extra?.extra_pnginfo?.workflow as { nodes?: unknown } | undefined;
  return wf && typeof wf === 'object' && Array.isArray(wf.nodes) ? (wf as EditorWorkflow) : null;
}

function queueRow(item: QueueItem, state: QueueRow['state']): QueueRow {
  const prompt = item[2] ?? {};
  const nodeLabels: Record<string, string> = {};
  for (const [id, node] of Object.entries(prompt)) nodeLabels[id] = `${id} ${node._meta?.title ?? node.class_type}`;
  return { id: item[1], short: item[1].slice(0, 8), number: item[0], state, nodeCount: Object.keys(prompt).length, nodeLabels, workflow: workflowOf(item) };
}

/** What the running prompt is doing, from its live events. */
export interface LiveProgress {
  promptId: string;
  node: string | null;
  value: number;
  max: number;
}

/** Folds one of a prompt's execution events into its live progress (null: it has ended, or nothing is known). */
export function nextLive(live: LiveProgress | null, ev: { type: string; data: { prompt_id: string; node?: string | null; value?: number; max?: number } }): LiveProgress | null {
  const id = ev.data.prompt_id;
  switch (ev.type) {
    case 'execution_start':
      return { promptId: id, node: null, value: 0, max: 0 };
    case 'executing':
      return { promptId: id, node: ev.data.node ?? null, value: 0, max: 0 };
    case 'progress':
      return { promptId: id, node: ev.data.node ?? live?.node ?? null, value: ev.data.value ?? 0, max: ev.data.max ?? 0 };
    default:
      return PROMPT_END_EVENTS.has(ev.type) && live?.promptId === id ? null : live;
  }
}

/** Running first, then pending in the order they will run (lower number first). */
export function queueRows(q: QueueResponse): QueueRow[] {
  const pending = [...q.queue_pending].sort((a, b) => a[0] - b[0]);
  return [...q.queue_running.map((i) => queueRow(i, 'running')), ...pending.map((i) => queueRow(i, 'pending'))];
}

function byNodeId(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  return Number.isFinite(na) && Number.isFinite(nb) ? na - nb : a.localeCompare(b);
}

function errorOf(entry: HistoryEntry): string | null {
  if (entry.status.status_str !== 'error') return null;
  const failure = historyFailure(entry);
  if (!failure) return 'failed';
  return failure.node_type ? `${failure.node_type} failed: ${failure.message}` : failure.message || 'failed';
}

export function historyRow(id: string, entry: HistoryEntry): HistoryRow {
  const images: ImageRef[] = [];
  const texts: string[] = [];
  for (const node of Object.keys(entry.outputs).sort(byNodeId)) {
    const out = entry.outputs[node];
    if (Array.isArray(out.images)) for (const i of out.images) images.push({ filename: i.filename, subfolder: i.subfolder ?? '', type: i.type ?? 'output' });
    const scores = scoresOf(out);
    if (scores) texts.push(scoresLine(scores));
    else if (Array.isArray(out.text)) texts.push(...out.text.map(String));
  }
  return {
    id,
    short: id.slice(0, 8),
    status: entry.status.status_str,
    finishedAt: entry.finished_at,
    durationMs: typeof entry.started_at === 'number' ? Math.max(0, entry.finished_at - entry.started_at) : null,
    images,
    error: errorOf(entry),
    texts,
    nodeCount: Object.keys(entry.prompt[2] ?? {}).length,
    workflow: workflowOf(entry.prompt),
  };
}

/** Newest first (by finish time; ties keep the server's order reversed). */
export function historyRows(h: HistoryResponse): HistoryRow[] {
  const rows = Object.entries(h).map(([id, e], order) => ({ row: historyRow(id, e), order }));
  rows.sort((a, b) => b.row.finishedAt - a.row.finishedAt || b.order - a.order);
  return rows.map((r) => r.row);
}

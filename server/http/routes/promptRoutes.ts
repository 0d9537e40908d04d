// /api/prompt, /api/queue, /api/interrupt, /api/history.
import { randomUUID } from 'crypto';
import { Router } from 'express';
import type { HistoryResponse, PromptRequest, PromptResponse, QueueItem, QueueResponse, ValidateResponse } from '../../api/protocol';
import type { Host } from '../../host/host';
import { preparePrompt, type PreparedPrompt } from '../../host/submit';
import { historyEntryOf, QueuedPrompt } from '../../queue/promptQueue';
import { badRequest, HttpError } from '../httpError';
import { asyncRoute } from './asyncRoute';

export interface PromptRouteHooks {
  /** Called just before a prompt is queued (it may start at once): subscribes the submitting client's sockets. */
  beforeQueue(promptId: string, clientId: string | undefined): void;
}

const queueItem = (q: QueuedPrompt): QueueItem => [q.number, q.id, q.prompt, q.extra, q.outputs];

function stringList(v: unknown, what: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw badRequest(`${what} must be an array of prompt ids`);
  return v as string[];
}

/** Queues a validated prompt; the submitting client (if named) is subscribed before it can start. */
export async function enqueuePrepared(
  host: Host,
  hooks: PromptRouteHooks,
  prepared: PreparedPrompt,
  opts: { clientId?: string; number?: number; front?: boolean; extraData?: PromptRequest['extra_data']; id?: string },
): Promise<QueuedPrompt> {
  const { prompt, outputs, workflow } = prepared;
  const extra = { ...(opts.extraData ?? {}), ...(opts.clientId ? { client_id: opts.clientId } : {}), extra_pnginfo: { ...(opts.extraData?.extra_pnginfo ?? {}), workflow } };
  const waiting = await host.queue.pendingCount();
  if (waiting >= host.config.maxQueue) {
    throw new HttpError(
      429,
      'queue_full',
      `the queue is full: ${waiting} prompts wait, the most this server takes is ${host.config.maxQueue}; queue again when some have run, or delete some (POST /api/queue {"delete": [...]} or {"clear": true})`,
    );
  }
  const id = opts.id ?? randomUUID();
  hooks.beforeQueue(id, opts.clientId);
  return host.queue.enqueue({ id, prompt, outputs, extra, number: opts.number, front: opts.front === true });
}

/** A client-chosen prompt id, checked: well-formed and used by no queued prompt nor history entry. */
async function chosenPromptId(host: Host, v: unknown): Promise<string | undefined> {
  if (v === undefined) return undefined;
  // ':' and whole numbers are refused because the Redis queue (BullMQ job ids) cannot take them
  // eslint-disable-next-line no-control-regex
  if (typeof v !== 'string' || !/^[^\u0000-\u001f\u007f:]{1,200}$/.test(v) || /^-?\d+$/.test(v)) {
    throw badRequest(`'prompt_id' must be a string of 1–200 characters, not a whole number, without ':' or control characters, got ${JSON.stringify(v)}`);
  }
  const s = await host.queue.snapshot();
  if ([...s.running, ...s.pending].some((p) => p.id === v) || (await host.queue.historyEntry(v))) {
    throw badRequest(`'prompt_id' ${JSON.stringify(v)} is already used by another prompt`);
  }
  return v;
}

export function promptRoutes(host: Host, hooks: PromptRouteHooks): Router {
  const r = Router();

  r.post(
    '/prompt',
    asyncRoute(async (req, res) => {
      const body = req.body as PromptRequest;
      const id = await chosenPromptId(host, body.prompt_id);
      const prepared = preparePrompt(host, body);
      if (!prepared.ok) return void res.status(400).json(prepared.error);
      if (body.number !== undefined && !Number.isFinite(body.number)) throw badRequest(`'number' must be a finite number, got ${JSON.stringify(body.number)}`);
      const clientId = typeof body.client_id === 'string' ? body.client_id : undefined;
      const item = await enqueuePrepared(host, hooks, prepared.value, { clientId, number: body.number, front: body.front, extraData: body.extra_data, id });
      const out: PromptResponse = { prompt_id: item.id, number: item.number, node_errors: {} };
      res.json(out);
    }),
  );

  // the checks of POST /prompt, nothing queued: would this workflow run here, and what would run?
  r.post(
    '/validate',
    asyncRoute(async (req, res) => {
      const prepared = preparePrompt(host, req.body as PromptRequest);
      if (!prepared.ok) return void res.status(400).json(prepared.error);
      const { prompt, outputs } = prepared.value;
      const out: ValidateResponse = { ok: true, nodes: Object.keys(prompt).length, outputs: outputs.map((id) => ({ id, class_type: prompt[id].class_type })) };
      res.json(out);
    }),
  );

  r.get(
    '/prompt',
    asyncRoute(async (_req, res) => {
      const s = await host.queue.snapshot();
      res.json({ exec_info: { queue_remaining: s.pending.length + s.running.length } });
    }),
  );

  r.get(
    '/queue',
    asyncRoute(async (_req, res) => {
      const s = await host.queue.snapshot();
      const out: QueueResponse = { queue_running: s.running.map(queueItem), queue_pending: s.pending.map(queueItem) };
      res.json(out);
    }),
  );

  r.post(
    '/queue',
    asyncRoute(async (req, res) => {
      const body = (req.body ?? {}) as { clear?: unknown; delete?: unknown };
      const ids = stringList(body.delete, "'delete'");
      const cleared = body.clear === true ? await host.queue.clear() : 0;
      const removed = ids.length ? await host.queue.remove(ids) : [];
      res.json({ ok: true, cleared, deleted: removed });
    }),
  );

  r.post(
    '/interrupt',
    asyncRoute(async (req, res) => {
      const id = (req.body ?? {}).prompt_id;
      if (id !== undefined && typeof id !== 'string') throw badRequest("'prompt_id' must be a string");
      res.json({ ok: true, interrupted: await host.queue.interrupt(id) });
    }),
  );

  r.get(
    '/history',
    asyncRoute(async (req, res) => {
      const max = req.query.max_items === undefined ? undefined : Number(req.query.max_items);
      if (max !== undefined && !(Number.isInteger(max) && max >= 0)) throw badRequest(`max_items must be a non-negative integer, got ${JSON.stringify(req.query.max_items)}`);
      const out: HistoryResponse = {};
      for (const rec of await host.queue.history(max)) out[rec.prompt.id] = historyEntryOf(rec);
      res.json(out);
    }),
  );

  r.get(
    '/history/:id',
    asyncRoute(async (req, res) => {
      const rec = await host.queue.historyEntry(req.params.id);
      const out: HistoryResponse = rec ? { [rec.prompt.id]: historyEntryOf(rec) } : {};
      res.json(out);
    }),
  );

  r.post(
    '/history',
    asyncRoute(async (req, res) => {
      const body = (req.body ?? {}) as { clear?: unknown; delete?: unknown };
      if (body.clear === true) await host.queue.deleteHistory('all');
      const ids = stringList(body.delete, "'delete'");
      if (ids.length) await host.queue.deleteHistory(ids);
      res.json({ ok: true });
    }),
  );
  return r;
}

// POST /api/workflows/:name/run — a saved workflow (else the shipped template of that name) as an
// HTTP endpoint: inputs overridden by `set`, queued, and by default answered when it has run, with
// its outputs and their URLs. One request instead of queue + socket + history + view.
import { randomUUID } from 'crypto';
import { Router } from 'express';
import { historyFailure, PROMPT_END_EVENTS, uiFileLists, type RunWorkflowRequest, type RunWorkflowResponse } from '../../api/protocol';
import { editorToApi, WorkflowFormatError } from '../../engine/workflow/convert';
import { setOwn } from '../../engine/workflow/ownProps';
import { applyOverrides, splitTarget, type Override } from '../../engine/workflow/overrides';
import type { Host } from '../../host/host';
import { preparePrompt } from '../../host/submit';
import { readTemplate } from '../../host/templates';
import { historyEntryOf, type HistoryRecord } from '../../queue/promptQueue';
import { WORKFLOW_NAME } from '../../store/workflowStore';
import { badRequest, notFound } from '../httpError';
import { asyncRoute } from './asyncRoute';
import { enqueuePrepared, type PromptRouteHooks } from './promptRoutes';

const DEFAULT_TIMEOUT_S = 300;
const MAX_TIMEOUT_S = 3600;

function parseRequest(body: unknown): { overrides: Override[]; wait: boolean; timeoutS: number; front: boolean; clientId?: string; targets?: string[] } {
  const b = (body ?? {}) as RunWorkflowRequest;
  if (typeof b !== 'object' || Array.isArray(b)) throw badRequest('the body must be a JSON object {set?, wait?, timeout_s?, front?, client_id?, partial_execution_targets?}');
  if (b.set !== undefined && (typeof b.set !== 'object' || b.set === null || Array.isArray(b.set))) {
    throw badRequest(`'set' must be an object {"nodeId.input": value}, got ${JSON.stringify(b.set)}`);
  }
  let overrides: Override[];
  try {
    overrides = Object.entries(b.set ?? {}).map(([target, value]) => [...splitTarget(target, "'set'"), value]);
  } catch (e) {
    throw badRequest((e as Error).message);
  }
  if (b.wait !== undefined && typeof b.wait !== 'boolean') throw badRequest(`'wait' must be true or false, got ${JSON.stringify(b.wait)}`);
  const timeoutS = b.timeout_s ?? DEFAULT_TIMEOUT_S;
  if (typeof timeoutS !== 'number' || !(timeoutS > 0 && timeoutS <= MAX_TIMEOUT_S)) throw badRequest(`'timeout_s' must be a number in (0, ${MAX_TIMEOUT_S}], got ${JSON.stringify(b.timeout_s)}`);
  if (b.client_id !== undefined && typeof b.client_id !== 'string') throw badRequest("'client_id' must be a string");
  return { overrides, wait: b.wait ?? true, timeoutS, front: b.front === true, clientId: b.client_id, targets: b.partial_execution_targets };
}

/** The answer for an ended prompt: its status, outputs with their URLs, and the failure if any. */
export function runResult(rec: HistoryRecord, viewPath: string): RunWorkflowResponse {
  const entry = historyEntryOf(rec);
  const outputs: RunWorkflowResponse['outputs'] = {};
  for (const [node, ui] of Object.entries(entry.outputs)) {
    const withUrls = { ...ui };
    for (const [key, files] of uiFileLists(ui)) {
      withUrls[key] = files.map((f) => ({ ...f, url: `${viewPath}?${new URLSearchParams({ filename: f.filename, subfolder: f.subfolder ?? '', type: f.type ?? 'output' })}` }));
    }
    setOwn(outputs, node, withUrls as RunWorkflowResponse['outputs'][string]);
  }
  const failure = historyFailure(entry);
  return { prompt_id: rec.prompt.id, status: rec.status, outputs, ...(failure ? { error: failure } : {}) };
}

/**
 * Waits for prompt `id` to end (an end event), or to leave the queue without running: removal and
 * clearing publish only `status`, so on each status the queue and history are read, and a prompt
 * in neither was deleted. Subscribes at once, so call it before queueing.
 */
function waitForEnd(host: Host, id: string): { until(ms: number): Promise<'ended' | 'deleted' | 'timeout'>; stop(): void } {
  let settle: (outcome: 'ended' | 'deleted') => void = () => undefined;
  const settled = new Promise<'ended' | 'deleted'>((resolve) => (settle = resolve));
  // one read at a time; a status that comes during a read asks for one more
  let checking = false;
  let again = false;
  const checkGone = async (): Promise<void> => {
    if (checking) return void (again = true);
    checking = true;
    try {
      do {
        again = false;
        const s = await host.queue.snapshot();
        const queued = [...s.running, ...s.pending].some((p) => p.id === id);
        if (!queued && !(await host.queue.historyEntry(id))) settle('deleted');
      } while (again);
    } catch {
      /* the queue could not be read: keep waiting for the end event or the timeout */
    } finally {
      checking = false;
    }
  };
  let enqueued = false;
  const unsubscribe = host.bus.subscribe((ev) => {
    if (ev.type === 'status') {
      if (enqueued) void checkGone();
    } else if (ev.data.prompt_id === id && PROMPT_END_EVENTS.has(ev.type)) settle('ended');
  });
  let timer: NodeJS.Timeout | undefined;
  return {
    until(ms) {
      enqueued = true;
      if (ms <= 0) return Promise.resolve('timeout');
      return Promise.race([settled, new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)))]);
    },
    stop() {
      clearTimeout(timer);
      unsubscribe();
    },
  };
}

export function runRoutes(host: Host, hooks: PromptRouteHooks): Router {
  const r = Router();
  r.post(
    '/workflows/:name/run',
    asyncRoute(async (req, res) => {
      const name = req.params.name;
      if (!WORKFLOW_NAME.test(name)) throw badRequest(`workflow name must be 1–100 letters, digits, spaces, '.', '-' or '_', got ${JSON.stringify(name)}`);
      const { overrides, wait: waitForIt, timeoutS, front, clientId, targets } = parseRequest(req.body);
      const info = host.objectInfo();
      const workflow = host.workflows.get(name)?.workflow ?? readTemplate(host.config.workflowsDir, name, info);
      if (!workflow) throw notFound(`no saved workflow or template ${JSON.stringify(name)}`);
      let forms;
      try {
        forms = applyOverrides({ prompt: editorToApi(workflow, info).prompt, workflow }, overrides, info, "'set'");
      } catch (e) {
        if (e instanceof WorkflowFormatError) throw badRequest(e.message);
        throw e;
      }
      const prepared = preparePrompt(host, { prompt: forms.prompt, workflow: forms.workflow, ...(targets !== undefined ? { partial_execution_targets: targets } : {}) });
      if (!prepared.ok) return void res.status(400).json(prepared.error);

      // listen before queueing: a cached prompt can end before enqueue returns
      const id = randomUUID();
      const wait = waitForEnd(host, id);
      try {
        await enqueuePrepared(host, hooks, prepared.value, { id, clientId, front });
        const outcome = await wait.until(waitForIt ? timeoutS * 1000 : 0);
        if (outcome === 'deleted') {
          const body: RunWorkflowResponse = { prompt_id: id, status: 'deleted', outputs: {}, message: `prompt ${id} was deleted from the queue before it ran` };
          return void res.status(410).json(body);
        }
        // the end event comes just before history is written: read it until it is there
        let rec = outcome === 'ended' ? await host.queue.historyEntry(id) : undefined;
        for (let i = 0; outcome === 'ended' && !rec && i < 100; i++) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          rec = await host.queue.historyEntry(id);
        }
        if (rec) return void res.json(runResult(rec, `${req.baseUrl}/view`));
        const snap = await host.queue.snapshot();
        const status: RunWorkflowResponse['status'] = snap.running.some((p) => p.id === id) ? 'running' : 'queued';
        res.status(202).json({ prompt_id: id, status, outputs: {} } satisfies RunWorkflowResponse);
      } finally {
        wait.stop();
      }
    }),
  );
  return r;
}


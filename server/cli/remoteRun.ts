// `narflow run --server URL`: queues a workflow file on a running narflow server (a GPU box, a
// Redis-backed cluster) instead of running it in this process. The file is read and `--set` applied
// here against the server's own node definitions; input images named by a local path are uploaded;
// progress streams over socket.io; outputs are downloaded into --out, never replacing a file there. Ctrl-C interrupts the prompt on the server. A dropped connection is
// resumed (subscribe again, then read history for an end missed meanwhile); a prompt deleted from
// the queue before it ran ends the run with an error.
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { io, type Socket } from 'socket.io-client';
import {
  EXECUTION_EVENTS,
  comboOptions,
  historyFailure,
  PROMPT_END_EVENTS,
  ROUTES,
  SOCKET_PATH,
  UPLOAD_COMBOS,
  type ClientToServerEvents,
  type ErrorResponse,
  type ExecutionEvent,
  type HistoryEntry,
  type HistoryResponse,
  type ObjectInfoResponse,
  type PromptRequest,
  type PromptResponse,
  type QueueResponse,
  type ServerToClientEvents,
  type ValidateResponse,
} from '../api/protocol';
import { summarise } from '../engine/graph/validate';
import { missingFileLines, missingFilesInPrompt, workflowModelSources } from '../engine/workflow/missingFiles';
import { writeOutputFile } from './outputFile';
import { ProgressDisplay } from './progressDisplay';
import { uiFiles, uiText } from './uiFiles';
import { applyOverrides, type Override } from '../engine/workflow/overrides';
import { applySettings, loadWorkflowFile, promptBody, type LoadedWorkflow } from './workflowFile';

export interface RemoteRunOptions {
  server: string;
  token?: string;
  file: string;
  settings: string[];
  /** only these output nodes run (partial_execution_targets) */
  only?: string[];
  /** Where outputs are downloaded (temp previews under `temp/`). */
  out: string;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
}

/** A failure worth one line to the user (and exit code 1). */
export class RemoteRunError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RemoteRunError';
  }
}

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

class RemoteApi {
  constructor(
    readonly base: string,
    private readonly token: string | undefined,
  ) {}

  /** `body`: JSON, or a FormData sent as multipart. */
  async request(method: string, route: string, body?: unknown): Promise<{ status: number; json: unknown; bytes: Buffer }> {
    const headers: Record<string, string> = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const form = body instanceof FormData;
    if (body !== undefined && !form) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(this.base + route, { method, headers, body: body === undefined ? undefined : form ? body : JSON.stringify(body) });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new RemoteRunError(`cannot reach the narflow server at ${this.base}: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
    }
    const bytes = Buffer.from(await res.arrayBuffer());
    let json: unknown = null;
    try {
      json = JSON.parse(bytes.toString('utf8'));
    } catch {
      json = null;
    }
    if (res.status === 401) {
      throw new RemoteRunError(
        this.token ? `the server at ${this.base} refused the token` : `the server at ${this.base} needs a token: pass --token (or set NARFLOW_TOKEN)`,
      );
    }
    return { status: res.status, json, bytes };
  }

  async getJson<T>(route: string): Promise<T> {
    const r = await this.request('GET', route);
    if (r.status !== 200) throw new RemoteRunError(`GET ${route} answered ${r.status}: ${(r.json as ErrorResponse | null)?.error?.message ?? r.bytes.toString('utf8').slice(0, 200)}`);
    return r.json as T;
  }
}

/** A server URL as typed (`host:8188`, `http://host:8188/`) → its origin without the trailing slash. */
export function serverBase(url: string): string {
  const withScheme = /^[a-z]+:\/\//i.test(url) ? url : `http://${url}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    throw new RemoteRunError(`--server expects a URL like http://host:8188, got ${JSON.stringify(url)}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new RemoteRunError(`--server must be http:// or https://, got ${u.protocol}`);
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

/** Where an output the server names is written under `out` (never outside it). */
export function localOutputPath(out: string, ref: { filename: string; subfolder?: string; type?: string }): string {
  const root = path.resolve(out, ref.type === 'temp' ? 'temp' : '.');
  const target = path.resolve(root, ref.subfolder ?? '', path.basename(ref.filename));
  if (target !== root && !target.startsWith(root + path.sep)) throw new RemoteRunError(`the server named an output outside the output folder: ${JSON.stringify(ref)}`);
  return target;
}

function connect(api: RemoteApi, token: string | undefined): Promise<ClientSocket> {
  const u = new URL(api.base);
  const socket: ClientSocket = io(u.origin, { path: (u.pathname === '/' ? '' : u.pathname) + SOCKET_PATH, auth: token ? { token } : {}, transports: ['websocket'] });
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => {
      socket.close();
      reject(new RemoteRunError(`cannot open the event stream of ${api.base}: ${e.message}`));
    };
    socket.once('connect_error', onError);
    socket.once('connect', () => {
      socket.off('connect_error', onError);
      resolve(socket);
    });
  });
}


/** The name a local input file gets on the server: its own, with a hash of its bytes (same file, same name). */
export function uploadName(file: string, bytes: Buffer): string {
  const ext = path.extname(file);
  return `${path.basename(file, ext)}-${createHash('sha256').update(bytes).digest('hex').slice(0, 12)}${ext.toLowerCase()}`;
}

/**
 * An input-folder file list (a COMBO input named `image` or `video`, the editor's upload
 * convention) whose value is not on the server but is a file here: uploaded (once per content),
 * and the value replaced by its name there.
 */
async function uploadLocalInputs(api: RemoteApi, loaded: LoadedWorkflow, info: ObjectInfoResponse, stderr: NodeJS.WritableStream): Promise<LoadedWorkflow> {
  const uploaded: Override[] = [];
  for (const [id, node] of Object.entries(loaded.prompt)) {
    for (const combo of UPLOAD_COMBOS) {
      const offered = comboOptions(info[node.class_type], combo);
      const value = node.inputs[combo];
      if (!offered || typeof value !== 'string' || offered.includes(value)) continue;
      const local = path.resolve(value);
      if (!fs.existsSync(local) || !fs.statSync(local).isFile()) continue; // the server names what is missing
      const bytes = fs.readFileSync(local);
      const name = uploadName(local, bytes);
      if (!offered.includes(name)) {
        const form = new FormData();
        form.append('image', new Blob([bytes]), name);
        form.append('overwrite', 'true');
        const r = await api.request('POST', ROUTES.uploadImage, form);
        if (r.status !== 200) throw new RemoteRunError(`uploading ${local} answered ${r.status}: ${(r.json as ErrorResponse | null)?.error?.message ?? ''}`);
        stderr.write(`uploaded ${local} as ${name}\n`);
      }
      uploaded.push([id, combo, name]);
    }
  }
  return uploaded.length ? applyOverrides(loaded, uploaded, info) : loaded;
}

/** Says why the server refused a workflow: its message, each node's problems, and the files it lacks. Returns 1. */
function refused(res: { status: number; json: unknown }, loaded: LoadedWorkflow, info: ObjectInfoResponse, api: RemoteApi, stderr: NodeJS.WritableStream): number {
  const err = res.json as ErrorResponse | null;
  const details = err?.node_errors && Object.keys(err.node_errors).length ? `\n${summarise(err.node_errors)}` : '';
  stderr.write(`error: ${err?.error?.message ?? `the server answered ${res.status}`}${details}\n`);
  // files the server lacks (its own lists): where each goes there, and where the workflow says to get it
  const missing = res.status === 400 ? missingFilesInPrompt(loaded.prompt, info, workflowModelSources(loaded.workflow)) : [];
  if (missing.length) stderr.write(`missing files on ${api.base} (put each in its folder there and run again):\n${missingFileLines(missing).map((l) => `  ${l}`).join('\n')}\n`);
  return 1;
}

/**
 * `narflow run --check --server`: the server checks the workflow as it would before queueing it
 * (POST /api/validate) against its own nodes and files, and nothing is queued or uploaded. Returns
 * 0 when it would run, 1 when not (saying why, and which files that server lacks).
 */
export async function checkOnServer(o: RemoteRunOptions): Promise<number> {
  const api = new RemoteApi(serverBase(o.server), o.token);
  const info = await api.getJson<ObjectInfoResponse>(ROUTES.objectInfo);
  const loaded = applySettings(loadWorkflowFile(path.resolve(o.file), info), o.settings, info);
  const body: PromptRequest = promptBody(loaded);
  const res = await api.request('POST', ROUTES.validate, { ...body, ...(o.only ? { partial_execution_targets: o.only } : {}) });
  if (res.status === 404) throw new RemoteRunError(`the server at ${api.base} cannot check a workflow without running it (it has no ${ROUTES.validate}: an older narflow, or another server)`);
  if (res.status !== 200) return refused(res, loaded, info, api, o.stderr);
  const v = res.json as ValidateResponse;
  o.stdout.write(`ok: ${v.nodes} nodes would run on ${api.base}, output nodes ${v.outputs.map((x) => `${x.id} (${x.class_type})`).join(', ')}\n`);
  return 0;
}

/** Runs the workflow on the server; returns the exit code (0 success, 1 failure, 130 interrupted). */
export async function runOnServer(o: RemoteRunOptions): Promise<number> {
  const api = new RemoteApi(serverBase(o.server), o.token);
  const info = await api.getJson<ObjectInfoResponse>(ROUTES.objectInfo);
  const loaded = await uploadLocalInputs(api, applySettings(loadWorkflowFile(path.resolve(o.file), info), o.settings, info), info, o.stderr);
  const ctrlC = new CtrlC(api, o.stderr);
  process.on('SIGINT', ctrlC.onSigint);
  const socket = await connect(api, o.token).catch((e) => {
    process.off('SIGINT', ctrlC.onSigint);
    throw e;
  });
  try {
    return await follow(api, socket, o, loaded, ctrlC, info);
  } finally {
    process.off('SIGINT', ctrlC.onSigint);
    socket.close();
  }
}

/**
 * Ctrl-C during a remote run: the first interrupts the prompt on the server (as soon as its id is
 * known: the handler is in place before the prompt is queued, so no Ctrl-C kills the client
 * while the prompt runs on); a second leaves it running and exits.
 */
class CtrlC {
  private count = 0;
  private promptId: string | null = null;
  private asked = false;
  readonly onSigint = (): void => {
    if (++this.count > 1) process.exit(130);
    if (this.promptId) this.send(this.promptId);
    else this.asked = true;
  };

  constructor(
    private readonly api: RemoteApi,
    private readonly stderr: NodeJS.WritableStream,
  ) {}

  /** Ctrl-C came before the prompt was queued. */
  get pressedEarly(): boolean {
    return this.asked;
  }

  queued(id: string): void {
    this.promptId = id;
    if (this.asked) this.send(id);
  }

  private send(id: string): void {
    this.stderr.write(`interrupting ${id} on the server (Ctrl-C again to leave it running)\n`);
    void this.api.request('POST', ROUTES.interrupt, { prompt_id: id }).catch((e: Error) => this.stderr.write(`interrupt failed: ${e.message}\n`));
  }
}

async function follow(api: RemoteApi, socket: ClientSocket, o: RemoteRunOptions, loaded: LoadedWorkflow, ctrlC: CtrlC, info: ObjectInfoResponse): Promise<number> {
  const display = new ProgressDisplay(loaded.prompt, o.stderr);
  let promptId: string | null = null;
  const early: ExecutionEvent[] = [];
  let ended: (() => void) | null = null;
  const end = new Promise<void>((resolve) => (ended = resolve));
  const onEvent = (ev: ExecutionEvent): void => {
    if (promptId === null) {
      early.push(ev); // the server subscribed this socket before the POST answered
      return;
    }
    if (ev.data.prompt_id !== promptId) return;
    display.handle(ev);
    if (PROMPT_END_EVENTS.has(ev.type)) ended?.();
  };
  for (const name of EXECUTION_EVENTS) socket.on(name, ((data: unknown) => onEvent({ type: name, data } as ExecutionEvent)) as never);

  const body: PromptRequest = promptBody(loaded);
  if (ctrlC.pressedEarly) {
    o.stderr.write('interrupted before the prompt was queued\n');
    return 130;
  }
  const res = await api.request('POST', ROUTES.prompt, { ...body, client_id: socket.id, ...(o.only ? { partial_execution_targets: o.only } : {}) });
  if (res.status !== 200) return refused(res, loaded, info, api, o.stderr);
  promptId = (res.json as PromptResponse).prompt_id;
  o.stderr.write(`queued ${promptId} on ${api.base}\n`);
  for (const ev of early.splice(0)) onEvent(ev);

  const id = promptId;
  const checkHistory = async (): Promise<boolean> => {
    const h = await api.getJson<HistoryResponse>(`${ROUTES.history}/${encodeURIComponent(id)}`).catch(() => ({}) as HistoryResponse);
    if (h[id]) ended?.();
    return !!h[id];
  };
  // someone may delete the prompt while it waits (the editor's queue panel, POST /api/queue): the
  // queue changes, and the prompt is neither queued nor in history
  let removed = false;
  let statusTimer: NodeJS.Timeout | null = null;
  const inQueue = async (): Promise<boolean> => {
    const q = await api.getJson<QueueResponse>(ROUTES.queue).catch(() => null);
    return !q || [...q.queue_running, ...q.queue_pending].some((item) => item[1] === id);
  };
  const checkStillQueued = async (): Promise<void> => {
    if ((await inQueue()) || (await checkHistory())) return;
    // a prompt that has just ended may be in neither for a moment: look once more
    await new Promise((resolve) => setTimeout(resolve, 500));
    if (!(await inQueue()) && !(await checkHistory())) {
      removed = true;
      ended?.();
    }
  };
  socket.on('status', () => {
    if (statusTimer) clearTimeout(statusTimer);
    statusTimer = setTimeout(() => void checkStillQueued(), 100);
  });
  // a new connection has none of the old one's subscriptions: ask again, then look for an end missed meanwhile
  socket.on('disconnect', (reason) => {
    if (reason !== 'io client disconnect') o.stderr.write(`lost the connection to ${api.base} (${reason}); reconnecting…\n`);
  });
  socket.io.on('reconnect', () => {
    o.stderr.write(`reconnected; following ${id} again\n`);
    socket.emit('subscribe', { prompt_id: id }, () => void checkHistory());
  });
  ctrlC.queued(id);
  try {
    await checkHistory(); // a fully cached prompt may have ended before the answer came back
    await end;
  } finally {
    if (statusTimer) clearTimeout(statusTimer);
  }
  if (removed) {
    o.stderr.write(`error: prompt ${id} was removed from the server's queue before it ran\n`);
    return 1;
  }
  // the end event comes just before the server writes history: read it until it is there
  let entry: HistoryEntry | undefined;
  for (let i = 0; i < 100 && !entry; i++) {
    if (i) await new Promise((resolve) => setTimeout(resolve, 20));
    entry = (await api.getJson<HistoryResponse>(`${ROUTES.history}/${encodeURIComponent(id)}`))[id];
  }
  if (!entry) throw new RemoteRunError(`the server has no history for prompt ${id} 2 s after it ended`);
  await download(api, entry, o);
  return exitCode(entry, o.stderr);
}

async function download(api: RemoteApi, entry: HistoryEntry, o: RemoteRunOptions): Promise<void> {
  for (const ui of Object.values(entry.outputs)) {
    for (const file of uiFiles(ui)) {
      const q = new URLSearchParams({ filename: file.filename, subfolder: file.subfolder ?? '', type: file.type ?? 'output' });
      const r = await api.request('GET', `${ROUTES.view}?${q.toString()}`);
      if (r.status !== 200) throw new RemoteRunError(`downloading ${file.filename} answered ${r.status}`);
      // never replace a file already there (a local save never does either)
      const target = localOutputPath(o.out, file);
      const written = writeOutputFile(target, r.bytes);
      if (written.outcome === 'renamed') o.stderr.write(`${target} already exists with other content; kept it and wrote this output as ${written.file}\n`);
      if (written.outcome === 'kept') o.stderr.write(`${target} already holds this output; kept it\n`);
      o.stdout.write(written.file + '\n');
    }
    for (const t of uiText(ui)) o.stdout.write(t + '\n');
  }
}

function exitCode(entry: HistoryEntry, stderr: NodeJS.WritableStream): number {
  if (entry.status.status_str === 'success') return 0;
  if (entry.status.status_str === 'interrupted') {
    stderr.write('interrupted\n');
    return 130;
  }
  const failure = historyFailure(entry);
  stderr.write(failure?.node_id ? `error: node ${failure.node_id} (${failure.node_type}): ${failure.message}\n` : `error: ${failure?.message || 'the prompt failed'}\n`);
  return 1;
}

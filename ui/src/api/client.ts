// The editor's HTTP client for the narflow API (same origin). Every failure becomes an ApiError
// carrying the status and the server's error body (with per-node errors for a rejected prompt).
import {
  ROUTES,
  type EditorWorkflow,
  type ErrorResponse,
  type HistoryResponse,
  type ObjectInfoResponse,
  type PromptRequest,
  type PromptResponse,
  type SavedWorkflow,
  type SavedWorkflowInfo,
  type SystemStatsResponse,
  type UploadResponse,
  type ObjectInfoEntry,
  type QueueResponse,
} from '../../../server/api/protocol';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorResponse | null,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ImageRef {
  filename: string;
  subfolder: string;
  type: string;
}

export class ApiClient {
  constructor(
    private readonly baseUrl = '',
    private readonly token: string | null = null,
  ) {}

  private headers(json: boolean): Record<string, string> {
    const h: Record<string, string> = {};
    if (json) h['Content-Type'] = 'application/json';
    if (this.token) h.Authorization = `Bearer ${this.token}`;
    return h;
  }

  private async request<T>(method: string, route: string, body?: unknown): Promise<T> {
    const res = await fetch(this.baseUrl + route, {
      method,
      headers: this.headers(body !== undefined),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (!res.ok) {
      const err = parsed as ErrorResponse | null;
      const message = err?.error?.message ?? `${method} ${route} answered ${res.status} ${text.slice(0, 200)}`;
      throw new ApiError(res.status, err, message);
    }
    return parsed as T;
  }

  objectInfo(): Promise<ObjectInfoResponse> {
    return this.request('GET', ROUTES.objectInfo);
  }

  /** One node type's entry, re-read (e.g. after an upload changed its file list). */
  async objectInfoFor(type: string): Promise<ObjectInfoEntry | undefined> {
    const res = await this.request<ObjectInfoResponse>('GET', `${ROUTES.objectInfo}/${encodeURIComponent(type)}`);
    return res[type];
  }

  /** Uploads an image into the input folder (multipart field "image"). */
  /** Uploads into the input folder (or its `subfolder`); the server picks a free name unless `overwrite`. */
  async uploadImage(file: File, opts: { subfolder?: string; overwrite?: boolean } = {}): Promise<UploadResponse> {
    const form = new FormData();
    form.append('image', file, file.name);
    if (opts.subfolder) form.append('subfolder', opts.subfolder);
    if (opts.overwrite) form.append('overwrite', 'true');
    const res = await fetch(this.baseUrl + ROUTES.uploadImage, { method: 'POST', headers: this.headers(false), body: form });
    const body = (await res.json().catch(() => null)) as (UploadResponse & ErrorResponse) | null;
    if (!res.ok) throw new ApiError(res.status, body, body?.error?.message ?? `upload answered ${res.status}`);
    return body as UploadResponse;
  }

  defaultWorkflow(): Promise<EditorWorkflow> {
    return this.request('GET', ROUTES.defaultWorkflow);
  }

  queuePrompt(req: PromptRequest): Promise<PromptResponse> {
    return this.request('POST', ROUTES.prompt, req);
  }

  /** One prompt's history entry ({} while it has none). */
  history(promptId: string): Promise<HistoryResponse> {
    return this.request('GET', `${ROUTES.history}/${encodeURIComponent(promptId)}`);
  }

  /** Running and pending prompts. */
  queue(): Promise<QueueResponse> {
    return this.request('GET', ROUTES.queue);
  }

  /** Removes pending prompts (by id, or all with `clear`). */
  editQueue(edit: { delete?: string[]; clear?: boolean }): Promise<unknown> {
    return this.request('POST', ROUTES.queue, edit);
  }

  /** The newest `maxItems` finished prompts (the answer lists them oldest first). */
  historyList(maxItems: number): Promise<HistoryResponse> {
    return this.request('GET', `${ROUTES.history}?max_items=${maxItems}`);
  }

  /** Forgets finished prompts (by id, or all with `clear`); their output files stay. */
  deleteHistory(edit: { delete?: string[]; clear?: boolean }): Promise<unknown> {
    return this.request('POST', ROUTES.history, edit);
  }

  interrupt(promptId?: string): Promise<unknown> {
    return this.request('POST', ROUTES.interrupt, promptId ? { prompt_id: promptId } : {});
  }

  systemStats(): Promise<SystemStatsResponse> {
    return this.request('GET', ROUTES.systemStats);
  }

  listWorkflows(): Promise<{ workflows: SavedWorkflowInfo[] }> {
    return this.request('GET', ROUTES.workflows);
  }

  loadWorkflow(name: string): Promise<SavedWorkflow> {
    return this.request('GET', `${ROUTES.workflows}/${encodeURIComponent(name)}`);
  }

  /** `revision`: the one last read (0 creates); a stale one is answered 409 (ApiError.status). */
  saveWorkflow(name: string, workflow: EditorWorkflow, revision: number): Promise<SavedWorkflowInfo> {
    return this.request('PUT', `${ROUTES.workflows}/${encodeURIComponent(name)}`, { workflow, revision });
  }

  deleteWorkflow(name: string): Promise<{ ok: boolean }> {
    return this.request('DELETE', `${ROUTES.workflows}/${encodeURIComponent(name)}`);
  }

  listTemplates(): Promise<{ templates: string[]; default?: string | null; descriptions?: Record<string, string> }> {
    return this.request('GET', ROUTES.workflowTemplates);
  }

  loadTemplate(name: string): Promise<EditorWorkflow> {
    return this.request('GET', `${ROUTES.workflowTemplates}/${encodeURIComponent(name)}`);
  }

  /** URL of an output/input/temp file (images in <img> cannot send headers: the token rides in the query). */
  viewUrl(ref: ImageRef): string {
    const q = new URLSearchParams({ filename: ref.filename, subfolder: ref.subfolder ?? '', type: ref.type ?? 'output' });
    if (this.token) q.set('token', this.token);
    return `${this.baseUrl}${ROUTES.view}?${q.toString()}`;
  }
}

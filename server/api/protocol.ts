// The wire protocol between the narflow server and its clients (editor, CLI, other tools):
// HTTP routes under /api and socket.io events, with their payload types. ComfyUI-shaped.
// Pure types and constants only (no Node imports) so the browser bundle can import it.
//
// Auth: with a server token, HTTP needs `Authorization: Bearer <token>` (GET requests may pass
// `?token=` instead, for <img src>), socket.io needs `auth: {token}`. Static editor files need none.
// Editor form (litegraph serialisation, version 0.4): widgets_values follow the node's widget
// inputs in object_info `input_order` (required, then optional; inputs with `forceInput` are not
// widgets); an input with `control_after_generate` is followed by its control value ("fixed",
// "increment", "decrement", "randomize"). A widget turned into a linked input keeps its slot in
// widgets_values and appears in `inputs` with `widget: {name}`. Conversion: server/engine/workflow/convert.ts.
import type { UiResult } from '../engine/nodeApi';
import type { ApiWorkflow, EditorWorkflow } from '../engine/workflow/schema';

export type { ApiWorkflow, EditorWorkflow, UiResult };

// ---------------------------------------------------------------------------------------------
// HTTP routes (all under /api; with a server token every request needs `Authorization: Bearer <token>`)
// Bodies are JSON objects whatever their Content-Type (as ComfyUI reads them), except multipart uploads.
// ---------------------------------------------------------------------------------------------

export const ROUTES = {
  prompt: '/api/prompt', // POST PromptRequest → PromptResponse | 400 PromptErrorResponse
  validate: '/api/validate', // POST PromptRequest → ValidateResponse | 400 PromptErrorResponse: checks as /api/prompt does, queues nothing
  queue: '/api/queue', // GET → QueueResponse; POST QueueEditRequest → {ok: true}
  interrupt: '/api/interrupt', // POST {prompt_id?} → {ok: true} (no id: the running prompt)
  history: '/api/history', // GET → HistoryResponse (?max_items=N); GET /api/history/:id → HistoryResponse (0 or 1 entry)
  objectInfo: '/api/object_info', // GET → ObjectInfoResponse; GET /api/object_info/:type → one entry
  view: '/api/view', // GET ?filename=&subfolder=&type=output|input|temp → file bytes
  uploadImage: '/api/upload/image', // POST multipart (field "image", optional "subfolder", "overwrite") → UploadResponse
  systemStats: '/api/system_stats', // GET → SystemStatsResponse
  workflows: '/api/workflows', // GET → {workflows: SavedWorkflowInfo[]}; GET|PUT|DELETE /api/workflows/:name; POST /api/workflows/:name/run RunWorkflowRequest → RunWorkflowResponse
  workflowTemplates: '/api/workflow_templates', // GET → {templates: string[], default: string | null, descriptions: {name: one line}}; GET /api/workflow_templates/:name → EditorWorkflow
  models: '/api/models', // GET → string[] (kinds); GET /api/models/:kind → string[] (files in weights/<kind>/), 404 naming the known kinds for another
  defaultWorkflow: '/api/default_workflow', // GET → EditorWorkflow
} as const;

/** The socket.io path (same origin as the HTTP API). */
export const SOCKET_PATH = '/socket.io';

export interface PromptRequest {
  /** API form. One of prompt / workflow is required; with both, `prompt` runs and `workflow` is stored. */
  prompt?: ApiWorkflow;
  /** Editor form; converted on the server when `prompt` is absent. */
  workflow?: EditorWorkflow;
  /** The socket.io id (socket.id) of the submitting client: it is subscribed to this prompt. */
  client_id?: string;
  /** Priority: lower runs first (ComfyUI's "number"). Default: after everything queued. */
  number?: number;
  /** Run before everything queued. */
  front?: boolean;
  /** Only these output node ids run (ComfyUI's "queue selected output nodes"); the rest of the graph is not checked. */
  partial_execution_targets?: string[];
  /** The id to give the prompt (as ComfyUI takes it): 1–200 characters, not a whole number, no ':' or control characters, not used by a queued prompt or a history entry; 400 otherwise. Default: a random UUID. */
  prompt_id?: string;
  extra_data?: { extra_pnginfo?: { workflow?: EditorWorkflow }; [key: string]: unknown };
}

/** POST /api/validate: the prompt would be queued; what would run. */
export interface ValidateResponse {
  ok: true;
  /** how many nodes would run */
  nodes: number;
  /** the output nodes that would run, with their types */
  outputs: { id: string; class_type: string }[];
}

export interface PromptResponse {
  prompt_id: string;
  number: number;
  node_errors: Record<string, never>;
}

export type ErrorType =
  | 'invalid_prompt' // the body itself (no prompt, not an object, not JSON, conversion failed)
  | 'prompt_no_outputs'
  | 'prompt_outputs_failed_validation'
  | 'unknown_node_type'
  | 'required_input_missing'
  | 'bad_link' // link to a missing node or output index
  | 'type_mismatch'
  | 'value_out_of_range' // below min / above max / not an integer
  | 'value_not_in_list' // COMBO option not offered
  | 'invalid_input_type' // constant of the wrong JS type
  | 'unknown_input'
  | 'cycle'
  | 'unauthorized'
  | 'forbidden' // a request from a page of another site, or under a foreign Host, to a server without a token
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'queue_full' // 429: as many prompts wait as the server takes
  | 'insufficient_storage' // 507: an upload would leave the disk nearly full
  | 'bad_request'
  | 'internal_error';

export interface NodeErrorItem {
  type: ErrorType;
  message: string;
  details: string;
  input_name?: string;
}

export interface NodeErrors {
  errors: NodeErrorItem[];
  class_type: string;
}

/** Every 4xx/5xx answer: `error`; prompt validation adds `node_errors` listing every problem per node. */
export interface ErrorResponse {
  error: { type: ErrorType; message: string; details?: string };
  node_errors?: Record<string, NodeErrors>;
}
export type PromptErrorResponse = Required<ErrorResponse>;

/** One queue entry, as ComfyUI lists them: [number, prompt_id, prompt, extra_data, output node ids]. */
export type QueueItem = [number, string, ApiWorkflow, Record<string, unknown>, string[]];

export interface QueueResponse {
  queue_running: QueueItem[];
  queue_pending: QueueItem[];
}

export interface QueueEditRequest {
  /** Remove every pending prompt. */
  clear?: boolean;
  /** Remove these pending prompts. */
  delete?: string[];
}

export interface InterruptRequest {
  /** Interrupt this prompt only if it is the running one (or remove it if pending); absent: the running one. */
  prompt_id?: string;
}

export type HistoryStatusStr = 'success' | 'error' | 'interrupted';

/** A status message in history, in event order: [event name, payload]. */
export type HistoryMessage = [ServerEventName, Record<string, unknown>];

export interface HistoryEntry {
  prompt: QueueItem;
  /** Output nodes' UI results by node id. */
  outputs: Record<string, UiResult>;
  status: { status_str: HistoryStatusStr; completed: boolean; messages: HistoryMessage[] };
  /** Unix ms. */
  started_at?: number;
  finished_at: number;
}

/** prompt_id → entry. */
export type HistoryResponse = Record<string, HistoryEntry>;

/** An input in object_info: [type or option list, options]. COMBO inputs send their option list as the type. */
export type ObjectInfoInput = [string | string[], Record<string, unknown>?];

export interface ObjectInfoEntry {
  name: string;
  display_name: string;
  category: string;
  description: string;
  input: {
    required: Record<string, ObjectInfoInput>;
    optional?: Record<string, ObjectInfoInput>;
  };
  /** Input names in declaration order (the order of widgets_values). */
  input_order: { required: string[]; optional?: string[] };
  output: string[];
  output_name: string[];
  output_is_list: boolean[];
  output_node: boolean;
  python_module: string; // the pack name (kept for ComfyUI-compatible clients)
}

/**
 * Options object of an input (second element of ObjectInfoInput):
 * {default?, min?, max?, step?, multiline?, tooltip?, forceInput?: true for link-only inputs,
 *  control_after_generate?: true for seeds (widgets_values then holds an extra value after it),
 *  folder?: for COMBOs that list files, the folder they live in ('weights/nar/', 'input/')}.
 */
export type ObjectInfoResponse = Record<string, ObjectInfoEntry>;

/**
 * COMBO inputs with these names list files of the input folder and take uploads (ComfyUI's
 * convention for `image`): the editor gives them an upload button, `narflow run --server` uploads a
 * local file named there.
 */
export const UPLOAD_COMBOS = ['image', 'video'] as const;

/** A file an output node's UI result names (`/api/view?filename&subfolder&type` serves it). */
export interface UiFileRef {
  filename: string;
  subfolder?: string;
  type?: string;
}

function isUiFileRef(x: unknown): x is UiFileRef {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as Record<string, unknown>;
  return typeof r.filename === 'string' && (r.subfolder === undefined || typeof r.subfolder === 'string') && (r.type === undefined || typeof r.type === 'string');
}

/**
 * The file lists of a UI result by key: Save Image's `images`, Save Video's MP4 `videos`, a plugin's
 * own key — every non-empty array whose entries are all {filename, subfolder?, type?}.
 */
export function uiFileLists(ui: UiResult): [string, UiFileRef[]][] {
  return Object.entries(ui).filter((e): e is [string, UiFileRef[]] => Array.isArray(e[1]) && e[1].length > 0 && e[1].every(isUiFileRef));
}

/** The choices of a COMBO input (e.g. a file list), required or optional; undefined for any other input. */
export function comboOptions(entry: ObjectInfoEntry | undefined, name: string): string[] | undefined {
  const spec = entry?.input.required[name] ?? entry?.input.optional?.[name];
  return Array.isArray(spec?.[0]) ? spec[0] : undefined;
}

/** The folder whose files a COMBO input lists ('weights/nar/'), if it lists files. */
export function comboFolder(entry: ObjectInfoEntry | undefined, name: string): string | undefined {
  const spec = entry?.input.required[name] ?? entry?.input.optional?.[name];
  const folder = spec?.[1]?.folder;
  return Array.isArray(spec?.[0]) && typeof folder === 'string' ? folder : undefined;
}

export interface UploadResponse {
  name: string;
  subfolder: string;
  type: 'input';
}

export interface SystemStatsResponse {
  system: {
    os: string;
    node_version: string;
    narflow_version: string;
    ram_total: number;
    ram_free: number;
    /** This server process: resident set and V8 heap in use, bytes. */
    process_rss: number;
    process_heap_used: number;
    argv: string[];
  };
  /**
   * The device chosen (models/device/select.ts): the tfjs backend, why, the `--device` asked for,
   * and onnxruntime's execution providers.
   */
  backend: { name: string; reason: string; choice?: string; ort?: { providers: string[]; reason?: string } };
  devices: { name: string; type: string; index: number; vram_total: number; vram_free: number }[];
  queue: { remaining: number; running: number };
}

export interface SavedWorkflowInfo {
  name: string;
  revision: number;
  updated_at: number;
}

/** GET /api/workflows/:name */
export interface SavedWorkflow extends SavedWorkflowInfo {
  workflow: EditorWorkflow;
}

/** PUT /api/workflows/:name body. `revision`: the revision the client last read (absent/0 = create);
 *  a stale revision → 409 {error:{type:'conflict'}, current_revision}. Answer: SavedWorkflowInfo. */
/** POST /api/workflows/:name/run: a saved workflow (else the template of that name) with inputs overridden. */
export interface RunWorkflowRequest {
  /** {"nodeId.input": value}: constants replaced before the run (e.g. {"4.prompt": "a blue square"}). */
  set?: Record<string, unknown>;
  /** Answer when the prompt has ended (default true); false answers 202 at once. */
  wait?: boolean;
  /** How long to wait before answering 202 with the prompt still queued or running (default 300). */
  timeout_s?: number;
  /** Only these output node ids run (as on POST /api/prompt). */
  partial_execution_targets?: string[];
  /** Run before everything queued. */
  front?: boolean;
  /** Subscribe this socket.io / ComfyUI /ws client to the prompt's events. */
  client_id?: string;
}

/**
 * 200 when the prompt has ended (whatever its status), 202 while it is queued or running; 400 lists
 * validation problems per node; 410 with status 'deleted' (and `message`) when the prompt was
 * deleted from the queue (POST /api/queue delete or clear) before it ran.
 */
export interface RunWorkflowResponse {
  prompt_id: string;
  status: HistoryStatusStr | 'queued' | 'running' | 'deleted';
  /** Why, when status is 'deleted'. */
  message?: string;
  /** Output nodes' results by node id; every file they list (images, videos, …) carries the URL that serves it. */
  outputs: Record<string, UiResult & { images?: (NonNullable<UiResult['images']>[number] & { url: string })[] }>;
  /** The failing node, when status is 'error'. */
  error?: { node_id: string; node_type: string; message: string };
}

export interface SaveWorkflowRequest {
  workflow: EditorWorkflow;
  revision?: number;
}

// ---------------------------------------------------------------------------------------------
// socket.io: handshake `auth: {token}` when the server has a token.
// ---------------------------------------------------------------------------------------------

/** Client → server. */
export type SubscribeRequest =
  | { prompt_id: string } // one prompt
  | { client_id: string } // every prompt that client submits from now on (another tab, the CLI)
  | { all: true }; // every prompt

export interface ClientToServerEvents {
  /** Receive the events of one prompt, of a client's prompts, or of every prompt. The optional ack
   *  is called once the server has recorded it ({ok: false} for a malformed request). */
  subscribe(req: SubscribeRequest, ack?: (res: { ok: boolean }) => void): void;
  unsubscribe(req: SubscribeRequest, ack?: (res: { ok: boolean }) => void): void;
}

export interface PreviewPayload {
  /** 'data:image/png;base64,...' */
  image: string;
  label?: string;
}

export interface StatusPayload {
  queue_remaining: number;
  running: string | null;
}

export interface ExecutionEventPayloads {
  execution_start: { prompt_id: string; timestamp: number };
  execution_cached: { prompt_id: string; nodes: string[]; timestamp: number };
  executing: { prompt_id: string; node: string | null };
  progress: { prompt_id: string; node: string; value: number; max: number; preview?: PreviewPayload; extra?: Record<string, unknown> };
  executed: { prompt_id: string; node: string; output: UiResult };
  execution_error: { prompt_id: string; node_id: string; node_type: string; exception_message: string; timestamp: number };
  execution_success: { prompt_id: string; timestamp: number };
  execution_interrupted: { prompt_id: string; node_id: string | null; timestamp: number };
}

export type ExecutionEventName = keyof ExecutionEventPayloads;

/** One execution event as it travels through the event bus (and across workers later). */
export type ExecutionEvent = { [K in ExecutionEventName]: { type: K; data: ExecutionEventPayloads[K] } }[ExecutionEventName];

/** Server → client. `status` is broadcast to every client; the rest go to the prompt's subscribers. */
export type ServerToClientEvents = {
  status: (data: StatusPayload) => void;
} & { [K in ExecutionEventName]: (data: ExecutionEventPayloads[K]) => void };

export type ServerEventName = keyof ServerToClientEvents;

/** The events that end a prompt (exactly one of them per prompt). */
export const PROMPT_END_EVENTS: ReadonlySet<string> = new Set<ExecutionEventName>(['execution_success', 'execution_error', 'execution_interrupted']);

export const EXECUTION_EVENTS: readonly ExecutionEventName[] = [
  'execution_start',
  'execution_cached',
  'executing',
  'progress',
  'executed',
  'execution_error',
  'execution_success',
  'execution_interrupted',
];

/** A failed prompt's `execution_error` as its history entry recorded it (undefined when it did not fail that way). */
export function historyFailure(entry: HistoryEntry): { node_id: string; node_type: string; message: string } | undefined {
  const found = entry.status.messages.find(([name]) => name === 'execution_error')?.[1] as { node_id?: string; node_type?: string; exception_message?: string } | undefined;
  return found && { node_id: found.node_id ?? '', node_type: found.node_type ?? '', message: found.exception_message ?? '' };
}

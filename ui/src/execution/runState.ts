// What the editor knows about each node's last run, fed by socket.io events and rejected prompts,
// read by the node drawing code. Keyed by node id as the API form writes it (a string).
import { EXECUTION_EVENTS, type ExecutionEvent, type ExecutionEventName, type HistoryEntry, type NodeErrors, type UiResult } from '../../../server/api/protocol';
import { scoresOf, type Scores } from './scores';

export interface ImageRef {
  filename: string;
  subfolder: string;
  type: string;
}

/** One point of a trainer's stream: `progress` events carrying `extra: {loss, lr, ...}`. */
export interface MetricPoint {
  step: number;
  loss: number;
  lr?: number;
}

export interface NodeRunState {
  running: boolean;
  cached: boolean;
  progress: { value: number; max: number } | null;
  /** Execution error or validation problems, ready to show. */
  error: string | null;
  /** Inputs named by validation errors (drawn in red). */
  errorInputs: string[];
  images: ImageRef[];
  texts: string[];
  /** Scores the node reported (a `table` of metrics or a `metrics` object), shown instead of its JSON text. */
  scores: Scores | null;
  /** Latest `progress` preview (a data URL), e.g. the sampler's growing grid. */
  preview: string | null;
  /** The preview's caption (e.g. "ring 5/16"). */
  previewLabel: string | null;
  metrics: MetricPoint[];
  /** Last `extra` of a progress event (loss, lr, samples/s, ...). */
  extra: Record<string, unknown> | null;
  /** How long the node ran in its last run (ms, as the editor saw the events); null while running or cached. */
  ranMs: number | null;
  /** The prompt was stopped while this node ran. */
  stopped: boolean;
}

function emptyState(): NodeRunState {
  return { running: false, cached: false, progress: null, error: null, errorInputs: [], images: [], texts: [], scores: null, preview: null, previewLabel: null, metrics: [], extra: null, ranMs: null, stopped: false };
}

const MAX_METRIC_POINTS = 2000;
/** Events kept for prompts not known to be this editor's yet: per prompt, for the latest few prompts. */
const MAX_EARLY_PROMPTS = 16;
const MAX_EARLY_EVENTS = 400;

function finiteNumber(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export type RunPhase = 'idle' | 'queued' | 'running' | 'success' | 'error' | 'interrupted';

/** How a node's error starts when it names a missing file (showMissingFiles). */
export const MISSING_FILE = 'missing file:';

export class RunState {
  private readonly nodes = new Map<string, NodeRunState>();
  /** Prompts queued from this editor; events of other prompts are ignored. */
  private readonly ownPrompts = new Set<string>();
  /** Own prompts whose end (success, error, interrupted) has not been seen yet. */
  private readonly unfinished = new Set<string>();
  /** Events that arrived before the POST answer named their prompt (a fast server), replayed then. */
  private readonly early = new Map<string, ExecutionEvent[]>();
  phase: RunPhase = 'idle';
  currentPrompt: string | null = null;
  lastMessage = '';

  /** Execution ids of subgraph instances some state was kept inside of. */
  private readonly instances = new Set<string>();
  /** When each node's state last gained something to show (a counter): picks what a subgraph instance shows. */
  private readonly touched = new Map<string, number>();
  private touches = 0;

  /** The node executing now and when it started (by this editor's clock). */
  private started: { node: string; at: number } | null = null;

  constructor(
    private readonly onChange: () => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Closes the running node's time (the next node started, or the prompt ended). */
  private stopClock(): void {
    if (this.started) this.node(this.started.node).ranMs = this.now() - this.started.at;
    this.started = null;
  }

  node(id: string): NodeRunState {
    let s = this.nodes.get(id);
    if (!s) {
      s = emptyState();
      this.nodes.set(id, s);
      // "7:2:4" ran inside instances "7" and "7:2"
      const parts = id.split(':');
      for (let i = 1; i < parts.length; i++) this.instances.add(parts.slice(0, i).join(':'));
    }
    return s;
  }

  /** The progress of the node running now (the one that reported progress last), if any. */
  runningProgress(): { value: number; max: number } | null {
    for (const s of this.nodes.values()) if (s.running && s.progress) return s.progress;
    return null;
  }

  peek(id: string): NodeRunState | undefined {
    return this.nodes.get(id);
  }

  /**
   * What to show on the node with execution id `id`: its own state, or, for a subgraph instance
   * (whose inner nodes run as "id:…"), what the nodes inside did — the running one's progress and
   * preview, every inner error, the pictures and texts an inner node gave last, the time they took.
   */
  summary(id: string): NodeRunState | undefined {
    const own = this.nodes.get(id);
    if (!this.instances.has(id)) return own; // every node, every frame: no scan for plain nodes
    const prefix = `${id}:`;
    const inner = [...this.nodes.entries()].filter(([k]) => k.startsWith(prefix));
    if (!inner.length) return own;
    const states = inner.map(([, s]) => s);
    const running = states.find((s) => s.running);
    const shown = [...inner]
      .filter(([, s]) => s.images.length || s.texts.length || s.scores || s.preview)
      .sort(([a], [b]) => (this.touched.get(b) ?? 0) - (this.touched.get(a) ?? 0))[0]?.[1];
    const errors = inner.filter(([, s]) => s.error).map(([k, s]) => `${k.slice(prefix.length)}: ${s.error}`);
    const times = states.map((s) => s.ranMs).filter((t): t is number => t !== null);
    const base = own ?? emptyState();
    return {
      ...base,
      running: base.running || !!running,
      cached: states.every((s) => s.cached),
      progress: running?.progress ?? null,
      error: [base.error, ...errors].filter(Boolean).join('\n') || null,
      images: shown?.images ?? [],
      texts: shown?.texts ?? [],
      scores: shown?.scores ?? null,
      preview: running?.preview ?? shown?.preview ?? null,
      previewLabel: running?.preview ? running.previewLabel : (shown?.previewLabel ?? null),
      metrics: running?.metrics.length ? running.metrics : (states.find((s) => s.metrics.length)?.metrics ?? []),
      extra: running?.extra ?? null,
      ranMs: running || !times.length ? null : times.reduce((a, b) => a + b, 0),
      stopped: base.stopped || states.some((s) => s.stopped),
    };
  }

  /** Nodes marked by showMissingFiles (their error is that mark until a run or a new check). */
  private readonly missingMarked = new Set<string>();

  /**
   * Marks the nodes that load files the server lacks (missingFiles.ts), as a refused Queue would:
   * the error under the node names the file and where it goes. Marks from the last call go first.
   */
  showMissingFiles(files: readonly { nodeId: string; input: string; folder: string; value: string }[]): void {
    for (const id of this.missingMarked) {
      const s = this.nodes.get(id);
      if (s?.error?.startsWith(MISSING_FILE)) {
        s.error = null;
        s.errorInputs = [];
      }
    }
    this.missingMarked.clear();
    for (const f of files) {
      const s = this.node(f.nodeId);
      if (s.error && !s.error.startsWith(MISSING_FILE)) continue; // a run's error stays
      const line = `${MISSING_FILE} ${f.folder}${f.value}`;
      s.error = s.error ? `${s.error}\n${line}` : line;
      s.errorInputs = [...new Set([...s.errorInputs, f.input])];
      this.missingMarked.add(f.nodeId);
    }
    this.onChange();
  }

  /** Forget everything (a different workflow was loaded). */
  reset(): void {
    this.missingMarked.clear();
    this.nodes.clear();
    this.touched.clear();
    this.instances.clear();
    this.phase = 'idle';
    this.currentPrompt = null;
    this.lastMessage = '';
    this.onChange();
  }

  /** Clears errors and run marks before a new prompt; outputs stay until replaced. */
  private clearTransient(): void {
    for (const s of this.nodes.values()) {
      s.running = false;
      s.cached = false;
      s.progress = null;
      s.error = null;
      s.errorInputs = [];
      s.ranMs = null;
      s.stopped = false;
    }
    this.started = null;
  }

  promptQueued(promptId: string): void {
    this.ownPrompts.add(promptId);
    this.unfinished.add(promptId);
    this.clearTransient();
    this.phase = 'queued';
    this.currentPrompt = promptId;
    this.lastMessage = `queued ${promptId.slice(0, 8)}`;
    const early = this.early.get(promptId) ?? [];
    this.early.delete(promptId);
    for (const e of early) this.apply(e);
    this.onChange();
  }

  /** A 400 answer: every problem per node, shown on the nodes. */
  promptRejected(nodeErrors: Record<string, NodeErrors>, message: string): void {
    this.clearTransient();
    for (const [id, errs] of Object.entries(nodeErrors)) {
      const s = this.node(id);
      s.error = errs.errors.map((e) => (e.details ? `${e.message}: ${e.details}` : e.message)).join('\n');
      s.errorInputs = errs.errors.map((e) => e.input_name).filter((n): n is string => !!n);
    }
    this.phase = 'error';
    this.lastMessage = message;
    this.onChange();
  }

  handle(event: ExecutionEvent): void {
    if (!this.ownPrompts.has(event.data.prompt_id)) {
      // kept per prompt: with the queue panel following every prompt, a busy server's other
      // prompts must not push out the first events of this editor's prompt before its POST answers
      const id = event.data.prompt_id;
      const list = this.early.get(id) ?? [];
      if (!list.length) {
        this.early.set(id, list);
        if (this.early.size > MAX_EARLY_PROMPTS) this.early.delete(this.early.keys().next().value as string);
      }
      list.push(event);
      // progress events are the many: drop the oldest of them first, so the start is kept
      if (list.length > MAX_EARLY_EVENTS) list.splice(Math.max(0, list.findIndex((e) => e.type === 'progress')), 1);
      return;
    }
    this.apply(event);
    this.onChange();
  }

  /** Own prompts not yet seen to end: after a reconnect the editor subscribes to them again. */
  unfinishedPrompts(): string[] {
    return [...this.unfinished];
  }

  /**
   * The end of a prompt whose live events did not all arrive — it ran (e.g. fully cached) before
   * this editor's subscription reached the server, or it ended while the connection was down —
   * told by its history entry (which exists once the prompt has ended). Ignored for a prompt whose
   * end was already seen.
   */
  catchUp(promptId: string, entry: HistoryEntry): void {
    if (!this.unfinished.has(promptId)) return;
    if (this.supersededBy(promptId)) {
      // a later prompt of this editor has started since: what the editor shows is that run, so the
      // late answer gives only what the earlier prompt made, and never takes over phase and marks
      for (const [node, output] of Object.entries(entry.outputs)) this.applyOutput(node, output);
      this.unfinished.delete(promptId);
      this.onChange();
      return;
    }
    for (const [name, payload] of entry.status.messages) {
      if (!EXECUTION_EVENTS.includes(name as ExecutionEventName)) continue;
      this.apply({ type: name, data: { ...payload, prompt_id: promptId } } as ExecutionEvent);
    }
    for (const [node, output] of Object.entries(entry.outputs)) this.applyOutput(node, output);
    if (this.unfinished.has(promptId)) {
      const status = entry.status.status_str;
      this.finish(promptId, status, status === 'success' ? 'finished' : status);
    }
    this.onChange();
  }

  /** Whether the prompt shown now is one this editor queued after `promptId` and has seen start. */
  private supersededBy(promptId: string): boolean {
    const current = this.currentPrompt;
    if (current === null || current === promptId || this.phase === 'queued') return false;
    const order = [...this.ownPrompts];
    return order.indexOf(current) > order.indexOf(promptId);
  }

  private apply(event: ExecutionEvent): void {
    if (this.phase === 'queued' && event.type !== 'execution_start') this.phase = 'running';
    switch (event.type) {
      case 'execution_start':
        this.clearTransient();
        this.phase = 'running';
        this.currentPrompt = event.data.prompt_id;
        this.lastMessage = 'running';
        return;
      case 'execution_cached':
        for (const id of event.data.nodes) this.node(id).cached = true;
        return;
      case 'executing':
        this.stopClock();
        for (const s of this.nodes.values()) s.running = false;
        if (event.data.node !== null) {
          const s = this.node(event.data.node);
          s.running = true;
          s.progress = null;
          s.preview = null;
          this.started = { node: event.data.node, at: this.now() };
        }
        return;
      case 'progress':
        return this.applyProgress(event.data);
      case 'executed':
        return this.applyOutput(event.data.node, event.data.output);
      case 'execution_error': {
        const s = this.node(event.data.node_id);
        s.running = false;
        s.error = event.data.exception_message;
        // what it showed came from an earlier run: beside this run's error it would mislead
        Object.assign(s, { images: [], texts: [], scores: null, preview: null, previewLabel: null });
        this.finish(event.data.prompt_id, 'error', `${event.data.node_type} failed: ${event.data.exception_message}`);
        return;
      }
      case 'execution_success':
        return this.finish(event.data.prompt_id, 'success', 'finished');
      case 'execution_interrupted':
        if (event.data.node_id) this.node(event.data.node_id).stopped = true;
        return this.finish(event.data.prompt_id, 'interrupted', 'interrupted');
    }
  }

  private applyProgress(data: Extract<ExecutionEvent, { type: 'progress' }>['data']): void {
    const s = this.node(data.node);
    this.touched.set(data.node, ++this.touches);
    s.running = true;
    s.progress = { value: data.value, max: data.max };
    if (data.preview?.image) {
      s.preview = data.preview.image;
      s.previewLabel = data.preview.label ?? null;
    }
    if (data.extra) {
      s.extra = data.extra;
      const loss = finiteNumber(data.extra.loss);
      if (loss !== undefined) {
        const step = finiteNumber(data.extra.step) ?? data.value;
        if (s.metrics.length && step <= s.metrics[s.metrics.length - 1].step) s.metrics = []; // a new run
        s.metrics.push({ step, loss, lr: finiteNumber(data.extra.lr) });
        if (s.metrics.length > MAX_METRIC_POINTS) s.metrics.splice(0, s.metrics.length - MAX_METRIC_POINTS);
      }
    }
  }

  private applyOutput(nodeId: string, output: UiResult): void {
    const s = this.node(nodeId);
    this.touched.set(nodeId, ++this.touches);
    s.running = false;
    s.progress = null;
    if (Array.isArray(output.images)) {
      s.images = output.images.map((i) => ({ filename: i.filename, subfolder: i.subfolder ?? '', type: i.type ?? 'output' }));
      s.preview = null;
    }
    if (Array.isArray(output.text)) s.texts = output.text.map(String);
    if (Array.isArray(output.text) || output.table !== undefined || output.metrics !== undefined) s.scores = scoresOf(output);
  }

  private finish(promptId: string, phase: RunPhase, message: string): void {
    this.unfinished.delete(promptId);
    this.stopClock();
    for (const s of this.nodes.values()) {
      s.running = false;
      s.progress = null;
    }
    this.phase = phase;
    this.lastMessage = message;
  }
}

// Runs an API-form prompt: only what its output nodes need, in dependency order, reusing cached
// outputs whose signature is unchanged, reporting events, honouring an AbortSignal.
import type { ExecutionEvent, ExecutionEventName, ExecutionEventPayloads } from '../../api/protocol';
import type { ExecContext, HostPaths, Inputs, Logger, NodeDefinition, Preview, UiResult } from '../nodeApi';
import { topoSort, ancestors } from '../graph/topology';
import type { NodeRegistry } from '../registry/registry';
import { setOwn } from '../workflow/ownProps';
import { ApiWorkflow, isApiLink } from '../workflow/schema';
import { CachedNode, OutputCache } from './outputCache';
import { computeSignatures } from './signature';

/** Previews above this many base64 characters are dropped from progress events. */
export const MAX_PREVIEW_CHARS = 512 * 1024;
/** Plain progress events (no preview, no extra, not the last) closer than this are dropped. */
const PROGRESS_MIN_INTERVAL_MS = 25;

export interface ExecutorOptions {
  registry: NodeRegistry;
  paths: HostPaths;
  log: Logger;
  cache?: OutputCache;
}

export interface RunRequest {
  promptId: string;
  prompt: ApiWorkflow;
  /** Output node ids to produce (validated beforehand). */
  outputs: string[];
  signal: AbortSignal;
  emit(event: ExecutionEvent): void;
  pngText?: Record<string, string>;
}

export type RunStatus = 'success' | 'error' | 'interrupted';

export interface RunResult {
  status: RunStatus;
  /** UI results of output nodes (run or cached). */
  outputs: Record<string, UiResult>;
  executed: string[];
  cached: string[];
  error?: { nodeId: string; nodeType: string; message: string };
}

class Interrupted extends Error {}

type Emit = <K extends ExecutionEventName>(type: K, data: Omit<ExecutionEventPayloads[K], 'prompt_id'>) => void;

function isAbort(err: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (err instanceof Error && (err.name === 'AbortError' || err instanceof Interrupted));
}

export class Executor {
  readonly cache: OutputCache;

  constructor(private readonly opts: ExecutorOptions) {
    this.cache = opts.cache ?? new OutputCache(undefined, { onDisposeError: (e) => opts.log.warn(`disposing an evicted output failed: ${(e as Error).message}`) });
  }

  async run(req: RunRequest): Promise<RunResult> {
    // values this run reads stay alive even if the cache evicts them meanwhile
    const release = this.cache.hold();
    try {
      return await this.runHeld(req);
    } finally {
      release();
    }
  }

  private async runHeld(req: RunRequest): Promise<RunResult> {
    const { prompt, promptId } = req;
    const emit: Emit = (type, data) =>
      req.emit({ type, data: { prompt_id: promptId, ...data } } as unknown as ExecutionEvent);
    const result: RunResult = { status: 'success', outputs: {}, executed: [], cached: [] };
    emit('execution_start', { timestamp: Date.now() });

    const { order } = topoSort(prompt, ancestors(prompt, req.outputs));
    const defs = new Map<string, NodeDefinition>();
    for (const id of order) {
      const def = this.opts.registry.get(prompt[id].class_type);
      if (!def) return this.fail(result, emit, id, prompt[id].class_type, `unknown node type '${prompt[id].class_type}'`);
      defs.set(id, def);
    }
    const sigs = await computeSignatures(prompt, order, defs, this.opts.paths, `${promptId}:${Date.now()}`);
    const values = new Map<string, CachedNode>();
    for (const id of order) {
      const hit = this.cache.get(sigs.get(id)!);
      if (hit) values.set(id, hit);
    }
    result.cached = order.filter((id) => values.has(id));
    emit('execution_cached', { nodes: result.cached, timestamp: Date.now() });

    let current: string | null = null;
    try {
      for (const id of order) {
        if (req.signal.aborted) throw new Interrupted();
        const cached = values.get(id);
        if (cached) {
          if (cached.lastPreview) emit('progress', { node: id, ...cached.lastPreview });
          if (cached.ui) {
            setOwn(result.outputs, id, cached.ui);
            emit('executed', { node: id, output: cached.ui });
          }
          continue;
        }
        current = id;
        emit('executing', { node: id });
        const def = defs.get(id)!;
        const value = await this.executeNode(req, id, def, values, emit);
        values.set(id, value);
        this.cache.set(sigs.get(id)!, value);
        result.executed.push(id);
        if (value.ui) {
          setOwn(result.outputs, id, value.ui);
          emit('executed', { node: id, output: value.ui });
        }
      }
    } catch (err) {
      if (isAbort(err, req.signal)) {
        result.status = 'interrupted';
        emit('execution_interrupted', { node_id: current, timestamp: Date.now() });
        return result;
      }
      const type = current ? prompt[current].class_type : '';
      return this.fail(result, emit, current ?? '', type, err instanceof Error ? err.message : String(err));
    }
    emit('executing', { node: null });
    emit('execution_success', { timestamp: Date.now() });
    return result;
  }

  private fail(
    result: RunResult,
    emit: Emit,
    nodeId: string,
    nodeType: string,
    message: string,
  ): RunResult {
    result.status = 'error';
    result.error = { nodeId, nodeType, message };
    emit('execution_error', { node_id: nodeId, node_type: nodeType, exception_message: message, timestamp: Date.now() });
    return result;
  }

  private async executeNode(
    req: RunRequest,
    id: string,
    def: NodeDefinition,
    values: Map<string, CachedNode>,
    emit: Emit,
  ): Promise<CachedNode> {
    const inputs: Inputs = {};
    for (const [name, v] of Object.entries(req.prompt[id].inputs)) {
      if (isApiLink(v)) {
        const src = values.get(v[0]);
        if (!src) throw new Error(`input '${name}' links to node ${v[0]}, which produced no value`);
        setOwn(inputs, name, src.outputs[v[1]]);
      } else if (v !== null) setOwn(inputs, name, v);
    }
    for (const [name, spec] of Object.entries(def.inputs)) {
      if (inputs[name] === undefined && spec.default !== undefined) inputs[name] = spec.default;
    }
    let lastProgress = 0;
    let lastPreview: CachedNode['lastPreview'];
    const log = this.opts.log;
    const tag = `[${req.promptId.slice(0, 8)} ${id}:${def.type}]`;
    const ctx: ExecContext = {
      promptId: req.promptId,
      nodeId: id,
      signal: req.signal,
      paths: this.opts.paths,
      pngText: req.pngText,
      prompt: req.prompt,
      log: { info: (m) => log.info(`${tag} ${m}`), warn: (m) => log.warn(`${tag} ${m}`), error: (m) => log.error(`${tag} ${m}`) },
      progress: (value: number, max: number, preview?: Preview, extra?: Record<string, unknown>) => {
        const now = Date.now();
        // events carrying a preview or `extra` (e.g. a trainer's loss) are never dropped
        if (!preview && !extra && value < max && now - lastProgress < PROGRESS_MIN_INTERVAL_MS) return;
        lastProgress = now;
        const ok = preview && preview.pngBase64.length <= MAX_PREVIEW_CHARS;
        const shown = ok ? { image: `data:image/png;base64,${preview!.pngBase64}`, ...(preview!.label ? { label: preview!.label } : {}) } : undefined;
        if (shown) lastPreview = { value, max, preview: shown, ...(extra ? { extra } : {}) };
        emit('progress', { node: id, value, max, ...(shown ? { preview: shown } : {}), ...(extra ? { extra } : {}) });
      },
    };
    const res = await def.execute(inputs, ctx);
    if (req.signal.aborted) throw new Interrupted();
    if (!res || !Array.isArray(res.outputs)) throw new Error(`node ${def.type} returned no outputs array`);
    if (res.outputs.length !== def.outputs.length) {
      throw new Error(`node ${def.type} returned ${res.outputs.length} output(s), its definition declares ${def.outputs.length}`);
    }
    return { outputs: res.outputs, ui: res.ui, ...(lastPreview ? { lastPreview } : {}) };
  }
}

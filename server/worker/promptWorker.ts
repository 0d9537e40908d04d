// A worker of the Redis queue: takes prompts from the shared BullMQ queue one at a time, runs them
// with its executor, publishes their events to the server, uploads their output files, advertises
// the models it holds, passes a prompt to an idle worker that holds its models, and gives a prompt
// back to the queue when it is shut down mid-run. A worker that dies loses its lock; BullMQ's
// stalled-job check (in every other worker) puts the prompt back and another worker retries it.
import { DelayedError, Job, WaitingError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ExecutionEvent, HistoryMessage } from '../api/protocol';
import type { Executor } from '../engine/executor/executor';
import type { HostPaths, Logger, UiResult } from '../engine/nodeApi';
import type { NodeRegistry } from '../engine/registry/registry';
import type { QueuedPrompt } from '../queue/promptQueue';
import { readHeartbeats } from '../queue/redis/heartbeats';
import { receiveInputs } from '../queue/redis/inputFiles';
import { bullConnection, checkWorkerName, RedisNames, redisClient } from '../queue/redis/names';
import { OutputUploader, prefixFileRefs } from '../queue/redis/outputFiles';
import { earlierRunMessages, lostRuns, PromptJobData, PromptJobResult, RunNote } from '../queue/redis/promptJob';
import { betterWorker, mayPassOn } from './affinity';
import { DEFAULT_MAX_PREVIEW_CHARS, EventPublisher } from './eventPublisher';
import { modelNeeds, ModelTracker } from './modelKeys';
import { HeartbeatWriter } from './workerHeartbeat';

/** Events kept in a history entry's status messages (as in the local queue). */
const HISTORY_EVENTS = new Set(['execution_start', 'execution_cached', 'execution_error', 'execution_interrupted', 'execution_success']);

export interface WorkerTiming {
  /** BullMQ lock: a worker silent this long is taken for dead and its prompt retried elsewhere. Keep it above the longest event-loop stall of a node. */
  lockMs: number;
  /** How often each worker looks for prompts whose worker died. */
  stalledCheckMs: number;
  heartbeatMs: number;
  /** Passing a prompt on: how long it waits in 'delayed', how long the passing worker stays out of the race, how often at most (beyond the window). */
  handoffDelayMs: number;
  handoffGraceMs: number;
  maxHandoffs: number;
  /** From the first hand-off, how long the prompt may be handed on however often (see mayPassOn). */
  handoffWindowMs: number;
}

export const DEFAULT_TIMING: WorkerTiming = { lockMs: 30000, stalledCheckMs: 15000, heartbeatMs: 2000, handoffDelayMs: 100, handoffGraceMs: 300, maxHandoffs: 5, handoffWindowMs: 3000 };

export interface PromptWorkerOptions {
  names: RedisNames;
  name: string;
  executor: Executor;
  registry: NodeRegistry;
  /** The folders this worker's executor writes to. */
  paths: HostPaths;
  log: Logger;
  device: string;
  /**
   * Where the server finds this worker's files: '' when `paths` are the server's own folders (a
   * worker inside the server), else the subfolder of the server's output/temp folders that
   * `paths.output`/`paths.temp` correspond to (workers/<name>).
   */
  outputPrefix: string;
  /** Upload output files to the server through Redis; false when the server reads these folders (shared disk). */
  uploadOutputs: boolean;
  pngTextFor(item: QueuedPrompt): Record<string, string>;
  timing?: Partial<WorkerTiming>;
  maxPreviewChars?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class PromptWorker {
  readonly name: string;
  private readonly timing: WorkerTiming;
  private readonly redis: Redis;
  private readonly cancelSub: Redis;
  private readonly models: ModelTracker;
  private readonly heartbeat: HeartbeatWriter;
  private readonly publisher: EventPublisher;
  private worker: Worker<PromptJobData, PromptJobResult> | undefined;
  private running: { id: string; abort: AbortController } | null = null;
  private closing = false;

  constructor(private readonly opts: PromptWorkerOptions) {
    this.name = checkWorkerName(opts.name);
    this.timing = { ...DEFAULT_TIMING, ...opts.timing };
    this.redis = redisClient(opts.names, `worker-${this.name}`);
    this.cancelSub = redisClient(opts.names, `worker-${this.name}-cancel`);
    for (const c of [this.redis, this.cancelSub]) c.on('error', (e: Error) => opts.log.error(`Redis (${opts.names.url}): ${e.message}`));
    this.models = new ModelTracker(opts.registry, opts.paths, opts.executor.cache);
    this.heartbeat = new HeartbeatWriter(this.redis, opts.names, this.name, opts.device, this.models, this.timing.heartbeatMs, opts.log);
    const uploader = opts.uploadOutputs ? new OutputUploader(this.redis, opts.names, opts.paths, opts.outputPrefix, opts.log) : undefined;
    const place = async (promptId: string, ui: UiResult) => (uploader ? uploader.upload(promptId, ui) : prefixFileRefs(ui, opts.outputPrefix));
    this.publisher = new EventPublisher(this.redis, opts.names.events, this.name, opts.log, place, opts.maxPreviewChars ?? DEFAULT_MAX_PREVIEW_CHARS);
  }

  /** Connects, announces itself and starts taking prompts. */
  async start(): Promise<void> {
    if (this.worker) return;
    const { names, log } = this.opts;
    this.cancelSub.on('message', (_ch: string, id: string) => {
      if (this.running && (id === '*' || id === this.running.id)) this.running.abort.abort();
    });
    await this.cancelSub.subscribe(names.cancel);
    await this.heartbeat.start();
    this.worker = new Worker<PromptJobData, PromptJobResult>(names.queue, (job, token) => this.process(job, token), {
      connection: bullConnection(names),
      prefix: names.prefix,
      name: this.name,
      concurrency: 1,
      autorun: false,
      lockDuration: this.timing.lockMs,
      stalledInterval: this.timing.stalledCheckMs,
      // Retries after a worker dies are counted in the job data (maxAttempts), not by BullMQ.
      maxStalledCount: 1_000_000,
    });
    this.worker.on('error', (e) => log.error(`queue worker: ${e.message}`));
    this.worker.on('failed', (job, e) => log.error(`prompt ${job?.id} failed in the queue: ${e.message}`));
    this.worker.on('stalled', (id) => log.warn(`prompt ${id} was left by a worker that stopped; it goes back to the queue`));
    void this.worker.run().catch((e: Error) => log.error(`queue worker stopped: ${e.message}`));
    await this.worker.waitUntilReady();
  }

  /** Stops taking prompts; a running prompt is interrupted and put back in the queue. */
  async close(): Promise<void> {
    this.closing = true;
    this.running?.abort.abort();
    await this.worker?.close();
    await this.heartbeat.stop();
    await this.publisher.flush();
    this.cancelSub.disconnect();
    await this.redis.quit().catch(() => undefined);
  }

  private async process(job: Job<PromptJobData, PromptJobResult>, token?: string): Promise<PromptJobResult> {
    const data = job.data;
    const lost = lostRuns(data.runs);
    if (lost.length >= data.maxAttempts) return this.giveUp(data, lost);
    if (await this.passOn(job, token)) throw new DelayedError();
    const runs: RunNote[] = [...data.runs, { worker: this.name, startedAt: Date.now() }];
    await job.updateData({ ...data, runs });
    if (data.inputs) await receiveInputs(this.redis, this.opts.names, data.inputs, this.opts.paths.input, this.opts.log);
    const result = await this.run(data.item, lost, data.runs);
    if (result === 'shutdown') {
      runs[runs.length - 1] = { ...runs[runs.length - 1], outcome: 'shutdown', endedAt: Date.now() };
      await job.updateData({ ...data, runs });
      await job.moveToWait(token);
      throw new WaitingError();
    }
    return result;
  }

  /** The preference step: true when the prompt was handed to an idle worker holding more of its models. */
  private async passOn(job: Job<PromptJobData, PromptJobResult>, token?: string): Promise<boolean> {
    const data = job.data;
    const now = Date.now();
    if (!mayPassOn(data.deferrals, data.deferredSince, now, { maxHandoffs: this.timing.maxHandoffs, windowMs: this.timing.handoffWindowMs })) return false;
    const needs = modelNeeds(data.item.prompt, this.opts.registry).map((n) => n.key);
    if (!needs.length) return false;
    const better = betterWorker(needs, this.models.held(), this.name, await readHeartbeats(this.redis, this.opts.names));
    if (!better) return false;
    this.opts.log.info(`prompt ${job.id}: passed to idle worker ${better.name}, which holds its models`);
    await job.updateData({ ...data, deferrals: data.deferrals + 1, deferredSince: data.deferredSince ?? now });
    await job.moveToDelayed(Date.now() + this.timing.handoffDelayMs, token);
    // Stay out of the race for it while the idle worker wakes up.
    await sleep(this.timing.handoffGraceMs);
    return true;
  }

  private async run(item: QueuedPrompt, lost: RunNote[], earlier: RunNote[]): Promise<PromptJobResult | 'shutdown'> {
    const abort = new AbortController();
    this.running = { id: item.id, abort };
    await this.heartbeat.set('busy', item.id);
    const messages: HistoryMessage[] = earlierRunMessages(item.id, earlier, Date.now());
    const outputs: Record<string, UiResult> = {};
    const startedAt = Date.now();
    const emit = (raw: ExecutionEvent) => {
      const ev = raw.type === 'execution_start' ? ({ type: raw.type, data: { ...raw.data, worker: this.name, attempt: lost.length + 1 } } as ExecutionEvent) : raw;
      if (HISTORY_EVENTS.has(ev.type)) messages.push([ev.type, ev.data as unknown as Record<string, unknown>]);
      this.publisher.emit(ev, (node, ui) => (outputs[node] = ui));
    };
    let status: PromptJobResult['status'];
    try {
      const result = await this.opts.executor.run({ promptId: item.id, prompt: item.prompt, outputs: item.outputs, signal: abort.signal, emit, pngText: this.opts.pngTextFor(item) });
      status = result.status;
      await this.models.noteRun(item.prompt, [...result.executed, ...result.cached]);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.opts.log.error(`prompt ${item.id} failed outside any node: ${message}`);
      emit({ type: 'execution_error', data: { prompt_id: item.id, node_id: '', node_type: '', exception_message: message, timestamp: Date.now() } });
      status = 'error';
    } finally {
      this.running = null;
    }
    await this.publisher.flush();
    await this.heartbeat.set('idle', null);
    if (this.closing && status === 'interrupted') return 'shutdown';
    return { status, outputs, messages, startedAt, finishedAt: Date.now(), worker: this.name };
  }

  /** The prompt's workers died `maxAttempts` times: fail it instead of starting it again. */
  private giveUp(data: PromptJobData, lost: RunNote[]): PromptJobResult {
    const id = data.item.id;
    const message = `the prompt was started ${lost.length} time(s) and each time its worker stopped before it finished (${lost.map((r) => r.worker).join(', ')}); not retried again`;
    const ev: ExecutionEvent = { type: 'execution_error', data: { prompt_id: id, node_id: '', node_type: '', exception_message: message, timestamp: Date.now() } };
    this.publisher.emit(ev);
    this.opts.log.error(`prompt ${id}: ${message}`);
    return { status: 'error', outputs: {}, messages: [...earlierRunMessages(id, data.runs, Date.now()), [ev.type, ev.data]], startedAt: Date.now(), finishedAt: Date.now(), worker: this.name };
  }
}

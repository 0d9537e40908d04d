// The PromptQueue over Redis (BullMQ): prompts wait in one shared BullMQ queue (priority = prompt
// number), any number of workers on any machines take them one at a time, history is the queue's
// finished jobs (kept in Redis), and workers' events reach this server's EventBus over pub/sub.
// The server may run a worker of its own (`localWorker`).
import { randomUUID } from 'crypto';
import * as os from 'os';
import { Job, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { HostParts, QueueDeps } from '../../host/host';
import { PromptWorker, WorkerTiming } from '../../worker/promptWorker';
import type { EnqueueRequest, HistoryRecord, PromptQueue, QueuedPrompt, QueueSnapshot } from '../promptQueue';
import { EventRelay } from './eventRelay';
import { readHeartbeats, WorkerHeartbeat } from './heartbeats';
import { shareInputs } from './inputFiles';
import { bullConnection, RedisNames, redisClient, redisNames, RedisTarget } from './names';
import { OutputReceiver } from './outputFiles';
import { bullPriority, PromptJobData, PromptJobResult, recordOfJob } from './promptJob';

export interface RedisQueueOptions extends RedisTarget {
  /** How many times a prompt may be started on workers that die before it is failed. Default 3. */
  attempts?: number;
  /** Also run prompts in this process. Default true. */
  localWorker?: boolean;
  /** Name of that worker. Default `<host>-server-<pid>`. */
  localWorkerName?: string;
  timing?: Partial<WorkerTiming>;
  /** Finished prompts kept as history (newest). Default 10000. */
  historyMax?: number;
}

type PromptJob = Job<PromptJobData, PromptJobResult>;

const PENDING_STATES = new Set(['waiting', 'prioritized', 'delayed']);
const STATUS_EVENTS = ['added', 'waiting', 'prioritized', 'active', 'completed', 'failed', 'removed', 'delayed', 'stalled', 'cleaned', 'drained'];

export function safeHostName(): string {
  return os.hostname().replace(/[^\w.-]/g, '-').slice(0, 60) || 'host';
}

/** HostParts that make createHost use this queue. */
export function redisHostParts(opts: RedisQueueOptions): HostParts {
  return { queue: (deps) => new RedisPromptQueue(deps, opts) };
}

export class RedisPromptQueue implements PromptQueue {
  readonly names: RedisNames;
  private readonly queue: Queue<PromptJobData, PromptJobResult>;
  private readonly redis: Redis;
  private readonly sub: Redis;
  private readonly relay: EventRelay;
  private readonly receiver: OutputReceiver;
  private events: QueueEvents | undefined;
  private localWorker: PromptWorker | undefined;
  private starting: Promise<void> | undefined;
  private statusTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly deps: QueueDeps,
    private readonly opts: RedisQueueOptions,
  ) {
    const log = deps.config.log;
    this.names = redisNames(opts);
    this.queue = new Queue<PromptJobData, PromptJobResult>(this.names.queue, { connection: bullConnection(this.names), prefix: this.names.prefix });
    this.queue.on('error', (e) => log.error(`Redis queue: ${e.message}`));
    this.redis = redisClient(this.names, 'server');
    this.sub = redisClient(this.names, 'server-events');
    for (const c of [this.redis, this.sub]) c.on('error', (e: Error) => log.error(`Redis (${this.names.url}): ${e.message}`));
    this.receiver = new OutputReceiver(this.redis, this.names, deps.config.paths, log);
    this.relay = new EventRelay(this.sub, this.names, deps.bus, this.receiver, log);
  }

  async enqueue(req: EnqueueRequest): Promise<QueuedPrompt> {
    if (this.closed) throw new Error('the queue is closed');
    await this.relay.start(); // the prompt's events must find us subscribed
    const seq = await this.redis.incr(this.names.seq);
    const number = req.number ?? (req.front ? -seq : seq);
    const item: QueuedPrompt = { id: req.id ?? randomUUID(), number, prompt: req.prompt, outputs: req.outputs, extra: req.extra ?? {}, createdAt: Date.now() };
    const keep = { count: this.opts.historyMax ?? 10000 };
    const inputs = await shareInputs(this.redis, this.names, item.prompt, this.deps.config.paths.input);
    const data: PromptJobData = { item, maxAttempts: this.opts.attempts ?? 3, runs: [], deferrals: 0, inputs };
    await this.queue.add('prompt', data, { jobId: item.id, priority: bullPriority(number), removeOnComplete: keep, removeOnFail: keep });
    this.scheduleStatus();
    return item;
  }

  async snapshot(): Promise<QueueSnapshot> {
    const [active, waiting, queued] = await Promise.all([
      this.queue.getJobs(['active']),
      this.queue.getJobs(['wait']),
      this.queue.getJobs(['prioritized', 'delayed']),
    ]);
    const items = (jobs: PromptJob[]) => jobs.filter(Boolean).map((j) => j.data.item);
    const byNumber = (a: QueuedPrompt, b: QueuedPrompt) => a.number - b.number || a.createdAt - b.createdAt;
    // Prompts put back after their worker died sit in 'wait', which BullMQ serves before priorities.
    return {
      running: active.filter(Boolean).sort((a, b) => (a.processedOn ?? 0) - (b.processedOn ?? 0)).map((j) => j.data.item),
      pending: [...items(waiting).sort(byNumber), ...items(queued).sort(byNumber)],
    };
  }

  async pendingCount(): Promise<number> {
    return this.queue.getJobCountByTypes('wait', 'prioritized', 'delayed');
  }

  async remove(ids: string[]): Promise<string[]> {
    const removed: string[] = [];
    for (const id of ids) {
      const job = await this.queue.getJob(id);
      if (!job || !PENDING_STATES.has(await job.getState())) continue;
      try {
        await job.remove();
        removed.push(id);
      } catch {
        /* taken by a worker meanwhile: it is running, not pending */
      }
    }
    if (removed.length) this.scheduleStatus();
    return removed;
  }

  async clear(): Promise<number> {
    const jobs = await this.queue.getJobs(['wait', 'prioritized', 'delayed']);
    return (await this.remove(jobs.filter(Boolean).map((j) => j.id!))).length;
  }

  async interrupt(promptId?: string): Promise<boolean> {
    const active = (await this.queue.getJobs(['active'])).filter(Boolean);
    if (!active.some((j) => !promptId || j.id === promptId)) return false;
    await this.redis.publish(this.names.cancel, promptId ?? '*');
    return true;
  }

  async history(maxItems?: number): Promise<HistoryRecord[]> {
    const end = maxItems === undefined ? -1 : maxItems - 1;
    if (maxItems === 0) return [];
    const [done, failed] = await Promise.all([this.queue.getJobs(['completed'], 0, end), this.queue.getJobs(['failed'], 0, end)]);
    const records = [
      ...done.filter(Boolean).map((j) => recordOfJob(j, 'completed')),
      ...failed.filter(Boolean).map((j) => recordOfJob(j, 'failed')),
    ].sort((a, b) => a.finishedAt - b.finishedAt);
    return maxItems === undefined ? records : records.slice(-maxItems);
  }

  async historyEntry(id: string): Promise<HistoryRecord | undefined> {
    // State first: a job read while running has no result yet, even if it finishes a moment later.
    const state = await this.queue.getJobState(id);
    if (state !== 'completed' && state !== 'failed') return undefined;
    const job = await this.queue.getJob(id);
    return job ? recordOfJob(job, state) : undefined;
  }

  async deleteHistory(ids: string[] | 'all'): Promise<void> {
    if (ids === 'all') {
      await this.queue.clean(0, 0, 'completed');
      await this.queue.clean(0, 0, 'failed');
      return;
    }
    for (const id of ids) {
      const job = await this.queue.getJob(id);
      const state = job && (await job.getState());
      if (job && (state === 'completed' || state === 'failed')) await job.remove();
    }
  }

  /** Workers whose heartbeat is alive: state, running prompt, models held. */
  workers(): Promise<WorkerHeartbeat[]> {
    return readHeartbeats(this.redis, this.names);
  }

  start(): void {
    this.starting ??= this.startAsync().catch((e: Error) => this.deps.config.log.error(`the Redis queue did not start: ${e.message}`));
  }

  /** Resolves once start() has subscribed to events and started the local worker. */
  async ready(): Promise<void> {
    this.start();
    await this.starting;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.statusTimer);
    await this.starting;
    await this.localWorker?.close();
    await this.events?.close();
    await this.relay.drain();
    this.sub.disconnect();
    await this.queue.close();
    await this.redis.quit().catch(() => undefined);
  }

  private async startAsync(): Promise<void> {
    const { config } = this.deps;
    await this.relay.start();
    const events = new QueueEvents(this.names.queue, { connection: bullConnection(this.names), prefix: this.names.prefix });
    this.events = events;
    events.on('error', (e) => config.log.error(`Redis queue events: ${e.message}`));
    for (const name of STATUS_EVENTS) events.on(name as 'waiting', () => this.scheduleStatus());
    // Files of prompts whose `executed` event this server missed (it was down, or pub/sub dropped it).
    events.on('completed', ({ jobId }) => void this.receiver.receive(jobId).catch(() => undefined));
    await events.waitUntilReady();
    const stored = await this.receiver.sweep();
    if (stored) config.log.info(`stored ${stored} output file(s) that workers uploaded while no server was listening`);
    if (this.opts.localWorker !== false && !this.closed) {
      this.localWorker = new PromptWorker({
        names: this.names,
        name: this.opts.localWorkerName ?? `${safeHostName()}-server-${process.pid}`,
        executor: this.deps.executor,
        registry: this.deps.registry,
        paths: config.paths,
        log: config.log,
        device: config.backend.name,
        outputPrefix: '',
        uploadOutputs: false,
        pngTextFor: this.deps.pngTextFor,
        timing: this.opts.timing,
      });
      await this.localWorker.start();
    }
    this.scheduleStatus();
  }

  /** Queue status to every client, at most every 50 ms. */
  private scheduleStatus(): void {
    if (this.statusTimer || this.closed) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = undefined;
      this.publishStatus().catch((e: Error) => this.deps.config.log.warn(`queue status not published: ${e.message}`));
    }, 50);
  }

  private async publishStatus(): Promise<void> {
    const counts = await this.queue.getJobCounts('active', 'wait', 'prioritized', 'delayed');
    const [first] = await this.queue.getJobs(['active'], 0, 0);
    const remaining = Object.values(counts).reduce((a, b) => a + b, 0);
    this.deps.bus.publish({ type: 'status', data: { queue_remaining: remaining, running: first?.id ?? null } });
  }
}

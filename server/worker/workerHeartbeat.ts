// Keeps a worker's heartbeat key fresh: on a timer and at once whenever its state changes.
import * as os from 'os';
import type { Redis } from 'ioredis';
import type { Logger } from '../engine/nodeApi';
import { removeHeartbeat, WorkerHeartbeat, writeHeartbeat } from '../queue/redis/heartbeats';
import type { RedisNames } from '../queue/redis/names';
import type { ModelTracker } from './modelKeys';

export class HeartbeatWriter {
  private timer: NodeJS.Timeout | undefined;
  private state: Pick<WorkerHeartbeat, 'state' | 'prompt_id'> = { state: 'idle', prompt_id: null };
  private readonly startedAt = Date.now();

  constructor(
    private readonly redis: Redis,
    private readonly names: RedisNames,
    private readonly name: string,
    private readonly device: string,
    private readonly models: ModelTracker,
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  start(): Promise<void> {
    this.timer = setInterval(() => void this.beat(), this.intervalMs);
    return this.beat();
  }

  set(state: WorkerHeartbeat['state'], promptId: string | null): Promise<void> {
    this.state = { state, prompt_id: promptId };
    return this.beat();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await removeHeartbeat(this.redis, this.names, this.name).catch(() => undefined);
  }

  private async beat(): Promise<void> {
    const hb: WorkerHeartbeat = {
      name: this.name,
      host: os.hostname(),
      pid: process.pid,
      device: this.device,
      ...this.state,
      models: [...this.models.held()].sort(),
      weights: this.models.weights(),
      started_at: this.startedAt,
      updated_at: Date.now(),
    };
    try {
      await writeHeartbeat(this.redis, this.names, hb, this.intervalMs * 3);
    } catch (e) {
      this.log.warn(`heartbeat not written: ${(e as Error).message}`);
    }
  }
}

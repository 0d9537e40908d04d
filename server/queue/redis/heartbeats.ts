// Worker heartbeats: each worker keeps a key with a TTL saying who it is, whether it is busy and
// which models it holds in memory. Servers read them to list workers; workers read them to pass a
// prompt to an idle worker that already holds its models.
import type { Redis } from 'ioredis';
import type { RedisNames } from './names';

export interface WorkerHeartbeat {
  name: string;
  host: string;
  pid: number;
  /** Tensor backend the worker runs on (e.g. 'wasm', 'tfjs-node-gpu'). */
  device: string;
  state: 'idle' | 'busy';
  prompt_id: string | null;
  /** Model keys of the loader nodes whose outputs are in the worker's cache (see server/worker/modelKeys.ts). */
  models: string[];
  /** The weights files behind `models`, for people reading the list. */
  weights: string[];
  started_at: number;
  updated_at: number;
}

export async function writeHeartbeat(redis: Redis, names: RedisNames, hb: WorkerHeartbeat, ttlMs: number): Promise<void> {
  await redis.multi().set(names.worker(hb.name), JSON.stringify(hb), 'PX', ttlMs).sadd(names.workers, hb.name).exec();
}

export async function removeHeartbeat(redis: Redis, names: RedisNames, name: string): Promise<void> {
  await redis.multi().del(names.worker(name)).srem(names.workers, name).exec();
}

/** Live workers (their key has not expired), by name. Expired ones are dropped from the set. */
export async function readHeartbeats(redis: Redis, names: RedisNames): Promise<WorkerHeartbeat[]> {
  const members = (await redis.smembers(names.workers)).sort();
  if (!members.length) return [];
  const values = await redis.mget(members.map((m) => names.worker(m)));
  const out: WorkerHeartbeat[] = [];
  const gone: string[] = [];
  values.forEach((v, i) => {
    if (v === null) gone.push(members[i]);
    else {
      try {
        out.push(JSON.parse(v) as WorkerHeartbeat);
      } catch {
        gone.push(members[i]);
      }
    }
  });
  if (gone.length) await redis.srem(names.workers, ...gone);
  return out;
}

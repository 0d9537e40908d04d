// Every Redis name the scale-out queue uses, derived once from (prefix, queue). BullMQ keeps its
// own keys under `<prefix>:<queue>:*`; ours live under `<prefix>:<queue>:nf:*` beside them.
import { Redis } from 'ioredis';

export interface RedisTarget {
  /** redis:// or rediss:// URL (password and db number may be in it). */
  url: string;
  /** BullMQ queue name; servers and workers of one farm use the same. Default 'prompts'. */
  queue?: string;
  /** Key prefix. Default 'narflow'. */
  prefix?: string;
}

export interface RedisNames {
  url: string;
  prefix: string;
  queue: string;
  /** Counter for prompt numbers (INCR). */
  seq: string;
  /** Pub/sub channel: execution events from workers, JSON {worker, event}. */
  events: string;
  /** Pub/sub channel: a prompt id to cancel, or '*' for every running prompt. */
  cancel: string;
  /** Set of worker names that wrote a heartbeat. */
  workers: string;
  worker(name: string): string;
  /** Hash of output files a worker uploaded for a prompt, waiting for the server to store them. */
  files(promptId: string): string;
  filesPattern: string;
  /** An input file by content hash (sha256), shared by the server with workers. */
  input(hash: string): string;
}

const NAME = /^[\w.-]{1,100}$/;

export function redisNames(t: RedisTarget): RedisNames {
  if (!/^rediss?:\/\//.test(t.url)) throw new Error(`--redis expects a redis:// or rediss:// URL, got ${JSON.stringify(t.url)}`);
  const prefix = t.prefix ?? 'narflow';
  const queue = t.queue ?? 'prompts';
  for (const [what, v] of [['prefix', prefix], ['queue name', queue]]) {
    if (!NAME.test(v)) throw new Error(`the Redis ${what} must be 1-100 letters, digits, '_', '.', '-', got ${JSON.stringify(v)}`);
  }
  const base = `${prefix}:${queue}:nf`;
  return {
    url: t.url,
    prefix,
    queue,
    seq: `${base}:seq`,
    events: `${base}:events`,
    cancel: `${base}:cancel`,
    workers: `${base}:workers`,
    worker: (name) => `${base}:worker:${name}`,
    files: (id) => `${base}:files:${id}`,
    filesPattern: `${base}:files:*`,
    input: (hash) => `${base}:input:${hash}`,
  };
}

/** Connection options for BullMQ (its blocking commands need maxRetriesPerRequest: null). */
export function bullConnection(names: RedisNames): { url: string; maxRetriesPerRequest: null } {
  return { url: names.url, maxRetriesPerRequest: null };
}

/** A plain ioredis client (commands or pub/sub). */
export function redisClient(names: RedisNames, role: string): Redis {
  return new Redis(names.url, { maxRetriesPerRequest: null, connectionName: `narflow-${role}` });
}

/** Worker names become folder names on the server: letters, digits, '_', '.', '-'. */
export function checkWorkerName(name: string): string {
  if (!NAME.test(name) || name.startsWith('.')) throw new Error(`a worker name must be 1-100 letters, digits, '_', '.', '-' (not starting with '.'), got ${JSON.stringify(name)}`);
  return name;
}

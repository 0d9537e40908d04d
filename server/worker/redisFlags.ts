// Command-line flags of the Redis queue, shared by `narflow serve --redis` and `narflow worker`.
import { flag, numberFlag, ParsedArgs } from '../cli/command';
import type { RedisQueueOptions } from '../queue/redis/redisPromptQueue';
import type { WorkerTiming } from './promptWorker';

export const REDIS_COMMON_HELP = [
  '  --redis URL       Redis of the farm, redis://[user:pass@]host:port[/db] (or set NARFLOW_REDIS)',
  '  --queue NAME      queue name (default prompts); one server and its workers share it',
  '  --lock-ms N       a worker silent this long counts as dead and its prompt is retried (default 30000)',
  '  --stall-ms N      how often workers look for prompts of dead workers (default 15000)',
  '  --heartbeat-ms N  how often a worker advertises its state and loaded models (default 2000)',
];

export const REDIS_SERVE_HELP = [
  ...REDIS_COMMON_HELP,
  '  --no-local-worker run no prompts in the server process (only remote workers run them)',
  '  --attempts N      starts of a prompt on workers that die, before it fails (default 3)',
];

export function redisUrl(args: ParsedArgs): string | undefined {
  return flag(args, 'redis') ?? (process.env.NARFLOW_REDIS || undefined);
}

function positive(args: ParsedArgs, name: string, dflt: number): number {
  const n = numberFlag(args, name, dflt);
  if (!(n > 0)) throw new Error(`option --${name} expects a positive number, got ${n}`);
  return n;
}

export function timingFromFlags(args: ParsedArgs): Partial<WorkerTiming> {
  const t: Partial<WorkerTiming> = {};
  if (flag(args, 'lock-ms') !== undefined) t.lockMs = positive(args, 'lock-ms', 30000);
  if (flag(args, 'stall-ms') !== undefined) t.stalledCheckMs = positive(args, 'stall-ms', 15000);
  if (flag(args, 'heartbeat-ms') !== undefined) t.heartbeatMs = positive(args, 'heartbeat-ms', 2000);
  return t;
}

/** Queue options for `serve`, or undefined without --redis (the local SQLite queue then). */
export function redisServeOptions(args: ParsedArgs): RedisQueueOptions | undefined {
  const url = redisUrl(args);
  if (!url) {
    for (const f of ['no-local-worker', 'attempts', 'queue']) if (args.flags.has(f)) throw new Error(`option --${f} needs --redis URL`);
    return undefined;
  }
  const attempts = positive(args, 'attempts', 3);
  if (!Number.isInteger(attempts)) throw new Error(`option --attempts expects a whole number, got ${attempts}`);
  return { url, queue: flag(args, 'queue'), attempts, localWorker: !args.flags.has('no-local-worker'), timing: timingFromFlags(args) };
}

// `narflow worker`: a process that runs prompts from the Redis queue (no HTTP), until a signal.
import * as path from 'path';
import { flag, ParsedArgs } from '../cli/command';
import { configFromFlags, initDevice } from '../cli/hostFlags';
import { Executor } from '../engine/executor/executor';
import { OutputCache } from '../engine/executor/outputCache';
import { buildRegistry, pngTextFor } from '../host/host';
import { checkWorkerName, redisNames } from '../queue/redis/names';
import { WORKER_OUTPUT_ROOT } from '../queue/redis/outputFiles';
import { safeHostName } from '../queue/redis/redisPromptQueue';
import { PromptWorker } from './promptWorker';
import { redisUrl, timingFromFlags } from './redisFlags';

export async function workerMain(args: ParsedArgs): Promise<number> {
  const url = redisUrl(args);
  if (!url) throw new Error('missing required option --redis URL (or NARFLOW_REDIS)');
  const names = redisNames({ url, queue: flag(args, 'queue') });
  const name = checkWorkerName(flag(args, 'name') ?? `${safeHostName()}-${process.pid}`);
  const backend = await initDevice(flag(args, 'device') ?? 'auto');
  const config = configFromFlags(args, backend);
  const { registry, report } = buildRegistry(config);
  for (const f of report.failed) config.log.warn(`node pack ${f.dir} not loaded: ${f.error}`);
  // Files go to <output>/workers/<name>/ here and on the server, so workers never collide.
  const prefix = `${WORKER_OUTPUT_ROOT}/${name}`;
  const paths = { ...config.paths, output: path.join(config.paths.output, prefix), temp: path.join(config.paths.temp, prefix) };
  const executor = new Executor({ registry, paths, log: config.log, cache: new OutputCache(config.cacheSize, { onDisposeError: (e) => config.log.warn(`disposing an evicted output failed: ${(e as Error).message}`) }) });
  const worker = new PromptWorker({
    names,
    name,
    executor,
    registry,
    paths,
    log: config.log,
    device: backend.name,
    outputPrefix: prefix,
    uploadOutputs: !args.flags.has('shared-output'),
    pngTextFor,
    timing: timingFromFlags(args),
  });
  await worker.start();
  process.stdout.write(`narflow worker ${name} ready on queue ${names.queue} (${names.url.replace(/\/\/[^@/]*@/, '//***@')}); backend: ${backend.name}; node types: ${registry.types().length}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  process.stdout.write(`narflow worker ${name}: shutting down (a running prompt goes back to the queue)\n`);
  await worker.close();
  return 0;
}

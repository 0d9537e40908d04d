// Shared body of `narflow serve` and `narflow start`: host + HTTP/socket.io server until a signal.
import { flag, numberFlag, type OptionSpec, type ParsedArgs } from './command';
import { createHost } from '../host/host';
import { startServer } from '../http/server';
import { prepareUi } from '../http/staticUi';
import { configFromFlags, HOST_FLAGS_HELP, HOST_OPTIONS, initDevice, REDIS_OPTIONS } from './hostFlags';
import { REDIS_SERVE_HELP, redisServeOptions } from '../worker/redisFlags';

export const SERVE_HELP = [
  '  --host ADDR       bind address (default 127.0.0.1; other addresses need --token)',
  '  --port N          port (default 8188; 0 picks a free one)',
  '  --token T         require this token (HTTP: Authorization: Bearer T; socket.io: auth {token})',
  '                    (or set NARFLOW_TOKEN)',
  '  --no-ui           do not build or serve the editor',
  ...HOST_FLAGS_HELP,
  'scale-out (docs/scale-out.md): without --redis, prompts queue in SQLite and run in this process',
  ...REDIS_SERVE_HELP,
].join('\n');

/** The options of `serve` and `start`, as SERVE_HELP lists them. */
export const SERVE_OPTIONS: OptionSpec = {
  values: ['host', 'port', 'token', ...HOST_OPTIONS, ...REDIS_OPTIONS, 'attempts'],
  booleans: ['no-ui', 'no-local-worker'],
};

export async function serveMain(args: ParsedArgs, defaults: { announceEditor: boolean }): Promise<number> {
  const bindHost = flag(args, 'host') ?? '127.0.0.1';
  const port = numberFlag(args, 'port', 8188);
  const token = flag(args, 'token') ?? process.env.NARFLOW_TOKEN ?? undefined;
  const redis = redisServeOptions(args);
  const backend = await initDevice(flag(args, 'device') ?? 'auto');
  const config = configFromFlags(args, backend);
  const ui = await prepareUi(config.root, args.flags.has('no-ui') ? 'none' : 'build', config.log);
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const parts = redis ? (require('../queue/redis/redisPromptQueue') as typeof import('../queue/redis/redisPromptQueue')).redisHostParts(redis) : {};
  const host = createHost(config, parts);
  for (const f of host.packReport.failed) config.log.warn(`node pack ${f.dir} not loaded: ${f.error}`);
  let server;
  try {
    server = await startServer(host, { host: bindHost, port, token, ui });
  } catch (e) {
    await host.close();
    process.stderr.write(`narflow: ${(e as Error).message}\n`);
    return 1;
  }
  const shownHost = bindHost === '0.0.0.0' || bindHost === '::' ? 'localhost' : server.url.replace(/^http:\/\/|:\d+$/g, '');
  const url = `http://${shownHost}:${server.port}/`;
  process.stdout.write(`narflow listening on ${url}${token ? ' (token required)' : ''}\n`);
  process.stdout.write(`backend: ${backend.name} (${backend.reason}); node types: ${host.registry.types().length}\n`);
  if (redis) process.stdout.write(`queue: Redis ${redis.url.replace(/\/\/[^@/]*@/, '//***@')} (${redis.queue ?? 'prompts'}); ${redis.localWorker ? 'prompts also run in this process' : 'prompts run on workers only'}\n`);
  if (defaults.announceEditor) process.stdout.write(ui.dir ? `open ${url}${token ? `?token=${encodeURIComponent(token)}` : ''} in a browser\n` : `${ui.reason}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.stdout.write('narflow: shutting down\n');
  await server.close();
  await host.close();
  return 0;
}

// Flags shared by `serve`, `start` and `run`: where data lives, which packs load, which device.
import { flag, ParsedArgs } from './command';
import { BackendSummary, consoleLogger, hostConfig, HostConfig } from '../host/hostConfig';

export const HOST_FLAGS_HELP = [
  '  --data-dir DIR    folder for output/, input/, user/ (default: the repository root)',
  '  --plugins DIR     extra folder of node packs (repeatable)',
  '  --packs a,b       load only these pack folders (default: all)',
  '  --models DIR      extra model root with <kind>/ folders (repeatable)',
  '  --device NAME     tensor backend: auto|cpu|webgpu|tfjs-node-gpu|tfjs-node|wasm|tfjs-cpu|none (default auto; docs/gpu.md)',
];

/** The value options behind HOST_FLAGS_HELP. */
export const HOST_OPTIONS = ['data-dir', 'plugins', 'packs', 'models', 'device'] as const;

/** The value options of REDIS_COMMON_HELP (server/worker/redisFlags.ts), shared by `serve` and `worker`. */
export const REDIS_OPTIONS = ['redis', 'queue', 'lock-ms', 'stall-ms', 'heartbeat-ms'] as const;

export function listFlag(args: ParsedArgs, name: string): string[] {
  return (args.flags.get(name) ?? []).flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
}

/** Initialises the tfjs backend unless --device none; returns what system_stats reports. */
export async function initDevice(device: string): Promise<BackendSummary> {
  if (device === 'none') return { name: 'none', reason: '--device none: no tensor backend initialised' };
  // Loaded lazily: tfjs is only needed by servers and runs that use tensor nodes.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { initBackend } = require('../../models/backend') as typeof import('../../models/backend');
  return initBackend(device as Parameters<typeof initBackend>[0]);
}

export function configFromFlags(args: ParsedArgs, backend?: BackendSummary, overrides: { dataDir?: string } = {}): HostConfig {
  const packs = listFlag(args, 'packs');
  return hostConfig({
    dataDir: overrides.dataDir ?? flag(args, 'data-dir'),
    plugins: args.flags.get('plugins') ?? [],
    packs: packs.length ? packs : undefined,
    modelRoots: args.flags.get('models') ?? [],
    backend,
    log: consoleLogger,
  });
}

// A scale-out farm for the tests: the Redis-backed server in this process (or as a child
// process) and `narflow worker` child processes, all on loopback, each with its own temp folders.
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createHost, Host } from '../../server/host/host';
import { hostConfig, silentLogger } from '../../server/host/hostConfig';
import { RunningServer, startServer } from '../../server/http/server';
import { RedisPromptQueue, RedisQueueOptions, redisHostParts } from '../../server/queue/redis/redisPromptQueue';
import type { WorkerTiming } from '../../server/worker/promptWorker';
import { pack as affinityPack } from './packs/affinity';

const BIN = path.resolve(__dirname, '../../bin/narflow.js');
export const PACKS_DIR = path.resolve(__dirname, 'packs');

/** Short intervals so that a dead worker's prompt comes back within a few seconds. */
export const TEST_TIMING: Partial<WorkerTiming> = { lockMs: 2000, stalledCheckMs: 500, heartbeatMs: 300 };

export function tempDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `narflow-${tag}-`));
}

export interface FarmServer {
  url: string;
  host: Host;
  queue: RedisPromptQueue;
  server: RunningServer;
  dataDir: string;
  close(): Promise<void>;
}

export async function startFarmServer(opts: Omit<RedisQueueOptions, 'timing'> & { dataDir?: string }): Promise<FarmServer> {
  const dataDir = opts.dataDir ?? tempDir('farm-server');
  const config = hostConfig({ dataDir, packs: ['core'], extraPacks: [affinityPack], log: silentLogger });
  const host = createHost(config, redisHostParts({ ...opts, timing: TEST_TIMING }));
  const server = await startServer(host, { port: 0, ui: { reason: 'not built in tests' } });
  const queue = host.queue as RedisPromptQueue;
  await queue.ready();
  return {
    url: server.url,
    host,
    queue,
    server,
    dataDir,
    async close() {
      await server.close();
      await host.close();
    },
  };
}

export interface ChildHandle {
  child: ChildProcess;
  name: string;
  output(): string;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
  alive(): boolean;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

function spawnUntil(args: string[], ready: RegExp, name: string): Promise<ChildHandle & { match: RegExpExecArray }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const handle: ChildHandle = {
    child,
    name,
    output: () => out,
    exited,
    alive,
    async stop(signal = 'SIGTERM') {
      if (alive()) child.kill(signal);
      await exited;
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start in 60 s:\n${out}`)), 60000);
    const check = () => {
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve({ ...handle, match: m });
      }
    };
    child.stdout!.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${name} exited early (${child.exitCode ?? child.signalCode}):\n${out}`));
    });
  });
}

const timingArgs = ['--lock-ms', String(TEST_TIMING.lockMs), '--stall-ms', String(TEST_TIMING.stalledCheckMs), '--heartbeat-ms', String(TEST_TIMING.heartbeatMs)];

/** `narflow worker` as a child process with its own data folder (outputs reach the server through Redis). */
export async function spawnWorker(redisUrl: string, name: string, extra: string[] = []): Promise<ChildHandle> {
  const args = ['worker', '--redis', redisUrl, '--name', name, '--device', 'none', '--packs', 'core,affinity', '--plugins', PACKS_DIR, '--data-dir', tempDir(`worker-${name}`), ...timingArgs, ...extra];
  return spawnUntil(args, /narflow worker \S+ ready/, `worker ${name}`);
}

/** `narflow serve --redis` as a child process; resolves with its URL. */
export async function spawnServer(redisUrl: string, dataDir: string, extra: string[] = []): Promise<ChildHandle & { url: string }> {
  const args = ['serve', '--redis', redisUrl, '--port', '0', '--device', 'none', '--no-ui', '--packs', 'core,affinity', '--plugins', PACKS_DIR, '--data-dir', dataDir, ...timingArgs, ...extra];
  const h = await spawnUntil(args, /listening on (http:\/\/[^/\s]+)\//, 'server');
  return { ...h, url: h.match[1] };
}

/** A prompt that needs the test model `name` (loaded once per worker, then cached). */
export function modelPrompt(name: string, seed: number, loadMs = 200) {
  return {
    '1': { class_type: 'TestModelLoader', inputs: { model_name: name, load_ms: loadMs } },
    '2': { class_type: 'TestModelRun', inputs: { model: ['1', 0], seed } },
  };
}

/** The worker that ran a history entry's last attempt (from its execution_start message). */
export function workerOf(entry: any): string | undefined {
  const starts = (entry.status.messages as [string, any][]).filter(([n]) => n === 'execution_start');
  return starts[starts.length - 1]?.[1].worker;
}

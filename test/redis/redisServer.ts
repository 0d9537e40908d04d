// Starts a throwaway redis-server for the tests: loopback only, a free port, a temp working folder,
// no persistence; stopped (and its folder removed) by stop(). Tests skip when redis-server is absent.
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

export interface TestRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** The redis-server binary (env REDIS_SERVER, else on PATH or /usr/bin), or undefined. */
export function redisServerBinary(): string | undefined {
  const candidates = [process.env.REDIS_SERVER, '/usr/bin/redis-server', '/usr/local/bin/redis-server'].filter((c): c is string => Boolean(c));
  for (const c of candidates) if (fs.existsSync(c)) return c;
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const p = found.stdout?.trim();
  return p ? p : undefined;
}

/** `describe` when redis-server exists, else `describe.skip` with the reason printed once. */
export function describeWithRedis(name: string, body: () => void): void {
  if (redisServerBinary()) describe(name, body);
  else {
    // eslint-disable-next-line no-console
    console.log(`skipping "${name}": redis-server is not installed (apt-get install redis-server, or set REDIS_SERVER)`);
    describe.skip(name, body);
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function startRedis(): Promise<TestRedis> {
  const bin = redisServerBinary();
  if (!bin) throw new Error('redis-server not found');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-redis-'));
  const port = await freePort();
  const child: ChildProcess = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start in 10 s:\n${log}`)), 10000);
    const onData = (d: Buffer) => {
      log += d;
      if (/Ready to accept connections/.test(log)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}:\n${log}`));
    });
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

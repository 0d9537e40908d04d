// Load test: N socket.io clients submit M prompts in all to one real server on loopback.
// Each client follows the next client's prompts (a client that did not submit them). Checks that
// every prompt completes, each client sees the full event sequence of the prompts it subscribed
// to, history holds all M; prints the server's memory before, at the peak and after settling.
//
//   npx tsx scripts/load-test.ts [--clients 10] [--prompts 50] [--steps 5] [--delay-ms 5] [--waves 3] [--url URL --token T]
// Later waves repeat the load on the same server: memory that settles stays level from wave to wave.
// Without --url it starts `narflow serve` as a child process on a free loopback port.
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { io as ioClient, Socket } from 'socket.io-client';
import { SOCKET_PATH } from '../server/api/protocol';

export interface LoadOptions {
  url: string;
  token?: string;
  clients: number;
  prompts: number;
  steps: number;
  delayMs: number;
  /** Wait before the last memory reading (default 3000 ms). */
  settleMs?: number;
  log?(line: string): void;
}

export interface LoadReport {
  prompts: string[];
  statuses: Record<string, string>;
  /** Per client: prompt ids whose full event sequence (start … success) it received. */
  seen: Record<string, string[]>;
  /** Per client: prompt ids it subscribed to (its own and the next client's). */
  expected: Record<string, string[]>;
  historyCount: number;
  /** Events delivered to a client for prompts it did not subscribe to. */
  strayEvents: number;
  memory: { label: string; rss: number; heapUsed: number }[];
  wallMs: number;
}

function loadPrompt(i: number, steps: number, delayMs: number) {
  return {
    '1': { class_type: 'ColorGradient', inputs: { width: 16, height: 16, color_a: `#${(i * 4999).toString(16).padStart(6, '0').slice(-6)}`, color_b: '#ffffff', direction: 'diagonal', noise: 0, seed: i } },
    '2': { class_type: 'SlowCounter', inputs: { steps, delay_ms: delayMs, preview_every: 1, image: ['1', 0] } },
    '3': { class_type: 'PreviewImage', inputs: { images: ['2', 1] } },
  };
}

async function http(opts: LoadOptions, route: string, body?: unknown): Promise<any> {
  const headers: Record<string, string> = body ? { 'content-type': 'application/json' } : {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const res = await fetch(opts.url + route, { method: body ? 'POST' : 'GET', headers, body: body ? JSON.stringify(body) : undefined });
  const json = await res.json();
  if (!res.ok) throw new Error(`${route}: HTTP ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function serverMemory(opts: LoadOptions, label: string) {
  const s = (await http(opts, '/api/system_stats')).system;
  return { label, rss: s.process_rss as number, heapUsed: s.process_heap_used as number };
}

function connect(opts: LoadOptions, clientId: string): Promise<Socket> {
  const socket = ioClient(opts.url, { path: SOCKET_PATH, transports: ['websocket'], reconnection: false, forceNew: true, auth: { client_id: clientId, ...(opts.token ? { token: opts.token } : {}) } });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

const SEQUENCE = ['execution_start', 'execution_cached', 'executing', 'progress', 'executed', 'execution_success'];

export async function runLoad(opts: LoadOptions): Promise<LoadReport> {
  const log = opts.log ?? (() => undefined);
  const t0 = Date.now();
  const memory = [await serverMemory(opts, 'before')];
  const ids = Array.from({ length: opts.clients }, (_, i) => `load-${i}-${t0}`);
  const sockets = await Promise.all(ids.map((id) => connect(opts, id)));
  const events = ids.map(() => new Map<string, string[]>());
  sockets.forEach((s, c) =>
    s.onAny((name: string, data: { prompt_id?: string }) => {
      if (name === 'status' || !data?.prompt_id) return;
      const list = events[c].get(data.prompt_id) ?? [];
      list.push(name);
      events[c].set(data.prompt_id, list);
    }),
  );
  // Each client follows the next client's prompts (acknowledged before anything is submitted).
  await Promise.all(sockets.map((s, c) => s.timeout(10000).emitWithAck('subscribe', { client_id: ids[(c + 1) % ids.length] })));

  const owner = new Map<string, number>();
  const submissions = Array.from({ length: opts.prompts }, (_, i) => i);
  await Promise.all(
    submissions.map(async (i) => {
      const c = i % opts.clients;
      const r = await http(opts, '/api/prompt', { prompt: loadPrompt(i, opts.steps, opts.delayMs), client_id: ids[c] });
      owner.set(r.prompt_id, c);
    }),
  );
  const promptIds = [...owner.keys()];
  log(`submitted ${promptIds.length} prompts from ${opts.clients} clients`);

  // the highest sample while the prompts run (at least one, taken right after submitting)
  let peak = await serverMemory(opts, 'peak');
  const statuses: Record<string, string> = {};
  const deadline = Date.now() + 10 * 60 * 1000;
  while (promptIds.some((id) => !statuses[id])) {
    if (Date.now() > deadline) throw new Error(`prompts did not finish in 10 minutes: ${promptIds.filter((id) => !statuses[id]).length} left`);
    await new Promise((r) => setTimeout(r, 200));
    const hist = await http(opts, '/api/history');
    for (const id of promptIds) if (hist[id]) statuses[id] = hist[id].status.status_str;
    const m = await serverMemory(opts, 'peak');
    if (m.rss > peak.rss) peak = m;
  }
  memory.push(peak, await serverMemory(opts, 'after'));
  // Socket events may trail the history write by a moment.
  const full = (c: number, id: string) => SEQUENCE.every((n) => events[c].get(id)?.includes(n));
  const expected: Record<string, string[]> = {};
  const seen: Record<string, string[]> = {};
  for (let t = 0; t < 50; t++) {
    let all = true;
    ids.forEach((cid, c) => {
      expected[cid] = promptIds.filter((id) => owner.get(id) === c || owner.get(id) === (c + 1) % ids.length);
      seen[cid] = expected[cid].filter((id) => full(c, id));
      if (seen[cid].length !== expected[cid].length) all = false;
    });
    if (all) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  let strayEvents = 0;
  ids.forEach((cid, c) => {
    for (const [id, list] of events[c]) if (!expected[cid].includes(id)) strayEvents += list.length;
  });
  sockets.forEach((s) => s.close());
  const historyCount = Object.keys(await http(opts, '/api/history')).filter((id) => owner.has(id)).length;
  const settle = opts.settleMs ?? 3000;
  await new Promise((r) => setTimeout(r, settle));
  memory.push(await serverMemory(opts, `settled (+${settle / 1000} s)`));
  return { prompts: promptIds, statuses, seen, expected, historyCount, strayEvents, memory, wallMs: Date.now() - t0 };
}

function startServerChild(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const bin = path.resolve(__dirname, '../bin/narflow.js');
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--device', 'none', '--no-ui', '--packs', 'core', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/[^/\s]+)\//.exec(out);
      if (m) resolve({ child, url: m[1] });
    });
    child.once('exit', (code) => reject(new Error(`server exited with code ${code}`)));
  });
}

const mb = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;

async function main(argv: string[]): Promise<number> {
  const get = (name: string, d: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] ? argv[i + 1] : d;
  };
  let child: ChildProcess | undefined;
  let url = get('url', '');
  if (!url) {
    const started = await startServerChild(fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-load-')));
    child = started.child;
    url = started.url;
  }
  try {
    let failed = false;
    const waves = Number(get('waves', '3'));
    for (let w = 1; w <= waves; w++) {
      process.stdout.write(`wave ${w}/${waves}\n`);
      if (!(await wave(url, get))) failed = true;
    }
    return failed ? 1 : 0;
  } finally {
    child?.kill('SIGTERM');
  }
}

async function wave(url: string, get: (name: string, d: string) => string): Promise<boolean> {
  {
    const r = await runLoad({
      url,
      token: get('token', '') || undefined,
      clients: Number(get('clients', '10')),
      prompts: Number(get('prompts', '50')),
      steps: Number(get('steps', '5')),
      delayMs: Number(get('delay-ms', '5')),
      log: (l) => process.stdout.write(l + '\n'),
    });
    const ok = Object.values(r.statuses).filter((s) => s === 'success').length;
    const seenAll = Object.keys(r.expected).every((c) => r.seen[c].length === r.expected[c].length);
    process.stdout.write(`server ${url}: ${r.prompts.length} prompts, ${ok} succeeded, history holds ${r.historyCount}, wall ${r.wallMs} ms\n`);
    for (const [c, list] of Object.entries(r.expected)) process.stdout.write(`  ${c}: saw the full events of ${r.seen[c].length}/${list.length} subscribed prompts\n`);
    process.stdout.write(`  events of unsubscribed prompts delivered: ${r.strayEvents}\n`);
    process.stdout.write('server memory:\n');
    for (const m of r.memory) process.stdout.write(`  ${m.label.padEnd(16)} rss ${mb(m.rss).padStart(10)}  heap ${mb(m.heapUsed).padStart(10)}\n`);
    return ok === r.prompts.length && r.historyCount === r.prompts.length && seenAll && r.strayEvents === 0;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err) => {
      process.stderr.write(`load-test: ${(err as Error).stack}\n`);
      process.exitCode = 1;
    },
  );
}

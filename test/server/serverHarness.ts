// Starts real listening servers (loopback, free port) over a temp data folder for the tests.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { io as ioClient, Socket } from 'socket.io-client';
import { SOCKET_PATH, SubscribeRequest } from '../../server/api/protocol';
import type { NodePack } from '../../server/engine/nodeApi';
import { createHost, Host } from '../../server/host/host';
import { hostConfig, silentLogger } from '../../server/host/hostConfig';
import { RunningServer, startServer } from '../../server/http/server';
import { Counts, makeTestPack } from '../engine/testPack';

export interface TestServer {
  url: string;
  host: Host;
  server: RunningServer;
  dataDir: string;
  counts: Counts;
  close(): Promise<void>;
}

export async function startTestServer(opts: { token?: string; dataDir?: string; port?: number; extraPacks?: NodePack[]; modelRoots?: string[] } = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-server-'));
  const counts: Counts = {};
  const config = hostConfig({ dataDir, packs: ['core'], extraPacks: opts.extraPacks ?? [makeTestPack(counts)], modelRoots: opts.modelRoots, log: silentLogger });
  const host = createHost(config);
  const server = await startServer(host, { port: opts.port ?? 0, token: opts.token, ui: { reason: 'not built in tests' } });
  return {
    url: server.url,
    host,
    server,
    dataDir,
    counts,
    async close() {
      await server.close();
      await host.close();
    },
  };
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function api<T = any>(url: string, route: string, init: { method?: string; body?: unknown; token?: string; raw?: BodyInit; headers?: Record<string, string> } = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let body: BodyInit | undefined = init.raw;
  if (init.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.body);
  }
  const res = await fetch(url + route, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

export interface RecordingSocket {
  socket: Socket;
  events: [string, any][];
  close(): void;
}

export function connect(url: string, opts: { token?: string; clientId?: string } = {}): Promise<RecordingSocket> {
  const socket = ioClient(url, { path: SOCKET_PATH, transports: ['websocket'], reconnection: false, forceNew: true, auth: { ...(opts.token ? { token: opts.token } : {}), ...(opts.clientId ? { client_id: opts.clientId } : {}) } });
  const events: [string, any][] = [];
  socket.onAny((name: string, data: unknown) => events.push([name, data]));
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve({ socket, events, close: () => socket.close() }));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

/** Subscribes and waits for the server's acknowledgement. */
export async function subscribe(s: RecordingSocket, req: SubscribeRequest): Promise<void> {
  const res = await s.socket.timeout(5000).emitWithAck('subscribe', req);
  if (!res?.ok) throw new Error(`subscribe ${JSON.stringify(req)} refused`);
}

export async function waitFor(pred: () => boolean | Promise<boolean>, what: string, ms = 20000): Promise<void> {
  const t0 = Date.now();
  while (!(await pred())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function waitForHistory(url: string, id: string, token?: string): Promise<any> {
  let entry: any;
  await waitFor(async () => {
    entry = (await api(url, `/api/history/${id}`, { token })).body[id];
    return Boolean(entry);
  }, `history of ${id}`);
  return entry;
}

/** A prompt that counts slowly (core SlowCounter) into a PreviewImage. */
export function slowPrompt(steps: number, delayMs: number, colour = '#112233') {
  return {
    '1': { class_type: 'ColorGradient', inputs: { width: 8, height: 8, color_a: colour, color_b: '#ffffff', direction: 'vertical', noise: 0, seed: 0 } },
    '2': { class_type: 'SlowCounter', inputs: { steps, delay_ms: delayMs, preview_every: 1, image: ['1', 0] } },
    '3': { class_type: 'PreviewImage', inputs: { images: ['2', 1] } },
  };
}

// Connections at once: socket.io and ComfyUI's /ws each take a bounded number of clients (a real
// server with a small limit); clients without the token cannot take the places.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { WebSocket } from 'ws';
import { createHost, type Host } from '../../server/host/host';
import { hostConfig, silentLogger } from '../../server/host/hostConfig';
import { startServer, type RunningServer } from '../../server/http/server';
import { connect, type RecordingSocket } from './serverHarness';

function openWs(url: string, token: string): Promise<{ ws?: WebSocket; refused?: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws?token=${token}`);
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ refused: `${res.statusCode} ${Buffer.concat(chunks).toString('utf8')}` }));
    });
    ws.once('error', (e) => resolve({ refused: `error ${e.message}` }));
  });
}

describe('connections at once', () => {
  let host: Host;
  let server: RunningServer;
  beforeAll(async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-sockets-'));
    host = createHost(hostConfig({ dataDir, packs: ['core'], log: silentLogger }));
    server = await startServer(host, { port: 0, token: 'T', maxSocketClients: 2, ui: { reason: 'not built in tests' } });
  });
  afterAll(async () => {
    await server.close();
    await host.close();
  });

  it('socket.io refuses a client past the limit, naming it, and takes one again when a place frees', async () => {
    const open: RecordingSocket[] = [];
    try {
      // refused clients (no token) take no place
      await expect(connect(server.url)).rejects.toThrow(/unauthorized/);
      open.push(await connect(server.url, { token: 'T' }), await connect(server.url, { token: 'T' }));
      await expect(connect(server.url, { token: 'T' })).rejects.toThrow('too many connections: this server takes 2 socket.io clients at once; close some tabs or clients');
      open.shift()!.close();
      await new Promise((r) => setTimeout(r, 100));
      open.push(await connect(server.url, { token: 'T' }));
      expect(open.every((s) => s.socket.connected)).toBe(true);
    } finally {
      for (const s of open) s.close();
    }
  });

  it('/ws answers 503 past the limit and takes a client again when one closes', async () => {
    const a = await openWs(server.url, 'T');
    const b = await openWs(server.url, 'T');
    try {
      expect(await openWs(server.url, 'wrong')).toEqual({ refused: '401 ' });
      expect(await openWs(server.url, 'T')).toEqual({ refused: '503 too many connections: this server takes 2 /ws clients at once' });
      a.ws!.close();
      await new Promise((r) => a.ws!.once('close', r));
      await new Promise((r) => setTimeout(r, 100));
      const c = await openWs(server.url, 'T');
      expect(c.ws).toBeDefined();
      c.ws!.close();
    } finally {
      a.ws?.close();
      b.ws?.close();
    }
  });
});

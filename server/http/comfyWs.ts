// ComfyUI's WebSocket protocol at /ws, so clients written for ComfyUI (scripts after its
// websockets_api_example, bots, comfy-cli) drive narflow unchanged: connect to
// `ws://host/ws?clientId=ID`, POST /prompt with that client_id, and receive that client's prompts'
// events as JSON text frames `{type, data}`; `executing` with `node: null` ends each prompt; previews
// come as binary frames (big-endian u32 event 1 = preview image, u32 format 1 = JPEG / 2 = PNG, then
// the image bytes); `status` goes to everyone. With a server token the upgrade needs `?token=` or
// `Authorization: Bearer`.
import { randomUUID } from 'crypto';
import type * as http from 'http';
import type { Duplex } from 'stream';
import { WebSocket, WebSocketServer } from 'ws';
import { PROMPT_END_EVENTS, type ExecutionEvent, type StatusPayload } from '../api/protocol';
import type { Logger } from '../engine/nodeApi';
import type { EventBus } from '../queue/eventBus';
import { bearerOf, tokenMatches } from './auth';
import { crossSiteRefusal } from './origin';
import { MAX_SOCKET_CLIENTS } from './socket';

export const COMFY_WS_PATH = '/ws';
/** Binary frame event types (ComfyUI's BinaryEventTypes). */
export const PREVIEW_IMAGE_EVENT = 1;
const IMAGE_FORMATS: Record<string, number> = { 'image/jpeg': 1, 'image/png': 2 };
/** Prompts whose owner is remembered until they end (a prompt deleted before running never ends). */
const MAX_TRACKED = 10_000;

export interface ComfyWsLayer {
  /** The prompt was queued by `clientId`: its events go to that client's /ws connections. */
  track(promptId: string, clientId: string): void;
  close(): Promise<void>;
}

export interface ComfyWsOptions {
  token?: string;
  /** /ws connections at once (default MAX_SOCKET_CLIENTS); more are refused with 503 until some close. */
  maxClients?: number;
  log: Logger;
  status(): Promise<StatusPayload>;
}

/** ComfyUI's status message. */
function statusMessage(s: StatusPayload, sid?: string): string {
  return JSON.stringify({ type: 'status', data: { status: { exec_info: { queue_remaining: s.queue_remaining } }, ...(sid ? { sid } : {}) } });
}

/** A preview data URL as ComfyUI's binary frame; null for a format ComfyUI has no code for. */
export function previewFrame(dataUrl: string): Buffer | null {
  const m = /^data:(image\/[a-z]+);base64,(.*)$/s.exec(dataUrl);
  const format = m ? IMAGE_FORMATS[m[1]] : undefined;
  if (!m || !format) return null;
  const head = Buffer.alloc(8);
  head.writeUInt32BE(PREVIEW_IMAGE_EVENT, 0);
  head.writeUInt32BE(format, 4);
  return Buffer.concat([head, Buffer.from(m[2], 'base64')]);
}

/** One execution event as the frames ComfyUI sends for it (text, and binary for a preview). */
export function comfyFrames(ev: ExecutionEvent): (string | Buffer)[] {
  const text = (type: string, data: unknown): string => JSON.stringify({ type, data });
  switch (ev.type) {
    case 'executing': {
      const { node, prompt_id } = ev.data;
      // the end of a prompt is announced after its end event, as ComfyUI does
      return node === null ? [] : [text('executing', { node, display_node: node, prompt_id })];
    }
    case 'progress': {
      const { value, max, prompt_id, node, preview } = ev.data;
      const frame = preview?.image ? previewFrame(preview.image) : null;
      return [text('progress', { value, max, prompt_id, node }), ...(frame ? [frame] : [])];
    }
    case 'executed': {
      const { node, output, prompt_id } = ev.data;
      return [text('executed', { node, display_node: node, output, prompt_id })];
    }
    case 'execution_success':
    case 'execution_error':
    case 'execution_interrupted':
      return [text(ev.type, ev.data), text('executing', { node: null, prompt_id: ev.data.prompt_id })];
    default:
      return [text(ev.type, ev.data)];
  }
}

function refuse(socket: Duplex, status: string, message = ''): void {
  const body = Buffer.from(message);
  const head = `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\n\r\n`;
  socket.end(Buffer.concat([Buffer.from(head), body]), () => socket.destroy());
}

export function attachComfyWs(server: http.Server, bus: EventBus, opts: ComfyWsOptions): ComfyWsLayer {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const clients = new Map<string, Set<WebSocket>>();
  const owners = new Map<string, string>();

  const send = (ws: WebSocket, frame: string | Buffer): void => {
    if (ws.readyState === WebSocket.OPEN) ws.send(frame);
  };

  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== COMFY_WS_PATH) return; // socket.io answers its own path
    const crossSite = crossSiteRefusal(req.headers, opts.token);
    if (crossSite) return refuse(socket, '403 Forbidden', crossSite);
    const given = url.searchParams.get('token') ?? bearerOf(req.headers.authorization);
    if (opts.token && !tokenMatches(opts.token, given)) return refuse(socket, '401 Unauthorized');
    const max = opts.maxClients ?? MAX_SOCKET_CLIENTS;
    if (wss.clients.size >= max) return refuse(socket, '503 Service Unavailable', `too many connections: this server takes ${max} /ws clients at once`);
    const asked = url.searchParams.get('clientId');
    const clientId = asked && asked.length <= 200 ? asked : randomUUID().replace(/-/g, '');
    wss.handleUpgrade(req, socket, head, (ws) => {
      let set = clients.get(clientId);
      if (!set) clients.set(clientId, (set = new Set()));
      set.add(ws);
      ws.on('close', () => {
        set!.delete(ws);
        if (!set!.size) clients.delete(clientId);
      });
      ws.on('error', (e) => opts.log.warn(`/ws client ${clientId}: ${e.message}`));
      opts.status().then(
        (s) => send(ws, statusMessage(s, clientId)),
        (e: Error) => opts.log.warn(`status for a /ws client failed: ${e.message}`),
      );
    });
  };
  server.on('upgrade', onUpgrade);

  const unsubscribe = bus.subscribe((ev) => {
    if (ev.type === 'status') {
      const frame = statusMessage(ev.data);
      for (const set of clients.values()) for (const ws of set) send(ws, frame);
      return;
    }
    const owner = owners.get(ev.data.prompt_id);
    if (owner === undefined) return;
    if (PROMPT_END_EVENTS.has(ev.type)) owners.delete(ev.data.prompt_id);
    const sockets = clients.get(owner);
    if (!sockets) return;
    for (const frame of comfyFrames(ev)) for (const ws of sockets) send(ws, frame);
  });

  return {
    track(promptId, clientId) {
      owners.set(promptId, clientId);
      if (owners.size > MAX_TRACKED) owners.delete(owners.keys().next().value as string);
    },
    close: () =>
      new Promise<void>((resolve) => {
        unsubscribe();
        server.off('upgrade', onUpgrade);
        for (const set of clients.values()) for (const ws of set) ws.terminate();
        wss.close(() => resolve());
      }),
  };
}

// socket.io: relays the event bus to clients. Execution events go to the sockets subscribed to
// their prompt (or to every prompt); queue status goes to everyone.
import type * as http from 'http';
import { Server, Socket } from 'socket.io';
import { ClientToServerEvents, PROMPT_END_EVENTS, ServerToClientEvents, SOCKET_PATH, StatusPayload } from '../api/protocol';
import type { Logger } from '../engine/nodeApi';
import type { EventBus } from '../queue/eventBus';
import { tokenMatches } from './auth';
import { crossSiteRefusal } from './origin';

const ALL_ROOM = 'all';
const promptRoom = (id: string) => `prompt:${id}`;
const clientRoom = (id: string) => `client:${id}`;
const followRoom = (id: string) => `follow:${id}`;

export interface SocketLayer {
  io: Server<ClientToServerEvents, ServerToClientEvents>;
  /** Subscribes every socket of a client id, and every socket following that client, to a prompt. */
  subscribeClient(promptId: string, clientId: string): void;
  close(): Promise<void>;
}

/** socket.io clients connected at once by default (each editor tab is one). */
export const MAX_SOCKET_CLIENTS = 1000;

export interface SocketOptions {
  token?: string;
  /** Clients connected at once (default MAX_SOCKET_CLIENTS); more are refused until some leave. */
  maxClients?: number;
  log: Logger;
  status(): Promise<StatusPayload>;
}

function clientIdOf(socket: Socket): string {
  const a = socket.handshake.auth as { client_id?: unknown };
  const q = socket.handshake.query.clientId;
  if (typeof a?.client_id === 'string' && a.client_id) return a.client_id;
  if (typeof q === 'string' && q) return q;
  return socket.id;
}

const okId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 200;

/** The room a subscribe/unsubscribe request names, or undefined for a malformed request. */
function subscriptionRoom(req: unknown): string | undefined {
  if (typeof req !== 'object' || req === null) return undefined;
  const r = req as { all?: unknown; prompt_id?: unknown; client_id?: unknown };
  if (r.all === true) return ALL_ROOM;
  if (okId(r.prompt_id)) return promptRoom(r.prompt_id);
  if (okId(r.client_id)) return followRoom(r.client_id);
  return undefined;
}

export function attachSocket(server: http.Server, bus: EventBus, opts: SocketOptions): SocketLayer {
  const io = new Server<ClientToServerEvents, ServerToClientEvents>(server, {
    path: SOCKET_PATH,
    serveClient: false,
    maxHttpBufferSize: 64 * 1024,
    // a connection that does not present its token (socket.io's CONNECT) soon is closed
    connectTimeout: 10_000,
    // without a token, a page of another site must not connect (WebSockets are not bound by CORS)
    allowRequest: (req, done) => {
      const why = crossSiteRefusal(req.headers, opts.token);
      done(why ?? null, !why);
    },
  });
  const maxClients = opts.maxClients ?? MAX_SOCKET_CLIENTS;
  io.use((socket, next) => {
    if (opts.token && !tokenMatches(opts.token, (socket.handshake.auth as { token?: unknown })?.token)) {
      return next(new Error('unauthorized: wrong or missing token (socket.io auth: {token})'));
    }
    // counted once authorised, so clients without the token cannot take the places
    if (io.of('/').sockets.size >= maxClients) return next(new Error(`too many connections: this server takes ${maxClients} socket.io clients at once; close some tabs or clients`));
    next();
  });

  io.on('connection', (socket) => {
    socket.join(clientRoom(clientIdOf(socket)));
    socket.on('subscribe', (req, ack) => {
      const room = subscriptionRoom(req);
      if (room) socket.join(room);
      if (typeof ack === 'function') ack({ ok: Boolean(room) });
    });
    socket.on('unsubscribe', (req, ack) => {
      const room = subscriptionRoom(req);
      if (room) socket.leave(room);
      if (typeof ack === 'function') ack({ ok: Boolean(room) });
    });
    opts.status().then(
      (st) => socket.emit('status', st),
      (err) => opts.log.warn(`status for a new client failed: ${(err as Error).message}`),
    );
  });

  const unsubscribe = bus.subscribe((ev) => {
    if (ev.type === 'status') {
      io.emit('status', ev.data);
      return;
    }
    const room = promptRoom(ev.data.prompt_id);
    (io.to([room, ALL_ROOM]).emit as (name: string, data: unknown) => boolean)(ev.type, ev.data);
    if (PROMPT_END_EVENTS.has(ev.type)) io.in(room).socketsLeave(room);
  });

  return {
    io,
    subscribeClient: (promptId, clientId) => io.in([clientRoom(clientId), followRoom(clientId)]).socketsJoin(promptRoom(promptId)),
    close: () =>
      new Promise<void>((resolve) => {
        unsubscribe();
        io.close(() => resolve());
      }),
  };
}

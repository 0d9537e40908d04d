// socket.io connection to the server: the editor's prompts are subscribed through `client_id`
// (the socket id) when queued, and by prompt id again after a reconnect; queue status is
// broadcast to everyone.
import { io, type Socket } from 'socket.io-client';
import {
  EXECUTION_EVENTS,
  SOCKET_PATH,
  type ClientToServerEvents,
  type ExecutionEvent,
  type ServerToClientEvents,
  type StatusPayload,
} from '../../../server/api/protocol';

export type EditorSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface EventHandlers {
  onExecutionEvent(event: ExecutionEvent): void;
  onStatus(status: StatusPayload): void;
  onConnectionChange(connected: boolean): void;
  /** Connected again after a drop: the new socket has none of the old one's subscriptions. */
  onReconnect(): void;
}

export function connectEvents(handlers: EventHandlers, token: string | null): EditorSocket {
  const socket: EditorSocket = io({ path: SOCKET_PATH, auth: token ? { token } : {}, transports: ['websocket', 'polling'] });
  let connectedBefore = false;
  socket.on('connect', () => {
    handlers.onConnectionChange(true);
    if (connectedBefore) handlers.onReconnect();
    connectedBefore = true;
  });
  socket.on('disconnect', () => handlers.onConnectionChange(false));
  socket.on('status', (s) => handlers.onStatus(s));
  for (const name of EXECUTION_EVENTS) {
    // Each listener re-tags its payload, so the union stays exact without casts per event.
    socket.on(name, ((data: unknown) => handlers.onExecutionEvent({ type: name, data } as ExecutionEvent)) as never);
  }
  return socket;
}

/** Subscribe to a prompt's events (the server already subscribes the submitting socket; this is idempotent).
 *  `onSubscribed` runs once the server has recorded it. */
export function subscribePrompt(socket: EditorSocket, promptId: string, onSubscribed?: () => void): void {
  if (onSubscribed) socket.emit('subscribe', { prompt_id: promptId }, () => onSubscribed());
  else socket.emit('subscribe', { prompt_id: promptId });
}

/** Receive every prompt's execution events (the queue panel's progress), or stop. */
export function followAllPrompts(socket: EditorSocket, on: boolean): void {
  socket.emit(on ? 'subscribe' : 'unsubscribe', { all: true });
}

// One bus for everything a client may see: execution events (each carrying prompt_id) and queue
// status. Whatever runs prompts (an in-process worker now, remote workers through Redis later)
// publishes here; the socket.io layer relays from here to subscribers.
import type { ExecutionEvent, StatusPayload } from '../api/protocol';

export type BusEvent = ExecutionEvent | { type: 'status'; data: StatusPayload };
export type BusListener = (event: BusEvent) => void;

export interface EventBus {
  publish(event: BusEvent): void;
  /** Returns the unsubscribe function. */
  subscribe(listener: BusListener): () => void;
}

/** In-process bus; a listener that throws is logged and does not stop the others. */
export class LocalEventBus implements EventBus {
  private readonly listeners = new Set<BusListener>();

  constructor(private readonly onListenerError: (err: unknown) => void = () => undefined) {}

  publish(event: BusEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  subscribe(listener: BusListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

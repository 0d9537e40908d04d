// Server side of the events channel: every worker's execution events are relayed onto the
// server's EventBus (and so to socket.io subscribers), in arrival order. Before an `executed`
// event goes out, the files it names are stored in the server's folders.
import type { Redis } from 'ioredis';
import { EXECUTION_EVENTS, ExecutionEvent } from '../../api/protocol';
import type { Logger } from '../../engine/nodeApi';
import type { EventBus } from '../eventBus';
import type { RedisNames } from './names';
import type { OutputReceiver } from './outputFiles';

const KNOWN = new Set<string>(EXECUTION_EVENTS);

/** The event in a wire message, or a reason it is malformed. */
export function parseWireEvent(message: string): { event: ExecutionEvent; worker: string } | { error: string } {
  let wire: unknown;
  try {
    wire = JSON.parse(message);
  } catch {
    return { error: 'not JSON' };
  }
  const w = wire as { worker?: unknown; event?: { type?: unknown; data?: { prompt_id?: unknown } } };
  if (typeof w?.event?.type !== 'string' || !KNOWN.has(w.event.type)) return { error: `unknown event type ${JSON.stringify(w?.event?.type)}` };
  if (typeof w.event.data?.prompt_id !== 'string') return { error: 'event without a prompt_id' };
  return { event: w.event as ExecutionEvent, worker: typeof w.worker === 'string' ? w.worker : '?' };
}

export class EventRelay {
  private chain: Promise<void> = Promise.resolve();
  private ready: Promise<void> | undefined;

  constructor(
    private readonly sub: Redis,
    private readonly names: RedisNames,
    private readonly bus: EventBus,
    private readonly files: OutputReceiver,
    private readonly log: Logger,
  ) {}

  /** Subscribes (once); resolves when the subscription is in place. */
  start(): Promise<void> {
    this.ready ??= (async () => {
      this.sub.on('message', (_channel: string, message: string) => this.onMessage(message));
      await this.sub.subscribe(this.names.events);
    })();
    return this.ready;
  }

  /** Resolves when every event received so far has been relayed. */
  drain(): Promise<void> {
    return this.chain;
  }

  private onMessage(message: string): void {
    const parsed = parseWireEvent(message);
    if ('error' in parsed) return void this.log.warn(`event from a worker dropped: ${parsed.error}`);
    const ev = parsed.event;
    this.chain = this.chain.then(async () => {
      if (ev.type === 'executed') {
        await this.files.receive(ev.data.prompt_id).catch((e: Error) => this.log.error(`outputs of prompt ${ev.data.prompt_id} not stored: ${e.message}`));
      }
      this.bus.publish(ev);
    });
  }
}

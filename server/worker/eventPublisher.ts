// Publishes a worker's execution events to the server over Redis pub/sub, in order: previews over
// the size limit are dropped, and an `executed` event goes out only after its files are uploaded
// or renamed into the server's view (so the server can serve them by the time a client hears of them).
import type { Redis } from 'ioredis';
import type { ExecutionEvent } from '../api/protocol';
import type { Logger, UiResult } from '../engine/nodeApi';

/** What travels on the events channel. */
export interface WireEvent {
  worker: string;
  event: ExecutionEvent;
}

/** Previews above this many characters (the data URL) are dropped from progress events. */
export const DEFAULT_MAX_PREVIEW_CHARS = 256 * 1024;

/** The event without a preview over the limit. */
export function limitPreview(ev: ExecutionEvent, maxChars: number): ExecutionEvent {
  if (ev.type !== 'progress' || !ev.data.preview || ev.data.preview.image.length <= maxChars) return ev;
  const { preview: _dropped, ...rest } = ev.data;
  return { type: 'progress', data: rest };
}

export class EventPublisher {
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly redis: Redis,
    private readonly channel: string,
    private readonly worker: string,
    private readonly log: Logger,
    /** Makes an `executed` result's files servable by the server (upload, or just rename); returns the new result. */
    private readonly placeOutputs: (promptId: string, ui: UiResult) => Promise<UiResult>,
    private readonly maxPreviewChars = DEFAULT_MAX_PREVIEW_CHARS,
  ) {}

  /** Queues an event; `executed` outputs are rewritten through `onOutput` for the history record. */
  emit(ev: ExecutionEvent, onOutput?: (node: string, ui: UiResult) => void): void {
    this.chain = this.chain.then(async () => {
      try {
        let out = limitPreview(ev, this.maxPreviewChars);
        if (out.type === 'executed') {
          const ui = await this.placeOutputs(out.data.prompt_id, out.data.output);
          out = { type: 'executed', data: { ...out.data, output: ui } };
          onOutput?.(out.data.node, ui);
        }
        const wire: WireEvent = { worker: this.worker, event: out };
        await this.redis.publish(this.channel, JSON.stringify(wire));
      } catch (e) {
        this.log.error(`event ${ev.type} of prompt ${ev.data.prompt_id} not published: ${(e as Error).message}`);
      }
    });
  }

  /** Resolves when every queued event has been published. */
  flush(): Promise<void> {
    return this.chain;
  }
}

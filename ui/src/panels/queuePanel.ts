// The queue and history side panel: the running prompt (Stop), pending prompts in run order
// (Load, Delete, Clear), and finished prompts newest first with their status, time, duration,
// error, output thumbnails (Load restores the workflow that ran, Delete, Clear). It re-reads
// /api/queue and /api/history on every queue status broadcast while it is open, so prompts from
// other tabs, the CLI and remote workers show too; while open it follows every prompt's events to
// show the running node and its progress.
import type { EditorWorkflow, ExecutionEvent, HistoryResponse, QueueResponse } from '../../../server/api/protocol';
import { formatDuration, formatFinished } from '../format';
import { historyRows, nextLive, queueRows, type HistoryRow, type ImageRef, type LiveProgress, type QueueRow } from './queueModel';

export interface QueuePanelClient {
  queue(): Promise<QueueResponse>;
  editQueue(edit: { delete?: string[]; clear?: boolean }): Promise<unknown>;
  historyList(maxItems: number): Promise<HistoryResponse>;
  deleteHistory(edit: { delete?: string[]; clear?: boolean }): Promise<unknown>;
  interrupt(promptId?: string): Promise<unknown>;
  viewUrl(ref: ImageRef): string;
}

export interface QueuePanelDeps {
  client: QueuePanelClient;
  /** Puts a stored workflow on the canvas. */
  load(workflow: EditorWorkflow, name: string): void;
  notify(message: string, kind?: 'info' | 'error'): void;
  /** Receive (or stop receiving) the execution events of every prompt, for the running one's progress. */
  followAll(on: boolean): void;
}

/** History entries listed (the server keeps more; /api/history has them all). */
export const HISTORY_SHOWN = 50;
const THUMBNAILS_PER_ENTRY = 4;
const OPEN_KEY = 'narflow-queue-panel-open';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function actionButton(label: string, action: string, title: string, disabled = false): HTMLButtonElement {
  const b = el('button', 'qp-action', label);
  b.dataset.action = action;
  b.title = title;
  b.disabled = disabled;
  return b;
}

export class QueuePanel {
  private readonly root: HTMLElement;
  private readonly queueList: HTMLElement;
  private readonly historyList: HTMLElement;
  private readonly queueCount: HTMLElement;
  private readonly historyCount: HTMLElement;
  private timer: number | null = null;
  /** Answers of an older refresh that arrive after a newer one are dropped. */
  private generation = 0;
  private rows: { queue: QueueRow[]; history: HistoryRow[] } = { queue: [], history: [] };
  /** Live progress of each running prompt (several run at once with remote workers). */
  private readonly live = new Map<string, LiveProgress>();

  constructor(
    root: HTMLElement,
    private readonly toggleButton: HTMLButtonElement,
    private readonly d: QueuePanelDeps,
  ) {
    this.root = root;
    root.replaceChildren();
    const queueHead = el('div', 'qp-head');
    this.queueCount = el('span', 'qp-title', 'Queue');
    queueHead.append(this.queueCount, actionButton('Clear', 'clear-queue', 'Remove every pending prompt (the running one keeps running)'));
    this.queueList = el('ul', 'qp-list qp-queue');
    const historyHead = el('div', 'qp-head');
    this.historyCount = el('span', 'qp-title', 'History');
    historyHead.append(this.historyCount, actionButton('Clear', 'clear-history', 'Forget every finished prompt (output files stay)'));
    this.historyList = el('ul', 'qp-list qp-history');
    root.append(queueHead, this.queueList, historyHead, this.historyList);
    root.addEventListener('click', (e) => void this.onClick(e));
    toggleButton.addEventListener('click', () => this.setOpen(!this.isOpen()));
    this.showOpen(localStorage.getItem(OPEN_KEY) === 'true'); // events are followed once connected
  }

  isOpen(): boolean {
    return !this.root.hidden;
  }

  setOpen(open: boolean): void {
    this.showOpen(open);
    localStorage.setItem(OPEN_KEY, String(open));
    this.d.followAll(open);
  }

  private showOpen(open: boolean): void {
    this.root.hidden = !open;
    this.toggleButton.classList.toggle('active', open);
    this.toggleButton.setAttribute('aria-pressed', String(open));
    if (open) void this.refresh();
  }

  /** Connected (first time or again): a new socket follows nothing yet. */
  onConnect(): void {
    if (this.isOpen()) this.d.followAll(true);
  }

  /** Any prompt's execution event: moves the running row's node and progress bar. */
  onExecutionEvent(ev: ExecutionEvent): void {
    const id = ev.data.prompt_id;
    const before = this.live.get(id) ?? null;
    const after = nextLive(before, ev);
    if (after === before) return;
    if (after) this.live.set(id, after);
    else this.live.delete(id);
    if (this.live.size > 64) this.live.delete(this.live.keys().next().value as string); // ends never heard
    if (this.isOpen()) this.renderLive();
  }

  private renderLive(): void {
    for (const li of Array.from(this.queueList.querySelectorAll<HTMLElement>('.qp-item.running'))) {
      const row = this.rows.queue.find((r) => r.id === li.dataset.promptId);
      const live = this.live.get(li.dataset.promptId ?? '') ?? null;
      const box = li.querySelector<HTMLElement>('.qp-progress');
      if (!row || !box) continue;
      const label = box.querySelector('.qp-node') as HTMLElement;
      const fill = box.querySelector('.qp-bar-fill') as HTMLElement;
      const node = live?.node ? (row.nodeLabels[live.node] ?? live.node) : live ? 'starting' : '';
      label.textContent = live && live.max > 0 ? `${node} · ${live.value}/${live.max}` : node;
      fill.style.width = `${live && live.max > 0 ? Math.min(100, (100 * live.value) / live.max) : 0}%`;
    }
  }

  /** A queue status broadcast arrived: re-read soon (several broadcasts in a burst read once). */
  onStatus(): void {
    if (!this.isOpen()) return;
    if (this.timer !== null) window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => {
      this.timer = null;
      void this.refresh();
    }, 120);
  }

  /** Re-reads queue and history; resolves once rendered (or superseded by a newer refresh). */
  refresh(): Promise<void> {
    const gen = ++this.generation;
    return (async () => {
      try {
        const [queue, history] = await Promise.all([this.d.client.queue(), this.d.client.historyList(HISTORY_SHOWN)]);
        if (gen !== this.generation) return;
        this.rows = { queue: queueRows(queue), history: historyRows(history) };
        this.render();
      } catch (e) {
        if (gen === this.generation) this.d.notify(`Reading the queue failed: ${e instanceof Error ? e.message : String(e)}`, 'error');
      }
    })();
  }

  private render(): void {
    const { queue, history } = this.rows;
    const pending = queue.filter((r) => r.state === 'pending').length;
    this.queueCount.textContent = `Queue · ${queue.length - pending} running · ${pending} pending`;
    this.historyCount.textContent = `History · ${history.length}`;
    this.queueList.replaceChildren(...(queue.length ? queue.map((r) => this.queueItem(r)) : [el('li', 'qp-empty', 'Nothing queued')]));
    this.historyList.replaceChildren(...(history.length ? history.map((r) => this.historyItem(r)) : [el('li', 'qp-empty', 'No finished prompts')]));
    this.renderLive();
  }

  private queueItem(r: QueueRow): HTMLElement {
    const li = el('li', `qp-item ${r.state}`);
    li.dataset.promptId = r.id;
    const line = el('div', 'qp-line');
    line.append(el('span', `qp-badge ${r.state}`, r.state), el('code', 'qp-id', r.short), el('span', 'qp-meta', `#${r.number} · ${r.nodeCount} nodes`));
    li.append(line);
    if (r.state === 'running') {
      const progress = el('div', 'qp-progress');
      const bar = el('div', 'qp-bar');
      bar.append(el('div', 'qp-bar-fill'));
      progress.append(el('span', 'qp-node'), bar);
      li.append(progress);
    }
    const actions = el('div', 'qp-actions');
    actions.append(actionButton('Load', 'load', 'Open this prompt’s workflow in the editor', !r.workflow));
    actions.append(r.state === 'running' ? actionButton('Stop', 'stop', 'Interrupt this prompt') : actionButton('Delete', 'delete', 'Remove from the queue'));
    li.append(actions);
    return li;
  }

  private historyItem(r: HistoryRow): HTMLElement {
    const li = el('li', `qp-item ${r.status}`);
    li.dataset.promptId = r.id;
    const line = el('div', 'qp-line');
    line.append(
      el('span', `qp-badge ${r.status}`, r.status),
      el('code', 'qp-id', r.short),
      el('span', 'qp-meta', `${formatFinished(r.finishedAt)}${r.durationMs === null ? '' : ` · ${formatDuration(r.durationMs)}`}`),
    );
    li.append(line);
    if (r.error) li.append(el('div', 'qp-error', r.error));
    if (r.images.length) {
      const thumbs = el('div', 'qp-thumbs');
      for (const img of r.images.slice(0, THUMBNAILS_PER_ENTRY)) {
        const a = el('a');
        a.href = this.d.client.viewUrl(img);
        a.target = '_blank';
        a.rel = 'noopener';
        a.title = img.subfolder ? `${img.subfolder}/${img.filename}` : img.filename;
        const image = el('img', 'qp-thumb');
        image.loading = 'lazy';
        image.alt = img.filename;
        image.src = a.href;
        a.append(image);
        thumbs.append(a);
      }
      if (r.images.length > THUMBNAILS_PER_ENTRY) thumbs.append(el('span', 'qp-more', `+${r.images.length - THUMBNAILS_PER_ENTRY}`));
      li.append(thumbs);
    }
    if (r.texts.length) {
      const text = r.texts.join(' · ');
      const div = el('div', 'qp-text', text);
      div.title = text; // two lines shown, all of it on hover
      li.append(div);
    }
    const actions = el('div', 'qp-actions');
    actions.append(actionButton('Load', 'load', 'Open the workflow that ran in the editor', !r.workflow), actionButton('Delete', 'delete', 'Forget this entry (output files stay)'));
    li.append(actions);
    return li;
  }

  private async onClick(e: MouseEvent): Promise<void> {
    const button = (e.target as HTMLElement).closest('button[data-action]') as HTMLButtonElement | null;
    if (!button || button.disabled) return;
    const id = (button.closest('[data-prompt-id]') as HTMLElement | null)?.dataset.promptId;
    const inHistory = !!button.closest('.qp-history');
    try {
      switch (button.dataset.action) {
        case 'clear-queue':
          await this.d.client.editQueue({ clear: true });
          break;
        case 'clear-history':
          // the history is the record of what ran: the first click asks, a second one within 4 s clears
          if (!button.classList.contains('armed')) {
            const label = button.textContent;
            button.classList.add('armed');
            button.textContent = `Clear all ${this.rows.history.length}?`;
            window.setTimeout(() => {
              button.classList.remove('armed');
              button.textContent = label;
            }, 4000);
            return;
          }
          await this.d.client.deleteHistory({ clear: true });
          break;
        case 'stop':
          if (id) await this.d.client.interrupt(id);
          break;
        case 'delete':
          if (id && inHistory) await this.d.client.deleteHistory({ delete: [id] });
          else if (id) await this.d.client.editQueue({ delete: [id] });
          break;
        case 'load': {
          const row = inHistory ? this.rows.history.find((r) => r.id === id) : this.rows.queue.find((r) => r.id === id);
          if (row?.workflow) {
            this.d.load(row.workflow, `prompt-${row.short}`);
            this.d.notify(`Opened the workflow of prompt ${row.short}`);
          }
          return;
        }
        default:
          return;
      }
    } catch (err) {
      this.d.notify(`${button.textContent} failed: ${err instanceof Error ? err.message : String(err)}`, 'error');
    }
    await this.refresh();
  }
}

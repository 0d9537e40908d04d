// Auto-queue (ComfyUI's "Queue (Change)"): with it on, every change to the graph queues the
// workflow again — once this tab's prompts have ended, and once for all the changes made while they
// ran. The seeds a Queue itself moves on are not changes that queue again.

export interface AutoQueueDeps {
  /** Queues the workflow (one prompt). */
  queue(): Promise<unknown>;
  /** Whether a prompt queued by this tab has not ended yet. */
  busy(): boolean;
}

export class AutoQueue {
  private on = false;
  /** a change came while a prompt of ours was unfinished */
  private owed = false;

  constructor(private readonly d: AutoQueueDeps) {}

  get enabled(): boolean {
    return this.on;
  }

  /** Turns it on (queueing at once, as the graph may have changed since the last run) or off. */
  set enabled(value: boolean) {
    this.on = value;
    this.owed = false;
    if (value) this.changed();
  }

  /** The graph changed (an edit, an undo; not the seeds a Queue moved on). */
  changed(): void {
    if (!this.on) return;
    if (this.d.busy()) {
      this.owed = true;
      return;
    }
    void this.d.queue();
  }

  /** Something about this tab's prompts changed: when the last has ended, run what is owed. */
  promptsChanged(): void {
    if (!this.on || !this.owed || this.d.busy()) return;
    this.owed = false;
    void this.d.queue();
  }
}

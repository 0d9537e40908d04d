// The footer status line (connection, backend and why it was chosen, queue, last run) and the toast.
import type { StatusPayload, SystemStatsResponse } from '../../../server/api/protocol';
import type { RunPhase } from '../execution/runState';
import { backendSummary } from '../format';

function byId(id: string): HTMLElement {
  const e = document.getElementById(id);
  if (!e) throw new Error(`editor page is missing the element #${id}`);
  return e;
}

export class StatusLine {
  private readonly connection = byId('status-connection');
  private readonly backend = byId('status-backend');
  private readonly queue = byId('status-queue');
  private readonly run = byId('status-run');

  setConnected(connected: boolean): void {
    this.connection.classList.toggle('connected', connected);
    this.connection.title = connected ? 'connected to the server' : 'not connected';
  }

  setStats(stats: SystemStatsResponse): void {
    const { name, reason } = stats.backend;
    this.backend.textContent = backendSummary(stats.backend);
    // the line says what runs; the tooltip says why (what auto tried, and why each GPU path failed)
    this.backend.title = `backend: ${name}${reason ? ` (${reason})` : ''}\n${stats.system.os}, Node ${stats.system.node_version}, narflow ${stats.system.narflow_version}`;
  }

  setStatsError(message: string): void {
    this.backend.textContent = `backend: unknown (${message})`;
  }

  setQueue(status: StatusPayload): void {
    this.queue.textContent = `queue: ${status.queue_remaining}${status.running ? ' · running' : ''}`;
  }

  setRun(phase: RunPhase, message: string): void {
    this.run.textContent = message;
    this.run.title = message;
    this.run.className = phase;
  }
}

export class Toast {
  private readonly el = byId('toast');
  private timer: number | null = null;

  show(message: string, kind: 'info' | 'error' = 'info', ms = 5000): void {
    this.el.textContent = message;
    this.el.className = `visible ${kind}`;
    if (this.timer !== null) window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => (this.el.className = ''), ms);
  }
}

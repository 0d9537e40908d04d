// Terminal progress for `narflow run`: one bar redrawn in place on a TTY, sparse lines otherwise.
import type { ExecutionEvent } from '../api/protocol';
import type { ApiWorkflow } from '../engine/workflow/schema';

export function bar(value: number, max: number, width = 24): string {
  const f = max > 0 ? Math.max(0, Math.min(1, value / max)) : 0;
  const n = Math.round(f * width);
  return `[${'#'.repeat(n)}${'.'.repeat(width - n)}] ${String(Math.round(f * 100)).padStart(3)}%`;
}

export class ProgressDisplay {
  private lastLine = '';
  private lastPrint = 0;

  constructor(
    private readonly prompt: ApiWorkflow,
    private readonly out: NodeJS.WriteStream,
  ) {}

  private label(node: string): string {
    const n = this.prompt[node];
    return n ? `${node} ${n._meta?.title ?? n.class_type}` : node;
  }

  private write(line: string, final: boolean): void {
    if (this.out.isTTY) {
      this.out.write(`\r\x1b[2K${line}${final ? '\n' : ''}`);
    } else if (final || Date.now() - this.lastPrint > 1000) {
      this.out.write(line + '\n');
      this.lastPrint = Date.now();
    }
    this.lastLine = final ? '' : line;
  }

  handle(ev: ExecutionEvent): void {
    switch (ev.type) {
      case 'execution_cached':
        if (ev.data.nodes.length) this.write(`cached: ${ev.data.nodes.map((n) => this.label(n)).join(', ')}`, true);
        break;
      case 'executing':
        if (ev.data.node) this.write(`${this.label(ev.data.node)} ...`, !this.out.isTTY);
        break;
      case 'progress':
        this.write(`${this.label(ev.data.node)} ${bar(ev.data.value, ev.data.max)} ${ev.data.value}/${ev.data.max}`, false);
        break;
      case 'executed':
        this.write(`${this.label(ev.data.node)} done`, true);
        break;
      default:
        if (this.lastLine) this.write(this.lastLine, true);
    }
  }
}

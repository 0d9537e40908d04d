// The path above the canvas while a subgraph is open: "Workflow › Outer › Inner", each part a
// button back out to that level. Hidden on the workflow's own graph.
import type { SubgraphStep } from '../editor/canvasEditor';

export class SubgraphBreadcrumb {
  constructor(
    private readonly root: HTMLElement,
    private readonly leave: (depth: number) => void,
  ) {}

  show(path: readonly SubgraphStep[]): void {
    this.root.replaceChildren();
    this.root.hidden = path.length === 0;
    const levels = ['Workflow', ...path.map((s) => s.title)];
    levels.forEach((title, depth) => {
      if (depth) this.root.append(Object.assign(document.createElement('span'), { className: 'sep', textContent: '›' }));
      const here = depth === path.length;
      const button = Object.assign(document.createElement('button'), { textContent: title, disabled: here });
      button.dataset.depth = String(depth);
      if (here) button.setAttribute('aria-current', 'page');
      else button.title = depth ? `Back to ${title}` : 'Back to the workflow (Esc goes up one level)';
      button.addEventListener('click', () => this.leave(depth));
      this.root.append(button);
    });
  }
}

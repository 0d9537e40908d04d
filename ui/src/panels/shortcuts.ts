// The keyboard shortcuts dialog: "?" (or the toolbar's ? button) opens it, Esc or a click outside
// closes it. The list is the one place the editor's shortcuts are written down.
export const SHORTCUTS: readonly [string, string][] = [
  ['Ctrl+Enter', 'Queue the workflow (Shift: in front of everything waiting)'],
  ['Ctrl+Z / Ctrl+Y, Ctrl+Shift+Z', 'Undo / redo'],
  ['Ctrl+S / Ctrl+O', 'Save the workflow as JSON / open a JSON (editor or API form) or a PNG made by narflow'],
  ['Ctrl+Shift+S, Shift+click Save', 'Save the API form ({id: {class_type, inputs}}), what POST /api/prompt and scripts take'],
  ['Ctrl+M', 'Mute the selected nodes (left out of the prompt); again to restore'],
  ['Ctrl+B', 'Bypass the selected nodes (inputs pass to outputs of the same type); again to restore'],
  ['Ctrl+A, Ctrl+C, Ctrl+V, Delete', 'Select all, copy, paste, delete nodes'],
  ['Ctrl+Shift+E, Subgraph button', 'Make the selected nodes a subgraph (one node, wired as they were); ↗ on its title opens it'],
  ['Esc', 'Back out of an opened subgraph (or click the path above the canvas)'],
  ['R', 'Refresh the model and file lists (and check again for the files a workflow needs)'],
  ['I', 'Show or hide the node ids above the nodes (#4, #12:3 inside a subgraph): what --set, --only and the API name them by'],
  ['.', 'Fit the view to the selected nodes, or to all of them'],
  ['Double-click the canvas', 'Search for a node to add'],
  ['Click a cell of a NAR sampler preview', 'Make it the seed position'],
  ['Right-click an output node', 'Queue selected output nodes: only they, and what they need, run; on a node showing an image, Open image or Copy image to a new Load Image'],
  ['Drop or paste a picture', 'It goes into the Load Image it lands on (pasted: the selected one), else a new Load Image; a dropped GIF or animated PNG goes into a Load Video the same way'],
  ['?', 'This list'],
];

export class ShortcutsDialog {
  private readonly root: HTMLElement;

  constructor(host: HTMLElement) {
    this.root = document.createElement('div');
    this.root.id = 'shortcuts';
    this.root.hidden = true;
    this.root.setAttribute('role', 'dialog');
    this.root.setAttribute('aria-label', 'keyboard shortcuts');
    const box = document.createElement('div');
    box.className = 'shortcuts-box';
    const title = document.createElement('h2');
    title.textContent = 'Keyboard shortcuts';
    const table = document.createElement('table');
    for (const [keys, what] of SHORTCUTS) {
      const tr = document.createElement('tr');
      const k = document.createElement('td');
      k.className = 'keys';
      k.textContent = keys;
      const w = document.createElement('td');
      w.textContent = what;
      tr.append(k, w);
      table.append(tr);
    }
    box.append(title, table);
    this.root.append(box);
    this.root.addEventListener('click', (e) => {
      if (e.target === this.root) this.close();
    });
    host.append(this.root);
  }

  get isOpen(): boolean {
    return !this.root.hidden;
  }

  open(): void {
    this.root.hidden = false;
  }

  close(): void {
    this.root.hidden = true;
  }

  toggle(): void {
    if (this.isOpen) this.close();
    else this.open();
  }
}

// The "missing files" notice: a workflow just opened names files this server lacks (a checkpoint
// shared by name, a picture from someone else's input folder). It lists each with the folder it
// goes in and, where the workflow says (ComfyUI's `models` lists), a download link; Check again
// re-reads the file lists. It floats at the top right and leaves the canvas usable: the graph can
// still be edited, and Queue names the same files until they are there.
import type { MissingFile } from '../../../server/engine/workflow/missingFiles';

export class MissingFilesPanel {
  private readonly root: HTMLElement;
  private readonly list: HTMLElement;
  private readonly heading: HTMLElement;
  private shown: MissingFile[] = [];

  /** `recheck`: Check again; `showNode`: a row's node was clicked (its execution id). */
  constructor(
    host: HTMLElement,
    private readonly recheck: () => void,
    private readonly showNode: (nodeId: string) => void = () => undefined,
  ) {
    this.root = document.createElement('div');
    this.root.id = 'missing-files';
    this.root.hidden = true;
    this.root.setAttribute('role', 'dialog'); // not modal: the canvas stays usable
    this.root.setAttribute('aria-modal', 'false');
    this.root.setAttribute('aria-label', 'missing files');
    this.heading = document.createElement('h2');
    const hint = document.createElement('p');
    hint.textContent = 'Put each file in its folder on the server, then Check again (or press R). Until then Queue refuses the nodes that load them.';
    this.list = document.createElement('ul');
    const buttons = document.createElement('div');
    buttons.className = 'missing-buttons';
    const again = document.createElement('button');
    again.id = 'missing-files-recheck';
    again.textContent = 'Check again';
    again.addEventListener('click', () => this.recheck());
    const close = document.createElement('button');
    close.id = 'missing-files-close';
    close.textContent = 'Close';
    close.addEventListener('click', () => this.close());
    buttons.append(again, close);
    this.root.append(this.heading, hint, this.list, buttons);
    host.append(this.root);
  }

  get isOpen(): boolean {
    return !this.root.hidden;
  }

  /** What the panel lists now (empty when closed). */
  get files(): readonly MissingFile[] {
    return this.isOpen ? this.shown : [];
  }

  show(files: MissingFile[]): void {
    this.shown = files;
    const n = new Set(files.map((f) => `${f.folder}${f.value}`)).size;
    this.heading.textContent = n === 1 ? 'This workflow needs a file the server does not have' : `This workflow needs ${n} files the server does not have`;
    this.list.replaceChildren(...files.map((f) => row(f, this.showNode)));
    this.root.hidden = false;
  }

  close(): void {
    this.root.hidden = true;
    this.shown = [];
  }
}

function row(f: MissingFile, showNode: (nodeId: string) => void): HTMLElement {
  const li = document.createElement('li');
  const file = document.createElement('code');
  file.textContent = `${f.folder}${f.value}`;
  // the node that loads it: a click shows it on the canvas
  const where = document.createElement('button');
  where.type = 'button';
  where.className = 'missing-node';
  where.title = 'Show this node';
  where.textContent = `#${f.nodeId} ${f.title} · ${f.input}`;
  where.addEventListener('click', () => showNode(f.nodeId));
  li.append(file, where);
  if (f.url) {
    const a = document.createElement('a');
    a.href = f.url; // http(s) only (missingFiles drops anything else)
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    // a link to the file itself downloads it; one to a page (a model collection) says where to get it
    a.textContent = linksFile(f.url, f.value) ? 'download' : 'where to get it';
    a.title = f.url;
    li.append(a);
  }
  return li;
}

/** Whether `url` names the file `value` itself (its last path segment is the file's name). */
export function linksFile(url: string, value: string): boolean {
  const name = value.slice(value.lastIndexOf('/') + 1);
  try {
    const last = new URL(url).pathname.split('/').pop() ?? '';
    return decodeURIComponent(last) === name;
  } catch {
    return false;
  }
}

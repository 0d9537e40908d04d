// Wires the toolbar's buttons and selects (declared in index.html) to the editor's actions.
import { clampBatch, DELETE_PREFIX, type App } from '../editor/app';
import type { CanvasEditor } from '../editor/canvasEditor';
import type { AutoQueue } from '../editor/autoQueue';
import type { ChangeTracker } from '../editor/changeTracker';
import { pickFile } from '../workflow/files';
import { ShortcutsDialog } from './shortcuts';

function get<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`editor page is missing the element #${id}`);
  return e as T;
}

/** Keys typed into a field (the name box, litegraph's value prompt) belong to that field. */
function typingInField(target: EventTarget | null): boolean {
  const e = target as HTMLElement | null;
  return !!e && (e.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(e.tagName));
}

/** localStorage key of the node-id toggle ('no': hidden). */
export const SHOW_IDS_KEY = 'narflow.showNodeIds';

/** Whether node ids are shown: yes unless hidden with I before (storage refused: yes). */
export function readShowIds(): boolean {
  try {
    return localStorage.getItem(SHOW_IDS_KEY) !== 'no';
  } catch {
    return true;
  }
}

/**
 * One line while everything fits (the name and the lists shrink first), two when it does not: a
 * wrapping flex line breaks before anything shrinks, so the wrap is switched on only when the one
 * line overflows.
 */
export function fitToolbar(bar: HTMLElement): void {
  bar.classList.remove('wrapped');
  if (bar.scrollWidth > bar.clientWidth + 1) bar.classList.add('wrapped');
}

export function bindToolbar(app: App, editor: CanvasEditor, changes: ChangeTracker, autoQueue: AutoQueue): void {
  const bar = get<HTMLElement>('toolbar');
  new ResizeObserver(() => fitToolbar(bar)).observe(document.body);
  fitToolbar(bar);
  const undoButton = get<HTMLButtonElement>('undo-button');
  const redoButton = get<HTMLButtonElement>('redo-button');
  const syncUndo = (): void => {
    undoButton.disabled = !changes.canUndo;
    redoButton.disabled = !changes.canRedo;
  };
  changes.onStacksChanged = syncUndo;
  syncUndo();
  undoButton.addEventListener('click', () => changes.undo());
  redoButton.addEventListener('click', () => changes.redo());
  // After every gesture (drops from the palette included), see whether the graph changed: litegraph
  // has no change events of its own.
  const checkSoon = (): void => void window.setTimeout(() => changes.check(), 0);
  for (const type of ['pointerup', 'keyup', 'click', 'drop']) window.addEventListener(type, checkSoon, true);

  const queueButton = get<HTMLButtonElement>('queue-button');
  // Shift+click (or Ctrl+Shift+Enter) queues in front of everything already waiting.
  queueButton.addEventListener('click', (e) => void app.queue({ front: e.shiftKey }));
  const batch = get<HTMLInputElement>('batch-count');
  // typed and not yet left (Ctrl+Enter straight from the box) counts too: 'input' as well as 'change'
  batch.addEventListener('input', () => {
    if (batch.value !== '') app.batchCount = clampBatch(Number(batch.value));
  });
  batch.addEventListener('change', () => {
    app.batchCount = clampBatch(Number(batch.value));
    batch.value = String(app.batchCount);
  });
  const auto = get<HTMLInputElement>('auto-queue');
  auto.addEventListener('change', () => (autoQueue.enabled = auto.checked));
  get('interrupt-button').addEventListener('click', () => void app.interrupt());
  get('new-button').addEventListener('click', () => app.newWorkflow());
  get('save-file').addEventListener('click', (e) => (e.shiftKey ? void app.saveApiFile() : app.saveFile()));
  const fileInput = get<HTMLInputElement>('open-file-input');
  const openFile = async (): Promise<void> => {
    const file = await pickFile(fileInput);
    if (file) await app.openFile(file);
  };
  get('open-file').addEventListener('click', () => void openFile());
  const nameInput = get<HTMLInputElement>('workflow-name');
  nameInput.addEventListener('change', () => app.rename(nameInput.value));
  get('save-server').addEventListener('click', () => void app.saveServer(nameInput.value));
  const serverSelect = get<HTMLSelectElement>('server-workflows');
  serverSelect.addEventListener('focus', () => void app.refreshServerList());
  serverSelect.addEventListener('change', () => {
    const value = serverSelect.value;
    serverSelect.selectedIndex = 0;
    if (value.startsWith(DELETE_PREFIX)) void app.deleteServer(value.slice(DELETE_PREFIX.length));
    else if (value) void app.loadServer(value);
  });
  const templates = get<HTMLSelectElement>('templates');
  templates.addEventListener('change', () => {
    if (templates.value) void app.loadTemplate(templates.value);
    templates.selectedIndex = 0;
  });
  get('group-button').addEventListener('click', () => editor.groupSelection());
  const makeSubgraph = (): void => {
    if (editor.subgraphSelection()) changes.check();
    else app.notify('Select the nodes to put in a subgraph first');
  };
  get('subgraph-button').addEventListener('click', makeSubgraph);
  // Ctrl+Shift+E: the selection becomes a subgraph (as in ComfyUI); Escape (not typing) goes back out of an opened one
  window.addEventListener('keydown', (e) => {
    if (typingInField(e.target) || shortcuts.isOpen) return;
    if ((e.ctrlKey || e.metaKey) && e.shiftKey && e.key.toLowerCase() === 'e') {
      e.preventDefault();
      makeSubgraph();
    } else if (e.key === 'Escape' && editor.path.length) editor.leave(editor.path.length - 1);
  });
  get('refresh-button').addEventListener('click', () => void app.refreshLists());
  const shortcuts = new ShortcutsDialog(document.body);
  get('shortcuts-button').addEventListener('click', () => shortcuts.toggle());
  window.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && shortcuts.isOpen) shortcuts.close();
    else if (e.key === '?' && !e.ctrlKey && !e.metaKey && !typingInField(e.target)) shortcuts.toggle();
  });
  /** A key pressed alone (no Ctrl, Meta or Alt) outside text fields runs `action`. */
  const onPlainKey = (key: string, action: () => void): void =>
    window.addEventListener('keydown', (e) => {
      if (e.key.toLowerCase() !== key || e.ctrlKey || e.metaKey || e.altKey || typingInField(e.target)) return;
      e.preventDefault();
      action();
    });
  // ".": fit the view to the selected nodes, or to all of them, as in ComfyUI
  onPlainKey('.', () => editor.fitView(editor.selectedNodes()));
  // a picture pasted outside text fields goes into a Load Image node (ComfyUI's paste)
  document.addEventListener('paste', (e) => {
    const file = Array.from(e.clipboardData?.files ?? []).find((f) => f.type.startsWith('image/'));
    if (!file || typingInField(e.target)) return;
    e.preventDefault();
    void app.pastePicture(file);
  });
  // I: show or hide the node ids (kept for the next visit)
  onPlainKey('i', () => {
    editor.showIds = !editor.showIds;
    try {
      localStorage.setItem(SHOW_IDS_KEY, editor.showIds ? 'yes' : 'no');
    } catch {
      // storage refused: the choice lasts for this page
    }
    editor.redraw();
  });
  // R: refresh the file lists, as in ComfyUI
  onPlainKey('r', () => void app.refreshLists());
  window.addEventListener('keydown', (e) => {
    if (!(e.ctrlKey || e.metaKey)) return;
    if (e.key === 'Enter') {
      e.preventDefault();
      void app.queue({ front: e.shiftKey });
      return;
    }
    const key = e.key.toLowerCase();
    if (key === 's' || key === 'o') {
      e.preventDefault(); // the browser's own "save page" / "open file"
      if (key === 's' && e.shiftKey) void app.saveApiFile();
      else if (key === 's') app.saveFile();
      else void openFile();
      return;
    }
    if (typingInField(e.target)) return;
    if ((key === 'm' || key === 'b') && !e.shiftKey) {
      e.preventDefault();
      if (editor.toggleSelectedMode(key === 'm' ? 2 : 4)) changes.check();
      return;
    }
    if (key === 'z' && !e.shiftKey) {
      e.preventDefault();
      changes.undo();
    } else if (key === 'y' || (key === 'z' && e.shiftKey)) {
      e.preventDefault();
      changes.redo();
    }
  });
}

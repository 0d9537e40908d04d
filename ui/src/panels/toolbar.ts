// Wires the toolbar's buttons and selects (declared in index.html) to the editor's actions.
import { clampBatch, type App } from '../editor/app';
import type { CanvasEditor } from '../editor/canvasEditor';
import { pickFile } from '../workflow/files';

function get<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`editor page is missing the element #${id}`);
  return e as T;
}

export function bindToolbar(app: App, editor: CanvasEditor): void {
  const queueButton = get<HTMLButtonElement>('queue-button');
  // Shift+click (or Ctrl+Shift+Enter) queues in front of everything already waiting.
  queueButton.addEventListener('click', (e) => void app.queue({ front: e.shiftKey }));
  const batch = get<HTMLInputElement>('batch-count');
  batch.addEventListener('change', () => {
    app.batchCount = clampBatch(Number(batch.value));
    batch.value = String(app.batchCount);
  });
  get('interrupt-button').addEventListener('click', () => void app.interrupt());
  get('new-button').addEventListener('click', () => app.newWorkflow());
  get('save-file').addEventListener('click', () => app.saveFile());
  const fileInput = get<HTMLInputElement>('open-file-input');
  get('open-file').addEventListener('click', async () => {
    const file = await pickFile(fileInput);
    if (file) await app.openFile(file);
  });
  const nameInput = get<HTMLInputElement>('workflow-name');
  nameInput.addEventListener('change', () => (app.workflowName = nameInput.value.trim() || 'untitled'));
  get('save-server').addEventListener('click', () => void app.saveServer(nameInput.value));
  const serverSelect = get<HTMLSelectElement>('server-workflows');
  serverSelect.addEventListener('focus', () => void app.refreshServerList());
  serverSelect.addEventListener('change', () => {
    if (serverSelect.value) void app.loadServer(serverSelect.value);
    serverSelect.selectedIndex = 0;
  });
  const templates = get<HTMLSelectElement>('templates');
  templates.addEventListener('change', () => {
    if (templates.value) void app.loadTemplate(templates.value);
    templates.selectedIndex = 0;
  });
  get('group-button').addEventListener('click', () => editor.groupSelection());
  window.addEventListener('keydown', (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') {
      e.preventDefault();
      void app.queue({ front: e.shiftKey });
    }
  });
}

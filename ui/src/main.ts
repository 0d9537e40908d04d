// Editor entry point: loads the node definitions, registers the node types, builds the palette
// and canvas, connects to the server's events and opens the default workflow.
import type { LGraphNode } from '@comfyorg/litegraph';
import { ApiClient } from './api/client';
import { connectEvents, followAllPrompts } from './api/events';
import { App } from './editor/app';
import { AutoQueue } from './editor/autoQueue';
import { CanvasEditor } from './editor/canvasEditor';
import { ChangeTracker, readSavedGraph, writeSavedGraph } from './editor/changeTracker';
import { RunState } from './execution/runState';
import { EDITOR_ONLY_SPECS, registerEditorOnlyNodes } from './graph/editorOnlyNodes';
import { ImageCache } from './graph/imageCache';
import { drawNodeState, seedCellAt, seedPickerOf } from './graph/nodeDrawing';
import { chosenInputFile, registerNodeTypes } from './graph/nodeTypes';
import { createPalette, modelLibrary } from './panels/palette';
import { MaskEditor } from './panels/maskEditor';
import { MissingFilesPanel } from './panels/missingFiles';
import { QueuePanel } from './panels/queuePanel';
import { StatusLine, Toast } from './panels/statusLine';
import { SubgraphBreadcrumb } from './panels/subgraphBreadcrumb';
import { bindToolbar, readShowIds } from './panels/toolbar';
import { editorForm } from '../../server/engine/workflow/editorForm';
import { tabTitle } from './format';

/**
 * A server token given once as `?token=` is kept for this tab, and taken out of the address bar
 * (so it stays out of the browser's history, bookmarks and shared screenshots).
 */
function readToken(): string | null {
  const params = new URLSearchParams(location.search);
  const fromUrl = params.get('token');
  if (fromUrl) {
    sessionStorage.setItem('narflow-token', fromUrl);
    params.delete('token');
    const rest = params.toString();
    history.replaceState(history.state, '', `${location.pathname}${rest ? `?${rest}` : ''}${location.hash}`);
  }
  return fromUrl ?? sessionStorage.getItem('narflow-token');
}

function element(id: string): HTMLElement {
  const e = document.getElementById(id);
  if (!e) throw new Error(`editor page is missing the element #${id}`);
  return e;
}

async function start(): Promise<void> {
  const token = readToken();
  const client = new ApiClient('', token);
  const status = new StatusLine();
  const toast = new Toast();
  // The callbacks below run only after `editor` and `app` exist (events, draws, clicks).
  const redraw = (): void => editor.redraw();
  // auto-queue reads the run state and queues through the app, both made below
  const autoQueue = new AutoQueue({ queue: () => app.queue({ count: 1 }), busy: () => runState.unfinishedPrompts().length > 0 });
  let queueRemaining = 0;
  let workflowName = 'untitled';
  const showTitle = (): void => {
    const running = runState.phase === 'running' || runState.phase === 'queued';
    document.title = tabTitle(workflowName, { running, progress: runState.runningProgress(), queued: queueRemaining });
  };
  const runState = new RunState(() => {
    status.setRun(runState.phase, runState.lastMessage);
    showTitle();
    autoQueue.promptsChanged();
    redraw();
  });
  const images = new ImageCache(redraw);
  const inputPicture = (node: LGraphNode): { url: string; filename: string } | undefined => {
    const name = chosenInputFile(node);
    return name ? { url: app.inputUrl(name), filename: name } : undefined;
  };
  // a node inside an opened subgraph runs as "instance:…:node"; an instance shows what ran inside it
  const drawState = (node: LGraphNode, ctx: CanvasRenderingContext2D): void =>
    drawNodeState(ctx, node, runState.summary(editor.executionId(node)), { images, viewUrl: (r) => client.viewUrl(r), inputImage: inputPicture, idLabel: (n) => (editor.showIds ? editor.executionId(n) : null) });
  const info = await client.objectInfo();
  const specs = registerNodeTypes(info, {
    drawForeground: (node, ctx) => drawState(node, ctx),
    uploadInto: (node, combo) => void app.uploadInto(node, combo),
    editMask: (node, combo) => void app.editMask(node, combo),
    queueOutputs: (node) => void app.queueOutputs(node),
    imageMenu: (node) => app.imageMenu(node),
    click: (node, pos) => app.pickSeed(node, seedCellAt(node, pos)),
  });
  registerEditorOnlyNodes();
  const breadcrumb = new SubgraphBreadcrumb(element('subgraph-path'), (depth) => editor.leave(depth));
  const editor = new CanvasEditor(element('canvas-container'), {
    onFileDrop: (file, pos) => void app.openFile(file, pos),
    onGraphShown: (path) => breadcrumb.show(path),
    drawNode: drawState,
    prepare: (wf) => editorForm(wf, info),
  });
  const queuePanel = new QueuePanel(element('queue-panel'), element('queue-panel-button') as HTMLButtonElement, {
    client,
    load: (workflow, name) => app.loadWorkflow(workflow, name),
    notify: (message, kind) => toast.show(message, kind ?? 'info', kind === 'error' ? 8000 : 4000),
    followAll: (on) => followAllPrompts(socket, on),
  });
  const socket = connectEvents(
    {
      onExecutionEvent: (e) => {
        runState.handle(e);
        queuePanel.onExecutionEvent(e);
      },
      onStatus: (s) => {
        status.setQueue(s);
        queueRemaining = s.queue_remaining;
        showTitle();
        queuePanel.onStatus();
      },
      onConnectionChange: (c) => {
        status.setConnected(c);
        if (c) queuePanel.onConnect();
      },
      onReconnect: () => app.resync(),
    },
    token,
  );
  const uploadInput = element('upload-input') as HTMLInputElement;
  let storageWarned = false;
  // while the tab reopens its graph nothing has changed: the browser's copy (what a new tab opens,
  // the graph changed last in any tab) is left as it is
  let reopening = true;
  const changes = new ChangeTracker({
    serialize: () => editor.serialize(),
    name: (): string => app.workflowName,
    restore: (wf, name): void => {
      editor.load(wf, { keepView: true });
      if (name !== undefined) app.showName(name);
    },
    persist: (workflow): void => {
      // this tab's copy (a reload of this tab) and the browser's (a new tab starts from the last graph)
      const name: string = app.workflowName;
      const graph = { name, workflow, revision: app.revisionOf(name) as number | undefined };
      const kept = writeSavedGraph(sessionStorage, graph);
      if (!((!reopening && writeSavedGraph(localStorage, graph)) || kept) && !storageWarned) {
        storageWarned = true;
        toast.show('This browser refused to keep a copy of the graph (storage full or disabled): save it before closing the tab.', 'error', 10000);
      }
    },
  });
  const maskEditor = new MaskEditor(document.body);
  const missingFilesPanel = new MissingFilesPanel(
    document.body,
    () => void app.refreshLists(),
    (nodeId) => void editor.showExecutionNode(nodeId),
  );
  const app = new App({ client, editor, runState, socket, status, toast, uploadInput, changes, maskEditor, missingFiles: missingFilesPanel, onNameChange: (name) => {
      workflowName = name;
      showTitle();
    },
  });
  const palette = createPalette(
    element('palette'),
    [...specs, ...EDITOR_ONLY_SPECS],
    (type) => {
      editor.addNode(type);
      changes.check();
    },
    modelLibrary(info),
    // a model file double-clicked in the library: its loader, with the file chosen
    (m, file) => {
      editor.addNode(m.type, undefined, { [m.input]: file });
      changes.check();
    },
  );
  app.onLists = (lists) => palette.setModels(modelLibrary(lists));
  changes.onGraphChanged = (cause) => {
    if (cause !== 'queue') autoQueue.changed();
  };
  editor.showIds = readShowIds();
  bindToolbar(app, editor, changes, autoQueue);

  // read once: the Templates list, and the name of the default workflow a new tab opens
  const templates = app.refreshTemplates();
  // A tab reopens the graph it showed last (kept on every change), a new tab the browser's last
  // graph; a new browser opens the default.
  const saved = readSavedGraph(sessionStorage) ?? readSavedGraph(localStorage);
  let opened = false;
  if (saved) {
    try {
      app.rememberRevision(saved.name, saved.revision);
      app.loadWorkflow(saved.workflow, saved.name);
      opened = true;
    } catch (e) {
      toast.show(`The graph this tab kept could not be opened (${e instanceof Error ? e.message : e}); opening the default`, 'error', 8000);
    }
  }
  if (!opened) {
    try {
      // named as the template it is (what Templates… opens it as, and what Save to server keeps)
      const [workflow, name] = await Promise.all([client.defaultWorkflow(), templates]);
      app.loadWorkflow(workflow, name ?? 'default');
    } catch (e) {
      toast.show(`No default workflow: ${e instanceof Error ? e.message : e}`, 'error');
    }
  }
  reopening = false;
  await Promise.all([app.refreshStats(), templates]);
  // A handle for debugging in the console and for the browser test.
  Object.assign(window, { narflow: { app, autoQueue, changes, client, editor, runState, socket, queuePanel, seedPickerOf, maskEditor, missingFilesPanel } });
  document.body.dataset.ready = 'true';
}

start().catch((e: unknown) => {
  const message = e instanceof Error ? e.message : String(e);
  document.body.dataset.ready = 'error';
  const toast = document.getElementById('toast');
  if (toast) {
    toast.textContent = `The editor could not start: ${message}`;
    toast.className = 'visible error';
  }
  console.error(e);
});

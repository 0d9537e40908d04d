// The editor's actions: queue / interrupt, save and open workflow files, save and load named
// workflows on the server (with the revision check), templates, dropped files.
import type { LGraphNode } from '@comfyorg/litegraph';
import { comboOptions, type EditorWorkflow, type NodeErrors, type ObjectInfoResponse } from '../../../server/api/protocol';
import { editorToApi } from '../../../server/engine/workflow/convert';
import { missingFiles, type MissingFile } from '../../../server/engine/workflow/missingFiles';
import { ApiError, type ApiClient } from '../api/client';
import { subscribePrompt, type EditorSocket } from '../api/events';
import type { RunState } from '../execution/runState';
import { isOutputNode, takesInputImage, uploadAccept } from '../graph/nodeTypes';
import { applySeedControls } from '../graph/widgets';
import type { StatusLine, Toast } from '../panels/statusLine';
import { maskFileName } from '../panels/maskPaint';
import { downloadJson, droppedKind, pickFile, readWorkflowFile } from '../workflow/files';
import { readPngText, withPngText } from '../workflow/pngText';
import type { CanvasEditor } from './canvasEditor';

export interface AppDeps {
  client: ApiClient;
  editor: CanvasEditor;
  runState: RunState;
  socket: EditorSocket;
  status: StatusLine;
  toast: Toast;
  /** The hidden file input used for image uploads. */
  uploadInput: HTMLInputElement;
  /** Paints masks over input pictures. */
  maskEditor: { open(url: string, name: string, sourceUrl?: string): Promise<Blob | null> };
  /** Undo steps and the tab's saved copy of the graph. */
  changes: { check(cause?: 'edit' | 'queue'): boolean; persistCurrent(): void };
  /** Told the workflow's new name (the tab's title shows it). */
  onNameChange?: (name: string) => void;
  /** Lists the files an opened workflow names that the server lacks. */
  missingFiles?: { show(files: MissingFile[]): void; close(): void; readonly isOpen: boolean };
}

/** Value prefix of the "Load from server" list's delete entries. */
export const DELETE_PREFIX = 'delete:';

/** The node a dropped or pasted picture (or a dropped video) goes into, and the file list it is selected in. */
const MEDIA_NODES = { picture: { type: 'LoadImage', combo: 'image' }, video: { type: 'LoadVideo', combo: 'video' } } as const;
type Media = keyof typeof MEDIA_NODES;

/** Whether a node loads files of the input folder of this kind: its file list has an upload button (and, for pictures, a mask editor). */
function loadsMedia(node: LGraphNode, media: Media): boolean {
  if (media === 'picture') return takesInputImage(node);
  return !!node.widgets?.some((w) => w.name === 'upload') && !!node.widgets?.some((w) => w.name === MEDIA_NODES.video.combo);
}

/** Where the mask editor saves masked copies, inside the input folder. */
export const MASK_FOLDER = 'masks';
/** PNG text key of a masked copy: the input file it was made from (URI-encoded). */
export const MASK_SOURCE_KEY = 'narflow-mask-source';

/** The picture a masked copy was made from, as its PNG text says (undefined: none, or not a PNG: a JPEG or WebP is its own source). */
async function maskSourceOf(picture: Blob): Promise<string | undefined> {
  try {
    const text = await readPngText(new Uint8Array(await picture.arrayBuffer()));
    return text[MASK_SOURCE_KEY] ? decodeURIComponent(text[MASK_SOURCE_KEY]) : undefined;
  } catch {
    return undefined;
  }
}

/** The most prompts one press of Queue adds. */
export const MAX_BATCH = 64;

/** A batch count from the toolbar: an integer in 1..MAX_BATCH (anything else counts as 1). */
export function clampBatch(n: number): number {
  return Number.isFinite(n) ? Math.min(MAX_BATCH, Math.max(1, Math.floor(n))) : 1;
}

/** The first few validation problems, one line each ("node 3 (Scale Image): width above max: 9000 > 8192"). */
export function problemLines(nodeErrors: Record<string, NodeErrors>, max = 4): string[] {
  const lines = Object.entries(nodeErrors).flatMap(([id, n]) =>
    n.errors.map((e) => `node ${id} (${n.class_type}): ${e.message}${e.details && !e.message.includes(e.details) ? `: ${e.details}` : ''}`),
  );
  return lines.length > max ? [...lines.slice(0, max), `… and ${lines.length - max} more`] : lines;
}

function randomUnit(): number {
  const buf = new Uint32Array(1);
  crypto.getRandomValues(buf);
  return buf[0] / 2 ** 32;
}

export class App {
  /** Revision of each server workflow as last read or written here (for the 409 check). */
  private readonly revisions = new Map<string, number>();
  workflowName = 'untitled';
  /** How many prompts one Queue press adds (the toolbar's batch count). */
  batchCount = 1;

  /** Told the node definitions each time the file lists are read again (the palette's model library). */
  onLists?: (info: ObjectInfoResponse) => void;

  /** Which check of the files an opened workflow needs is the latest (an older answer is dropped). */
  private filesCheck = 0;

  constructor(private readonly d: AppDeps) {}

  private fail(prefix: string, e: unknown): void {
    const msg = e instanceof Error ? e.message : String(e);
    this.d.toast.show(`${prefix}: ${msg}`, 'error', 8000);
  }

  /**
   * Queues the workflow `count` times (default: the toolbar's batch count). Seed widgets set to
   * randomize / increment / decrement move on after each, so every prompt gets its own seed.
   * `front`: run before everything already queued. Returns the last prompt id, or null when the
   * server refused the workflow (nothing more is queued then).
   */
  async queue(opts: { count?: number; front?: boolean; targets?: string[] } = {}): Promise<string | null> {
    const count = clampBatch(opts.count ?? this.batchCount);
    let last: string | null = null;
    for (let i = 0; i < count; i++) {
      const id = await this.queueOne(opts.front === true, opts.targets);
      if (!id) break;
      last = id;
    }
    return last;
  }

  /**
   * Queues only the selected output nodes and `node` (ComfyUI's "queue selected output nodes"):
   * the rest of the graph neither runs nor needs to be valid.
   */
  queueOutputs(node: LGraphNode): Promise<string | null> {
    const selected = this.d.editor.selectedNodes().filter(isOutputNode);
    const targets = [...new Set([node, ...selected].map((n) => this.d.editor.executionId(n)))];
    return this.queue({ targets });
  }

  private async queueOne(front: boolean, targets?: string[]): Promise<string | null> {
    const workflow = this.d.editor.serialize();
    try {
      const res = await this.d.client.queuePrompt({
        workflow,
        client_id: this.d.socket.id,
        ...(front ? { front: true } : {}),
        ...(targets ? { partial_execution_targets: targets } : {}),
        extra_data: { extra_pnginfo: { workflow } },
      });
      this.d.runState.promptQueued(res.prompt_id);
      // The server subscribed this tab's socket before the prompt could start, unless the socket had
      // not connected yet (no id to give): this subscription then goes once it connects, and history,
      // read when the server has recorded it, fills in a prompt that ran meanwhile
      subscribePrompt(this.d.socket, res.prompt_id, () => void this.catchUp(res.prompt_id));
      for (const node of this.d.editor.allNodes()) applySeedControls(node, randomUnit);
      this.d.changes.check('queue'); // moved seeds are an undo step, as any edit
      this.d.editor.redraw();
      return res.prompt_id;
    } catch (e) {
      if (e instanceof ApiError && e.body?.node_errors) {
        const count = Object.values(e.body.node_errors).reduce((n, x) => n + x.errors.length, 0);
        this.d.runState.promptRejected(e.body.node_errors, `rejected: ${count} problem(s) — ${e.message}`);
        this.d.toast.show(`The workflow has ${count} problem(s); they are shown on the nodes:\n${problemLines(e.body.node_errors).join('\n')}`, 'error', 10000);
        // a file the server lacks among them: the missing-files notice says where each goes (again, if it was closed)
        if (Object.values(e.body.node_errors).some((n) => n.errors.some((x) => x.type === 'value_not_in_list'))) void this.checkMissingFiles();
      } else this.fail('Queue failed', e);
      return null;
    }
  }

  /**
   * After a reconnect: subscribe again to this editor's prompts that have not ended (the old
   * socket's subscriptions are gone), and fill in those that ended while the connection was down.
   */
  resync(): void {
    // history is read once the subscription holds, so no end can fall between the two
    for (const id of this.d.runState.unfinishedPrompts()) subscribePrompt(this.d.socket, id, () => void this.catchUp(id));
  }

  /** Fills in a prompt that finished before its events could reach this editor. */
  private async catchUp(promptId: string): Promise<void> {
    try {
      const entry = (await this.d.client.history(promptId))[promptId];
      if (entry) this.d.runState.catchUp(promptId, entry);
    } catch {
      // live events remain the source; history is only a fallback
    }
  }

  /** Menu entries for the first image a node shows after a run: open it, or copy it into a new Load Image (to mask and inpaint it). */
  imageMenu(node: LGraphNode): { content: string; callback: () => void }[] {
    const ref = this.d.runState.summary(this.d.editor.executionId(node))?.images[0];
    if (!ref) return [];
    const url = this.d.client.viewUrl(ref);
    const open = { content: 'Open image', callback: () => void window.open(url, '_blank') };
    const at: [number, number] = [node.pos[0] + node.size[0] + 60, node.pos[1]];
    // a video node's GIF or APNG goes to Load Video (to continue it); Load Image reads PNG and JPEG
    if (node.type === 'SaveVideo' || /\.gif$/i.test(ref.filename)) {
      if (!this.d.editor.hasNodeType(MEDIA_NODES.video.type)) return [open];
      return [open, { content: 'Copy video to a new Load Video', callback: () => void this.copyToLoader(url, ref.filename, at, 'video') }];
    }
    if (!/\.(png|jpe?g)$/i.test(ref.filename)) return [open];
    return [open, { content: 'Copy image to a new Load Image', callback: () => void this.copyToLoader(url, ref.filename, at, 'picture') }];
  }

  /** Fetches a shown file and puts it into a new Load Image (or Load Video) at `at`, uploaded to the input folder. */
  private async copyToLoader(url: string, filename: string, at: [number, number], media: Media): Promise<void> {
    try {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`the server answered ${res.status}`);
      const node = this.d.editor.addNode(MEDIA_NODES[media].type, at);
      if (node) this.d.editor.reveal(node); // it goes beside the node it came from, maybe past the view's edge
      const blob = await res.blob();
      await this.addMedia(new File([blob], filename, { type: blob.type || 'image/png' }), at, media, node ?? undefined);
    } catch (e) {
      this.fail(`Copying ${filename} failed`, e);
    }
  }

  /** A picture pasted on the page: into the selected Load Image, else a new one at the view's centre. */
  async pastePicture(file: File): Promise<boolean> {
    const selected = this.d.editor.selectedNodes().find((n) => loadsMedia(n, 'picture'));
    return this.addMedia(file, this.d.editor.viewCentre(), 'picture', selected);
  }

  /** Uploads a picked file (a picture, or an animation for Load Video) into the input folder and selects it in the node's file list. */
  async uploadInto(node: LGraphNode, comboName: string): Promise<void> {
    this.d.uploadInput.accept = uploadAccept(comboName);
    const file = await pickFile(this.d.uploadInput);
    if (!file) return;
    try {
      const value = await this.selectUploaded(node, comboName, await this.d.client.uploadImage(file));
      this.d.toast.show(`Uploaded ${value}`);
    } catch (e) {
      this.fail(`Uploading ${file.name} failed`, e);
    }
  }

  /**
   * Opens the mask editor on the node's chosen input picture; Save uploads the masked copy to
   * input/masks/ and selects it (an undo step, as any edit).
   */
  async editMask(node: LGraphNode, comboName: string): Promise<void> {
    const value = node.widgets?.find((w) => w.name === comboName)?.value;
    if (typeof value !== 'string' || !value) {
      this.d.toast.show('Choose or upload a picture first, then paint its mask', 'error');
      return;
    }
    try {
      // each file is fetched once: its bytes give the PNG text and, as an object URL, the editor's picture
      const picture = await this.inputFile(value);
      // a masked copy names the picture it was made from, whose colours it lost under the mask
      const source = (await maskSourceOf(picture)) ?? value;
      let original: Blob | undefined;
      if (source !== value) {
        original = await this.inputFile(source).catch(() => undefined);
        if (!original) this.d.toast.show(`${source}, the picture ${value} was masked from, is gone from the input folder: what was masked before stays black`, 'error', 8000);
      }
      const [url, sourceUrl] = [picture, original].map((b) => b && URL.createObjectURL(b));
      let blob: Blob | null;
      try {
        blob = await this.d.maskEditor.open(url!, value, sourceUrl);
      } finally {
        for (const u of [url, sourceUrl]) if (u) URL.revokeObjectURL(u);
      }
      if (!blob) return;
      const bytes = withPngText(new Uint8Array(await blob.arrayBuffer()), MASK_SOURCE_KEY, encodeURIComponent(source));
      const file = new File([bytes], maskFileName(value), { type: 'image/png' });
      const saved = await this.selectUploaded(node, comboName, await this.d.client.uploadImage(file, { subfolder: MASK_FOLDER }));
      this.d.toast.show(`Saved the mask as ${saved}`);
    } catch (e) {
      this.fail(`Editing the mask of ${value} failed`, e);
    }
  }

  /** A file of the input folder, as the server serves it. */
  private async inputFile(value: string): Promise<Blob> {
    const res = await fetch(this.inputUrl(value));
    if (!res.ok) throw new Error(`cannot read ${value} from the input folder: the server answered ${res.status}`);
    return res.blob();
  }

  /** The view URL of a file of the input folder ("dir/name.png"). */
  inputUrl(value: string): string {
    const slash = value.lastIndexOf('/');
    return this.d.client.viewUrl({ filename: value.slice(slash + 1), subfolder: slash < 0 ? '' : value.slice(0, slash), type: 'input' });
  }

  /** Selects an uploaded file in the node's list (re-read from the server); returns its value. */
  private async selectUploaded(node: LGraphNode, comboName: string, up: { name: string; subfolder?: string }): Promise<string> {
    const value = up.subfolder ? `${up.subfolder}/${up.name}` : up.name;
    const entry = await this.d.client.objectInfoFor(node.type);
    const options = comboOptions(entry, comboName);
    const widget = node.widgets?.find((w) => w.name === comboName);
    if (widget) {
      if (options) (widget.options as { values?: unknown }).values = options;
      widget.value = value;
    }
    this.d.changes.check();
    this.d.editor.redraw();
    return value;
  }

  /**
   * Re-reads the node definitions and gives every file-list widget on the canvas the server's
   * current list (a checkpoint dropped into weights/, an image put in input/). Returns how many
   * lists changed. The values chosen stay, even when their file is gone (Queue then names it).
   */
  async refreshLists(): Promise<number> {
    try {
      const info = await this.d.client.objectInfo();
      let changed = 0;
      for (const node of this.d.editor.allNodes()) {
        const entry = info[node.type ?? ''];
        if (!entry) continue;
        for (const w of node.widgets ?? []) {
          const options = comboOptions(entry, w.name);
          if (w.type !== 'combo' || !options) continue;
          const held = w.options as { values?: unknown };
          if (JSON.stringify(held.values) === JSON.stringify(options)) continue;
          held.values = options;
          changed++;
        }
      }
      this.onLists?.(info);
      this.d.editor.redraw();
      this.d.toast.show(changed ? `Refreshed ${changed} file list(s)` : 'File lists are up to date');
      if (this.d.missingFiles?.isOpen) await this.checkMissingFiles(info);
      return changed;
    } catch (e) {
      this.fail('Refreshing the file lists failed', e);
      return 0;
    }
  }

  /** A cell clicked on a sampler's preview becomes its seed position ("r,c"); false when no cell was hit. */
  pickSeed(node: LGraphNode, cell: [number, number] | null): boolean {
    const widget = node.widgets?.find((w) => w.name === 'seed_position');
    if (!cell || !widget) return false;
    widget.value = `${cell[0]},${cell[1]}`;
    this.d.changes.check();
    this.d.editor.redraw();
    this.d.toast.show(`Seed position ${widget.value}: Queue to grow from there (the model needs a head for every direction)`);
    return true;
  }

  async interrupt(): Promise<void> {
    try {
      await this.d.client.interrupt();
    } catch (e) {
      this.fail('Stop failed', e);
    }
  }

  /** Says something in the toast. */
  notify(message: string, kind: 'info' | 'error' = 'info'): void {
    this.d.toast.show(message, kind);
  }

  newWorkflow(): void {
    this.loadWorkflow({ last_node_id: 0, last_link_id: 0, nodes: [], links: [], groups: [], version: 0.4 }, 'untitled');
  }

  saveFile(): void {
    downloadJson(`${this.workflowName || 'workflow'}.json`, this.d.editor.serialize());
  }

  /**
   * Downloads the API form ({id: {class_type, inputs}}: what POST /api/prompt and scripts take),
   * as ComfyUI's "Export (API)". Muted nodes, notes and reroutes are left out, as when queued.
   */
  async saveApiFile(): Promise<void> {
    try {
      const { prompt, problems } = editorToApi(this.d.editor.serialize(), await this.d.client.objectInfo());
      if (problems.length) this.d.toast.show(`Saved, with ${problems.length} problem(s): ${problems.map((p) => `node ${p.nodeId}: ${p.message}`).join('; ')}`, 'error', 8000);
      downloadJson(`${this.workflowName || 'workflow'}.api.json`, prompt);
    } catch (e) {
      this.fail('Saving the API form failed', e);
    }
  }

  /** Opens a workflow JSON or a narflow PNG (dropped or picked). */
  /**
   * A dropped or opened file: a workflow (JSON, or a PNG made by narflow) replaces the graph; a
   * plain picture (`at` a graph position: dropped there) goes into the Load Image node under it,
   * or into a new one.
   */
  async openFile(file: File, at?: [number, number]): Promise<boolean> {
    try {
      const kind = at ? await droppedKind(file) : 'workflow';
      if (at && kind !== 'workflow') return await this.addMedia(file, at, kind);
      const wf = await readWorkflowFile(file, await this.d.client.objectInfo());
      this.loadWorkflow(wf, file.name.replace(/(\.api)?\.(json|png)$/i, ''));
      this.d.toast.show(`Opened ${file.name}`);
      return true;
    } catch (e) {
      this.fail(`Cannot open ${file.name}`, e);
      return false;
    }
  }

  /**
   * Uploads a picture (or a video) and selects it in `into`, else the Load Image (Load Video) node
   * at `at`, else a new one there (ComfyUI's drop and paste).
   */
  async addMedia(file: File, at: [number, number], media: Media, into?: LGraphNode): Promise<boolean> {
    const { type, combo } = MEDIA_NODES[media];
    const under = into ?? this.d.editor.nodeAt(at);
    const node = under && loadsMedia(under, media) ? under : this.d.editor.addNode(type, at);
    if (!node) {
      this.d.toast.show(`No ${type} node on this server to put ${file.name} in`, 'error');
      return false;
    }
    try {
      const value = await this.selectUploaded(node, combo, await this.d.client.uploadImage(file));
      this.d.toast.show(`Loaded ${value}`);
      return true;
    } catch (e) {
      this.fail(`Uploading ${file.name} failed`, e);
      return false;
    }
  }

  loadWorkflow(workflow: EditorWorkflow, name: string): void {
    this.d.runState.reset();
    this.d.editor.load(workflow);
    this.showName(name);
    // Loading is an undo step too: Ctrl+Z after New or Open brings the previous graph back.
    this.d.changes.check();
    this.d.changes.persistCurrent(); // under the new name, even when the graph is the same
    void this.checkMissingFiles();
  }

  /**
   * Lists the files the graph names that the server lacks (a checkpoint or picture the workflow was
   * shared without) in the missing-files panel, or closes the panel once there are none. `info`:
   * object_info just read (else it is read now). Returns them.
   */
  async checkMissingFiles(info?: ObjectInfoResponse): Promise<MissingFile[]> {
    const panel = this.d.missingFiles;
    if (!panel) return [];
    const check = ++this.filesCheck;
    try {
      const lists = info ?? (await this.d.client.objectInfo());
      if (check !== this.filesCheck) return [];
      const files = missingFiles(this.d.editor.serialize(), lists);
      this.d.runState.showMissingFiles(files);
      if (files.length) panel.show(files);
      else if (panel.isOpen) {
        panel.close();
        this.d.toast.show('Every file the workflow needs is on the server now');
      }
      return files;
    } catch {
      return []; // a graph that does not convert: Queue says why
    }
  }

  /** Takes `name` as the workflow's name (an undo step bringing back another workflow's graph). */
  showName(name: string): void {
    this.workflowName = name;
    const input = document.getElementById('workflow-name') as HTMLInputElement | null;
    if (input) input.value = name;
    this.d.onNameChange?.(name);
  }

  /** The server revision of `name` this editor last loaded or saved (0: none). */
  revisionOf(name: string): number | undefined {
    return this.revisions.get(name);
  }

  /** Remembers the server revision a kept graph was based on (restored with it after a reload). */
  rememberRevision(name: string, revision: number | undefined): void {
    if (revision !== undefined) this.revisions.set(name, revision);
  }

  rename(name: string): void {
    this.workflowName = name.trim() || 'untitled';
    this.d.changes.persistCurrent();
    this.d.onNameChange?.(this.workflowName);
  }

  async saveServer(name: string): Promise<boolean> {
    const clean = name.trim();
    if (!clean) {
      this.d.toast.show('Type a name for the workflow first', 'error');
      return false;
    }
    const revision = this.revisions.get(clean) ?? 0;
    try {
      const info = await this.d.client.saveWorkflow(clean, this.d.editor.serialize(), revision);
      this.revisions.set(clean, info.revision);
      this.rename(clean);
      this.d.toast.show(`Saved “${clean}” (revision ${info.revision}). Run it over HTTP: POST /api/workflows/${encodeURIComponent(clean)}/run`, 'info', 7000);
      await this.refreshServerList();
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) {
        const current = (e.body as { current_revision?: number } | null)?.current_revision;
        this.d.toast.show(
          `“${clean}” was changed elsewhere: the server has revision ${current ?? '?'}, this editor last saw ${revision}. ` +
            'Load it from the server to see the other version, or save under another name.',
          'error',
          10000,
        );
      } else this.fail(`Saving “${clean}” failed`, e);
      return false;
    }
  }

  /**
   * Deletes the workflow saved under `name` on the server, once confirmed (ComfyUI's workflow
   * list does the same); the graph this tab shows stays, and a later Save to server starts it anew.
   */
  async deleteServer(name: string): Promise<boolean> {
    if (!window.confirm(`Delete “${name}” from the server, with its revisions? The graph in this tab stays.`)) return false;
    try {
      await this.d.client.deleteWorkflow(name);
      this.revisions.delete(name);
      this.d.toast.show(`Deleted “${name}” from the server`);
      await this.refreshServerList();
      return true;
    } catch (e) {
      this.fail(`Deleting “${name}” failed`, e);
      return false;
    }
  }

  async loadServer(name: string): Promise<void> {
    try {
      const saved = await this.d.client.loadWorkflow(name);
      this.revisions.set(name, saved.revision);
      this.loadWorkflow(saved.workflow, name);
      this.d.toast.show(`Loaded “${name}” (revision ${saved.revision})`);
    } catch (e) {
      this.fail(`Loading “${name}” failed`, e);
    }
  }

  async refreshServerList(): Promise<void> {
    const select = document.getElementById('server-workflows') as HTMLSelectElement | null;
    if (!select) return;
    try {
      const { workflows } = await this.d.client.listWorkflows();
      const options = workflows.map((w) => new Option(`${w.name} (r${w.revision})`, w.name));
      const removal = document.createElement('optgroup');
      removal.label = 'Delete from the server';
      removal.append(...workflows.map((w) => new Option(`✕ ${w.name}`, `${DELETE_PREFIX}${w.name}`)));
      select.replaceChildren(new Option('Load from server…', ''), ...options, ...(workflows.length ? [removal] : []));
    } catch (e) {
      this.fail('Listing saved workflows failed', e);
    }
  }

  async loadTemplate(name: string): Promise<void> {
    try {
      this.loadWorkflow(await this.d.client.loadTemplate(name), name);
    } catch (e) {
      this.fail(`Opening template “${name}” failed`, e);
    }
  }

  /** Fills the Templates list; returns the name of the server's default template (null: none). */
  async refreshTemplates(): Promise<string | null> {
    const select = document.getElementById('templates') as HTMLSelectElement | null;
    try {
      const { templates, default: name, descriptions = {} } = await this.d.client.listTemplates();
      // "inpaint — Outpaint a picture's kept centre …": the list says what each one does
      const option = (t: string): HTMLOptionElement => {
        const d = Object.prototype.hasOwnProperty.call(descriptions, t) ? descriptions[t] : '';
        const o = new Option(d ? `${t} — ${d}` : t, t);
        if (d) o.title = d;
        return o;
      };
      select?.replaceChildren(new Option('Templates…', ''), ...templates.map(option));
      return name ?? null;
    } catch {
      if (select) select.disabled = true; // a server without templates
      return null;
    }
  }

  async refreshStats(): Promise<void> {
    try {
      this.d.status.setStats(await this.d.client.systemStats());
    } catch (e) {
      this.d.status.setStatsError(e instanceof Error ? e.message : String(e));
    }
  }
}

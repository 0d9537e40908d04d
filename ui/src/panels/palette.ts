// The node palette: every node type from /object_info grouped by category, filtered by a search
// box; items are dragged onto the canvas (HTML drag and drop) or double-clicked to add. Under the
// node types, the model library: the files of each weights/ folder a loader lists (object_info's
// `folder`), each added as that loader with the file chosen.
import { comboFolder, comboOptions, type ObjectInfoResponse } from '../../../server/api/protocol';
import type { NodeSpec } from '../graph/nodeSpec';

export const NODE_DRAG_MIME = 'application/x-narflow-node';
/** Drag data beside NODE_DRAG_MIME: JSON {name, value}, a widget the dropped node starts with. */
export const WIDGET_DRAG_MIME = 'application/x-narflow-widget';

/** One folder of the model library: the files a loader's COMBO lists from it. */
export interface ModelFolder {
  folder: string;
  /** the loader node type, its display name and the COMBO input naming the file */
  type: string;
  displayName: string;
  input: string;
  files: string[];
}

/** The folders under weights/ that node types list files from, by folder (the first type listing each). */
export function modelLibrary(info: ObjectInfoResponse): ModelFolder[] {
  const out = new Map<string, ModelFolder>();
  for (const [type, entry] of Object.entries(info).sort(([a], [b]) => a.localeCompare(b))) {
    for (const input of [...Object.keys(entry.input.required), ...Object.keys(entry.input.optional ?? {})]) {
      const folder = comboFolder(entry, input);
      if (!folder?.startsWith('weights/') || out.has(folder)) continue;
      out.set(folder, { folder, type, displayName: entry.display_name, input, files: [...(comboOptions(entry, input) ?? [])] });
    }
  }
  return [...out.values()].sort((a, b) => a.folder.localeCompare(b.folder));
}

/** Case-insensitive match of every search word against name, type, category and description. */
export function matchesSearch(spec: NodeSpec, query: string): boolean {
  const hay = `${spec.displayName} ${spec.type} ${spec.category} ${spec.description}`.toLowerCase();
  return query
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((word) => hay.includes(word));
}

/** Specs grouped by category (sorted), each group sorted by display name. */
export function groupByCategory(specs: NodeSpec[]): [string, NodeSpec[]][] {
  const groups = new Map<string, NodeSpec[]>();
  for (const s of specs) groups.set(s.category, [...(groups.get(s.category) ?? []), s]);
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([c, list]) => [c, list.sort((a, b) => a.displayName.localeCompare(b.displayName))]);
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function itemFor(spec: NodeSpec, onAdd: (type: string) => void): HTMLElement {
  const item = el('div', 'palette-item', spec.displayName);
  item.draggable = true;
  item.dataset.nodeType = spec.type;
  item.title = spec.description ? `${spec.type} — ${spec.description}` : spec.type;
  if (spec.outputNode) item.classList.add('output-node');
  item.addEventListener('dragstart', (e) => {
    e.dataTransfer?.setData(NODE_DRAG_MIME, spec.type);
    e.dataTransfer?.setData('text/plain', spec.type);
    if (e.dataTransfer) e.dataTransfer.effectAllowed = 'copy';
  });
  item.addEventListener('dblclick', () => onAdd(spec.type));
  return item;
}

function modelItem(m: ModelFolder, file: string, onAddModel: (m: ModelFolder, file: string) => void): HTMLElement {
  const item = el('div', 'palette-item model-item', file);
  item.draggable = true;
  item.dataset.loader = m.type; // not data-node-type: that names the node types above
  item.dataset.file = file;
  item.title = `${m.displayName} with ${m.folder}${file} (double-click, or drag onto the canvas)`;
  item.addEventListener('dragstart', (e) => {
    e.dataTransfer?.setData(NODE_DRAG_MIME, m.type);
    e.dataTransfer?.setData(WIDGET_DRAG_MIME, JSON.stringify({ name: m.input, value: file }));
    e.dataTransfer?.setData('text/plain', file);
    if (e.dataTransfer) e.dataTransfer.effectAllowed = 'copy';
  });
  item.addEventListener('dblclick', () => onAddModel(m, file));
  return item;
}

export interface Palette {
  /** Shows these model folders (after the file lists were read again). */
  setModels(models: ModelFolder[]): void;
}

export function createPalette(
  root: HTMLElement,
  specs: NodeSpec[],
  onAdd: (type: string) => void,
  models: ModelFolder[] = [],
  onAddModel: (m: ModelFolder, file: string) => void = () => undefined,
): Palette {
  root.replaceChildren();
  const search = el('input', 'palette-search');
  search.type = 'search';
  search.placeholder = models.length ? 'Search nodes and models…' : 'Search nodes…';
  search.setAttribute('aria-label', models.length ? 'Search nodes and models' : 'Search nodes');
  const list = el('div', 'palette-list');
  root.append(search, list);

  // sections the user folded stay folded when the list is drawn again (a search, new model files)
  const folded = new Set<string>();
  const section = (key: string, className: string): HTMLDetailsElement => {
    const details = el('details', className);
    details.open = !folded.has(key);
    details.addEventListener('toggle', () => (details.open ? folded.delete(key) : folded.add(key)));
    return details;
  };
  const render = (): void => {
    const query = search.value.trim();
    const shown = specs.filter((s) => matchesSearch(s, query));
    list.replaceChildren();
    for (const [category, group] of groupByCategory(shown)) {
      const details = section(`category:${category}`, 'palette-category');
      details.dataset.category = category;
      details.append(el('summary', '', `${category} (${group.length})`), ...group.map((s) => itemFor(s, onAdd)));
      list.append(details);
    }
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    let files = 0;
    for (const m of models) {
      const hay = (f: string) => `${m.folder}${f} ${m.displayName}`.toLowerCase();
      const matching = m.files.filter((f) => words.every((w) => hay(f).includes(w)));
      if (!matching.length && words.length) continue;
      files += matching.length;
      const details = section(`folder:${m.folder}`, 'palette-category model-folder');
      details.dataset.folder = m.folder;
      details.append(el('summary', '', `models: ${m.folder} (${matching.length})`), ...matching.map((f) => modelItem(m, f, onAddModel)));
      if (!m.files.length) details.append(el('div', 'palette-empty', `Put ${m.displayName} files here, then press R`));
      list.append(details);
    }
    if (!shown.length && !files) list.append(el('div', 'palette-empty', `No node or model matches “${query}”`));
  };
  search.addEventListener('input', render);
  render();
  return {
    setModels(next) {
      models = next;
      render();
    },
  };
}

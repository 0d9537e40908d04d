// The node palette: every node type from /object_info grouped by category, filtered by a search
// box; items are dragged onto the canvas (HTML drag and drop) or double-clicked to add.
import type { NodeSpec } from '../graph/nodeSpec';

export const NODE_DRAG_MIME = 'application/x-narflow-node';

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

export function createPalette(root: HTMLElement, specs: NodeSpec[], onAdd: (type: string) => void): void {
  root.replaceChildren();
  const search = el('input', 'palette-search');
  search.type = 'search';
  search.placeholder = 'Search nodes…';
  search.setAttribute('aria-label', 'Search nodes');
  const list = el('div', 'palette-list');
  root.append(search, list);

  const render = (): void => {
    const query = search.value.trim();
    const shown = specs.filter((s) => matchesSearch(s, query));
    list.replaceChildren();
    for (const [category, group] of groupByCategory(shown)) {
      const details = el('details', 'palette-category');
      details.open = true;
      details.dataset.category = category;
      details.append(el('summary', '', `${category} (${group.length})`), ...group.map((s) => itemFor(s, onAdd)));
      list.append(details);
    }
    if (!shown.length) list.append(el('div', 'palette-empty', `No node matches “${query}”`));
  };
  search.addEventListener('input', render);
  render();
}

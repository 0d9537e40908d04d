// The litegraph canvas: graph, dark theme, node drops from the palette, workflow file drops,
// load/serialise, grouping of the selection, and the subgraph being looked into (with its path of
// instances, which gives each node shown its execution id).
import { LGraph, LGraphCanvas, LGraphGroup, LGraphNode, LiteGraph, SubgraphNode, type Positionable, type Subgraph } from '@comfyorg/litegraph';
import type { EditorWorkflow } from '../../../server/api/protocol';
import { EXECUTION_ID_SEPARATOR } from '../../../server/engine/workflow/subgraphs';
import { TYPE_COLORS } from '../graph/nodeTypes';
import { registerSubgraphTypes } from '../graph/subgraphNodes';
import { NODE_DRAG_MIME, WIDGET_DRAG_MIME } from '../panels/palette';

export interface CanvasEditorEvents {
  /** A file (workflow JSON or PNG) was dropped on the canvas. */
  /** A file was dropped at graph position `pos`. */
  onFileDrop(file: File, pos: [number, number]): void;
  /** The graph shown changed: a subgraph was opened or left. */
  onGraphShown?(path: readonly SubgraphStep[]): void;
  /**
   * Draws run state over a node that is not of a server type: a subgraph instance (what the nodes
   * inside it did), or the placeholder of a type this server lacks (what Queue said of it).
   */
  drawNode?(node: LGraphNode, ctx: CanvasRenderingContext2D): void;
  /** Brings a workflow about to be shown to the form litegraph reads (ComfyUI's newer subgraph instances). */
  prepare?(workflow: EditorWorkflow): EditorWorkflow;
}

/**
 * The top-level fields litegraph reads and writes itself (`state` and `reroutes` of its schema 1
 * become `last_*_id` and `extra.reroutes`); any other field of a loaded workflow (ComfyUI's
 * `models`, another tool's) is kept for the next save.
 */
const LITEGRAPH_FIELDS = new Set(['id', 'revision', 'last_node_id', 'last_link_id', 'nodes', 'links', 'floatingLinks', 'groups', 'definitions', 'config', 'extra', 'version', 'state', 'reroutes']);

/** One step into a subgraph: the instance opened (its id in the graph it sits in) and its definition. */
export interface SubgraphStep {
  instanceId: string;
  subgraph: Subgraph;
  title: string;
}

function applyTheme(canvas: LGraphCanvas): void {
  canvas.clear_background_color = '#16181c';
  canvas.background_image = '';
  canvas.render_canvas_border = false;
  canvas.show_info = false;
  canvas.render_connection_arrows = false;
  canvas.default_link_color = '#8a939e';
  Object.assign(LGraphCanvas.link_type_colors, TYPE_COLORS);
  LiteGraph.NODE_DEFAULT_COLOR = '#2a2f36';
  LiteGraph.NODE_DEFAULT_BGCOLOR = '#1f2329';
  LiteGraph.NODE_DEFAULT_BOXCOLOR = '#5b6470';
  LiteGraph.NODE_TITLE_COLOR = '#c9d1d9';
  LiteGraph.NODE_SELECTED_TITLE_COLOR = '#ffffff';
  LiteGraph.WIDGET_BGCOLOR = '#15181c';
  LiteGraph.WIDGET_OUTLINE_COLOR = '#3a414b';
  LiteGraph.WIDGET_TEXT_COLOR = '#d8dee6';
  LiteGraph.WIDGET_SECONDARY_TEXT_COLOR = '#8b949e';
  LiteGraph.LINK_COLOR = '#8a939e';
  LiteGraph.release_link_on_empty_shows_menu = true;
  LiteGraph.search_filter_enabled = true; // its Search lists the nodes that take the dropped link's type first
}

export class CanvasEditor {
  /** The workflow's (root) graph. */
  readonly graph = new LGraph();
  readonly canvas: LGraphCanvas;
  private readonly el: HTMLCanvasElement;
  /** The subgraph instances opened, outermost first; empty when the workflow's own graph is shown. */
  private steps: SubgraphStep[] = [];
  /** Whether nodes show their ids above their titles (the ids `--set`, `--only` and the API use). */
  showIds = true;

  constructor(
    private readonly container: HTMLElement,
    private readonly events: CanvasEditorEvents,
  ) {
    this.el = document.createElement('canvas');
    this.el.id = 'graph-canvas';
    this.el.tabIndex = 0;
    container.append(this.el);
    // litegraph cancels the pointer's default action, which would move the focus here: without
    // this, a text field typed into before keeps the keys (R, ".", "?") meant for the canvas
    this.el.addEventListener('pointerdown', () => this.el.focus({ preventScroll: true }), true);
    this.canvas = new LGraphCanvas(this.el, this.graph);
    // litegraph's menu for a link dropped on empty canvas calls showSearchBox detached from the
    // canvas ("Search" threw reading this.ds): an own, bound copy keeps it a method call. Its list
    // of other nodes after the type-filtered ones throws (an undeclared variable in litegraph
    // 0.17.2), so a dropped link's search lists only the nodes that take its type, as ComfyUI's.
    const search = this.canvas.showSearchBox.bind(this.canvas);
    type SearchOptions = Parameters<LGraphCanvas['showSearchBox']>[1];
    this.canvas.showSearchBox = (event, options) => search(event, { ...options, show_general_after_typefiltered: false, show_general_if_none_on_typefilter: false } as SearchOptions);
    registerSubgraphTypes(this.graph, { enter: (node) => this.enter(node), drawForeground: (node, ctx) => this.events.drawNode?.(node, ctx) });
    applyTheme(this.canvas);
    // litegraph draws bare boxes below 0.6: the larger shipped templates fit the window at about 0.4
    this.canvas.low_quality_zoom_threshold = 0.35;
    this.bindDrop();
    new ResizeObserver(() => this.resize()).observe(container);
    this.resize();
  }

  private resize(): void {
    const { clientWidth: w, clientHeight: h } = this.container;
    if (w > 0 && h > 0) this.canvas.resize(w, h);
  }

  private bindDrop(): void {
    const accepts = (e: DragEvent): boolean => !!e.dataTransfer && [...e.dataTransfer.types].some((t) => t === NODE_DRAG_MIME || t === 'Files');
    this.container.addEventListener('dragover', (e) => {
      if (!accepts(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    });
    this.container.addEventListener('drop', (e) => {
      if (!accepts(e)) return;
      e.preventDefault();
      const type = e.dataTransfer?.getData(NODE_DRAG_MIME);
      if (type) {
        const [x, y] = this.canvas.convertEventToCanvasOffset(e);
        // a model file from the library: the loader starts with it chosen
        this.addNode(type, [x, y], widgetFromDrag(e.dataTransfer?.getData(WIDGET_DRAG_MIME)));
        return;
      }
      const file = e.dataTransfer?.files?.[0];
      if (file) {
        const [x, y] = this.canvas.convertEventToCanvasOffset(e);
        this.events.onFileDrop(file, [x, y]);
      }
    });
  }

  /** Whether this server's node types (as registered in the editor) include `type`. */
  hasNodeType(type: string): boolean {
    return type in LiteGraph.registered_node_types;
  }

  /** Adds a node of `type` with its top-left at graph position `pos` (default: the view's centre). */
  /** Adds a node of `type` at `pos` (else the view's middle), its widgets named in `values` set to them. */
  addNode(type: string, pos?: [number, number], values: Record<string, string> = {}): LGraphNode | null {
    const node = LiteGraph.createNode(type);
    if (!node) return null;
    for (const w of node.widgets ?? []) if (Object.prototype.hasOwnProperty.call(values, w.name)) w.value = values[w.name];
    const at = pos ?? this.viewCentre();
    node.pos = [at[0], at[1]];
    this.shown.add(node);
    this.canvas.selectNode(node);
    this.canvas.setDirty(true, true);
    return node;
  }

  /** The graph position at the middle of the view (where added and pasted things go). */
  viewCentre(): [number, number] {
    const [x, y] = this.canvas.convertCanvasToOffset([this.el.width / 2, this.el.height / 2]);
    return [x - 100, y - 50];
  }

  /** Puts the selected nodes in a new group (or an empty group at the view's centre). */
  groupSelection(title = 'Group'): LGraphGroup {
    const group = new LGraphGroup(title);
    const selected = [...this.canvas.selectedItems].filter((i): i is Positionable => 'pos' in i);
    if (selected.length) {
      group.resizeTo(selected, 12);
    } else {
      group.pos = this.viewCentre();
    }
    this.shown.add(group);
    this.canvas.setDirty(true, true);
    return group;
  }

  /**
   * Makes the selected nodes a subgraph: one instance takes their place, wired as they were
   * (litegraph's "Convert to Subgraph"). Returns it, or null when nothing is selected.
   */
  subgraphSelection(): SubgraphNode | null {
    const items = [...this.canvas.selectedItems].filter((i) => !(i instanceof LGraphNode) || this.shown.getNodeById(i.id) === i);
    if (!items.some((i) => i instanceof LGraphNode)) return null;
    // litegraph places the new node from the nodes' bounds, measured when they were last drawn
    for (const i of items) if (i instanceof LGraphNode) i.updateArea(this.canvas.ctx ?? undefined);
    const { node } = this.shown.convertToSubgraph(new Set(items));
    this.canvas.deselectAll();
    this.canvas.selectNode(node);
    this.canvas.setDirty(true, true);
    return node;
  }

  /**
   * Mutes (mode 2: left out of the prompt) or bypasses (mode 4: inputs passed to outputs of the same
   * type) the selected nodes; selected nodes already in that mode go back to normal. Returns how
   * many nodes changed.
   */
  toggleSelectedMode(mode: 2 | 4): number {
    const nodes = [...this.canvas.selectedItems].filter((i): i is LGraphNode => i instanceof LGraphNode);
    if (!nodes.length) return 0;
    const allInMode = nodes.every((n) => n.mode === mode);
    for (const n of nodes) n.mode = allInMode ? 0 : mode;
    this.canvas.setDirty(true, true);
    return nodes.length;
  }

  /** The node under graph position `pos`, if any. */
  nodeAt(pos: [number, number]): LGraphNode | null {
    return this.shown.getNodeOnPos(pos[0], pos[1]) ?? null;
  }

  /** The selected nodes (groups and reroute points left out). */
  selectedNodes(): LGraphNode[] {
    // a deleted node can linger in the selection: only nodes still in the graph count
    return [...this.canvas.selectedItems].filter((i): i is LGraphNode => i instanceof LGraphNode && this.shown.getNodeById(i.id) === i);
  }

  serialize(): EditorWorkflow {
    return JSON.parse(JSON.stringify({ ...this.kept, ...this.graph.serialize() })) as EditorWorkflow;
  }

  /** Fields of the workflow last loaded that litegraph does not write (see LITEGRAPH_FIELDS). */
  private kept: Record<string, unknown> = {};

  /**
   * Shows `workflow`; the view fits its nodes unless `keepView` (an undo step keeps where the user
   * looks, inside the same subgraph when it is still there).
   */
  load(workflow: EditorWorkflow, opts: { keepView?: boolean } = {}): void {
    const view = { scale: this.canvas.ds.scale, offset: [this.canvas.ds.offset[0], this.canvas.ds.offset[1]] };
    const within = opts.keepView ? this.steps.map((s) => s.instanceId) : [];
    this.canvas.subgraph = undefined; // litegraph would reopen it by itself, from the old definitions
    if (this.canvas.graph !== this.graph) this.canvas.setGraph(this.graph);
    this.steps = [];
    this.graph.clear();
    const shown = this.events.prepare?.(workflow) ?? workflow;
    this.kept = Object.fromEntries(Object.entries(shown).filter(([k]) => !LITEGRAPH_FIELDS.has(k)));
    this.graph.configure(shown as unknown as Parameters<LGraph['configure']>[0]);
    // litegraph keeps a node of an unknown type as a bare placeholder (has_errors): it draws our state too
    for (const node of this.allNodes()) if (node.has_errors) node.onDrawForeground = (ctx) => this.events.drawNode?.(node, ctx);
    this.reopen(within);
    if (opts.keepView) {
      this.canvas.ds.scale = view.scale;
      this.canvas.ds.offset[0] = view.offset[0];
      this.canvas.ds.offset[1] = view.offset[1];
    } else this.placeView(this.shown.nodes);
    this.drawNow();
  }

  /** Zooms and pans so every node (or every one of `only`) is visible. */
  fitView(only?: LGraphNode[]): void {
    this.placeView(only?.length ? only : this.shown.nodes);
    this.drawNow();
  }

  /**
   * Draws a frame at once rather than at the next animation frame: litegraph finds the node under
   * the pointer among those its last frame drew, so a click on a graph just shown would otherwise
   * hit the nodes of the one shown before (or nothing).
   */
  private drawNow(): void {
    this.canvas.draw(true, true);
  }

  private placeView(nodes: LGraphNode[]): void {
    if (!nodes.length) {
      this.canvas.ds.scale = 1;
      this.canvas.ds.offset[0] = 0;
      this.canvas.ds.offset[1] = 0;
      return;
    }
    let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const n of nodes) {
      x0 = Math.min(x0, n.pos[0]);
      y0 = Math.min(y0, n.pos[1] - LiteGraph.NODE_TITLE_HEIGHT);
      x1 = Math.max(x1, n.pos[0] + n.size[0]);
      y1 = Math.max(y1, n.pos[1] + n.size[1]);
    }
    const pad = 60;
    const scale = Math.min(1.2, Math.max(0.3, Math.min(this.el.width / (x1 - x0 + 2 * pad), this.el.height / (y1 - y0 + 2 * pad))));
    this.canvas.ds.scale = scale;
    this.canvas.ds.offset[0] = -x0 + pad + (this.el.width / scale - (x1 - x0 + 2 * pad)) / 2;
    this.canvas.ds.offset[1] = -y0 + pad + (this.el.height / scale - (y1 - y0 + 2 * pad)) / 2;
  }

  /** Pans (keeping the zoom) so `node` is in the middle of the view, unless it is in view already. */
  reveal(node: LGraphNode): void {
    const { scale, offset } = this.canvas.ds;
    const [w, h] = [this.el.width / scale, this.el.height / scale];
    if (this.inView(node)) return;
    const top = node.pos[1] - LiteGraph.NODE_TITLE_HEIGHT;
    offset[0] = -(node.pos[0] + node.size[0] / 2 - w / 2);
    offset[1] = -(top + (node.size[1] + LiteGraph.NODE_TITLE_HEIGHT) / 2 - h / 2);
    this.canvas.setDirty(true, true);
  }

  /** Whether every part of `node` is inside the view. */
  inView(node: LGraphNode): boolean {
    const { scale, offset } = this.canvas.ds;
    const [x0, y0] = [-offset[0], -offset[1]];
    return node.pos[0] >= x0 && node.pos[1] - LiteGraph.NODE_TITLE_HEIGHT >= y0 && node.pos[0] + node.size[0] <= x0 + this.el.width / scale && node.pos[1] + node.size[1] <= y0 + this.el.height / scale;
  }

  redraw(): void {
    this.canvas.setDirty(true, true);
  }

  nodeById(id: string): LGraphNode | null {
    return this.shown.getNodeById(id) ?? this.shown.getNodeById(Number(id));
  }

  /** The graph on the canvas: the workflow's, or the subgraph opened. */
  get shown(): LGraph {
    return (this.canvas.graph as LGraph | null) ?? this.graph;
  }

  /** The subgraph instances opened to reach the graph shown, outermost first. */
  get path(): readonly SubgraphStep[] {
    return this.steps;
  }

  /** Every node of the workflow: its own and those inside each subgraph definition. */
  allNodes(): LGraphNode[] {
    return [...this.graph.nodes, ...[...this.graph.subgraphs.values()].flatMap((s) => s.nodes)];
  }

  /** The id the server runs a node of the graph shown under: "instance:…:node" inside subgraphs. */
  executionId(node: LGraphNode): string {
    return [...this.steps.map((s) => s.instanceId), String(node.id)].join(EXECUTION_ID_SEPARATOR);
  }

  /** Opens a subgraph instance of the graph shown (its title button, or `enter` by id). */
  enter(node: LGraphNode): void {
    if (!(node instanceof SubgraphNode)) return;
    this.steps.push({ instanceId: String(node.id), subgraph: node.subgraph, title: node.title || node.subgraph.name });
    this.canvas.openSubgraph(node.subgraph);
    this.fitView();
    this.events.onGraphShown?.(this.steps);
  }

  /**
   * Shows the node the server runs as `id` ("4", or "12:3" inside subgraph instance 12): opens the
   * subgraphs on the way, selects it and pans to it. Null when there is no such node.
   */
  showExecutionNode(id: string): LGraphNode | null {
    const parts = id.split(EXECUTION_ID_SEPARATOR);
    if (this.steps.length) this.leave(0);
    let node: LGraphNode | null = this.graph.getNodeById(parts[0]) ?? null;
    for (const inner of parts.slice(1)) {
      if (!(node instanceof SubgraphNode)) return null;
      this.enter(node);
      node = this.shown.getNodeById(inner) ?? null;
    }
    if (!node) return null;
    this.canvas.selectNode(node);
    this.reveal(node);
    this.drawNow();
    return node;
  }

  /** Goes back out to `depth` steps (0: the workflow's own graph). */
  leave(depth = 0): void {
    if (depth >= this.steps.length) return;
    const back = this.steps[depth];
    this.steps = this.steps.slice(0, depth);
    const target = depth === 0 ? this.graph : this.steps[depth - 1].subgraph;
    this.canvas.subgraph = depth === 0 ? undefined : (target as Subgraph);
    this.canvas.setGraph(target);
    const instance = target.getNodeById(back.instanceId);
    this.fitView(instance ? [instance] : undefined);
    this.events.onGraphShown?.(this.steps);
  }

  /** Opens the instances with these ids one inside the other, as far as they still exist. */
  private reopen(ids: string[]): void {
    for (const id of ids) {
      const node = this.shown.getNodeById(id) ?? this.shown.getNodeById(Number(id));
      if (!(node instanceof SubgraphNode)) break;
      this.steps.push({ instanceId: String(node.id), subgraph: node.subgraph, title: node.title || node.subgraph.name });
      this.canvas.openSubgraph(node.subgraph);
    }
    this.events.onGraphShown?.(this.steps);
  }
}

/** The widget a drag names ({name, value} as JSON) as addNode's values; anything else gives none. */
function widgetFromDrag(json: string | undefined): Record<string, string> {
  try {
    const { name, value } = JSON.parse(json ?? '') as { name?: unknown; value?: unknown };
    return typeof name === 'string' && typeof value === 'string' ? { [name]: value } : {};
  } catch {
    return {}; // not ours
  }
}

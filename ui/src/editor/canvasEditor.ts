// The litegraph canvas: graph, dark theme, node drops from the palette, workflow file drops,
// load/serialise, and grouping of the selection.
import { LGraph, LGraphCanvas, LGraphGroup, LGraphNode, LiteGraph, type Positionable } from '@comfyorg/litegraph';
import type { EditorWorkflow } from '../../../server/api/protocol';
import { TYPE_COLORS } from '../graph/nodeTypes';
import { NODE_DRAG_MIME } from '../panels/palette';

export interface CanvasEditorEvents {
  /** A file (workflow JSON or PNG) was dropped on the canvas. */
  /** A file was dropped at graph position `pos`. */
  onFileDrop(file: File, pos: [number, number]): void;
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
}

export class CanvasEditor {
  readonly graph = new LGraph();
  readonly canvas: LGraphCanvas;
  private readonly el: HTMLCanvasElement;

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
    applyTheme(this.canvas);
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
        this.addNode(type, [x, y]);
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
  addNode(type: string, pos?: [number, number]): LGraphNode | null {
    const node = LiteGraph.createNode(type);
    if (!node) return null;
    const at = pos ?? this.viewCentre();
    node.pos = [at[0], at[1]];
    this.graph.add(node);
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
    this.graph.add(group);
    this.canvas.setDirty(true, true);
    return group;
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
    return this.graph.getNodeOnPos(pos[0], pos[1]) ?? null;
  }

  /** The selected nodes (groups and reroute points left out). */
  selectedNodes(): LGraphNode[] {
    // a deleted node can linger in the selection: only nodes still in the graph count
    return [...this.canvas.selectedItems].filter((i): i is LGraphNode => i instanceof LGraphNode && this.graph.getNodeById(i.id) === i);
  }

  serialize(): EditorWorkflow {
    return JSON.parse(JSON.stringify(this.graph.serialize())) as EditorWorkflow;
  }

  /** Shows `workflow`; the view fits its nodes unless `keepView` (an undo step keeps where the user looks). */
  load(workflow: EditorWorkflow, opts: { keepView?: boolean } = {}): void {
    const view = { scale: this.canvas.ds.scale, offset: [this.canvas.ds.offset[0], this.canvas.ds.offset[1]] };
    this.graph.clear();
    this.graph.configure(workflow as unknown as Parameters<LGraph['configure']>[0]);
    if (opts.keepView) {
      this.canvas.ds.scale = view.scale;
      this.canvas.ds.offset[0] = view.offset[0];
      this.canvas.ds.offset[1] = view.offset[1];
    } else this.fitView();
    this.canvas.setDirty(true, true);
  }

  /** Zooms and pans so every node (or every one of `only`) is visible. */
  fitView(only?: LGraphNode[]): void {
    const nodes = only?.length ? only : this.graph.nodes;
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
    this.canvas.setDirty(true, true);
  }

  redraw(): void {
    this.canvas.setDirty(true, true);
  }

  nodeById(id: string): LGraphNode | null {
    return this.graph.getNodeById(id) ?? this.graph.getNodeById(Number(id));
  }
}

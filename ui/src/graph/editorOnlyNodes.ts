// Node types that live only in the editor, as in ComfyUI: Note (a comment; MarkdownNote is read
// the same way) and Reroute (a waypoint a link passes through). They never run: the server's
// conversion to the API form leaves notes out and follows links through reroutes.
import { LGraphNode, LiteGraph, type ISlotType, type LLink } from '@comfyorg/litegraph';
import { wrapText } from './nodeDrawing';
import type { NodeSpec } from './nodeSpec';

export const EDITOR_ONLY_SPECS: NodeSpec[] = [
  { type: 'Note', displayName: 'Note', category: 'utils', description: 'A comment on the canvas: it travels with the workflow and never runs.', inputs: [], outputs: [], outputNode: false },
  { type: 'Reroute', displayName: 'Reroute', category: 'utils', description: 'A waypoint for a link: what comes in goes out; it never runs.', inputs: [], outputs: [], outputNode: false },
];

const NOTE_COLORS = { color: '#432', bgcolor: '#653' };

function noteClass(title: string): typeof LGraphNode {
  return class NoteNode extends LGraphNode {
    static override title = title;
    constructor(t?: string) {
      super(t ?? title);
      const text = this.addWidget('text', 'text', '', () => this.setDirtyCanvas(true, true), {});
      text.tooltip = 'click to edit';
      // the text is drawn whole below; the widget is only the place to click to edit it
      text.label = '✎ edit';
      Object.defineProperty(text, '_displayValue', { get: () => '' });
      this.serialize_widgets = true;
      this.isVirtualNode = true;
      Object.assign(this, NOTE_COLORS);
      this.size = [320, 140];
    }

    override onDrawForeground(ctx: CanvasRenderingContext2D): void {
      const value = String(this.widgets?.[0]?.value ?? '');
      const top = (this.widgets?.[0]?.y ?? 0) + LiteGraph.NODE_WIDGET_HEIGHT + 10;
      ctx.save();
      ctx.font = '13px sans-serif';
      ctx.fillStyle = '#f3ead2';
      const lines = wrapText(ctx, value, this.size[0] - 20);
      const height = top + lines.length * 17 + 6;
      if (this.size[1] < height) this.setSize([this.size[0], height]);
      lines.forEach((l, i) => ctx.fillText(l, 10, top + 12 + i * 17));
      ctx.restore();
    }
  };
}

class RerouteNode extends LGraphNode {
  static override title = 'Reroute';
  /** a bare waypoint: no title bar */
  static title_mode = LiteGraph.NO_TITLE;
  static collapsable = false;
  constructor(t?: string) {
    super(t ?? 'Reroute');
    this.addInput('', '*');
    this.addOutput('', '*');
    this.isVirtualNode = true;
    this.size = [75, 26];
  }

  /** The output takes the type of what comes in, so that it links only where that type fits. */
  override onConnectionsChange(slotKind: ISlotType, _index: number, _connected: boolean, _link: LLink | null | undefined): void {
    if (slotKind === LiteGraph.INPUT) this.retype(new Set());
  }

  /** Takes the incoming type; the links it feeds take it too (their colour), and reroutes further down follow. */
  private retype(seen: Set<RerouteNode>): void {
    if (seen.has(this)) return; // a loop of reroutes carries nothing
    seen.add(this);
    const linkId = this.inputs[0]?.link;
    const link = linkId != null ? this.graph?.links.get(linkId) : undefined;
    const origin = link ? this.graph?.getNodeById(link.origin_id) : undefined;
    const incoming = link ? origin?.outputs?.[link.origin_slot]?.type : undefined;
    const carried = incoming && incoming !== '*' ? incoming : '*';
    this.outputs[0].type = carried;
    if (link) link.type = carried;
    for (const id of this.outputs[0].links ?? []) {
      const out = this.graph?.links.get(id);
      if (!out) continue;
      out.type = carried;
      const next = this.graph?.getNodeById(out.target_id);
      if (next instanceof RerouteNode) next.retype(seen);
    }
  }
}

type SerialisedPrimitive = { outputs?: { type?: unknown; widget?: { name?: string } }[]; widgets_values?: unknown };

/**
 * ComfyUI's Primitive node, as workflows made there hold it: one value that sets the widget input of
 * every node its output is linked to (the conversion to the API form copies it there; it never runs).
 * It shows that value (and a number's control value) to be edited; new ones are made in ComfyUI, not here.
 */
class PrimitiveNode extends LGraphNode {
  static override title = 'Primitive';
  constructor(t?: string) {
    super(t ?? 'Primitive');
    this.addOutput('connect to widget input', '*');
    this.serialize_widgets = true;
    this.isVirtualNode = true;
    this.addProperty('Run widget replace on values', false, 'boolean');
  }

  /** The value widget follows the type the file gives the output (INT, FLOAT, BOOLEAN, else text). */
  override configure(info: Parameters<LGraphNode['configure']>[0]): void {
    const data = info as unknown as SerialisedPrimitive;
    const type = String(data.outputs?.[0]?.type ?? '*');
    const values = Array.isArray(data.widgets_values) ? data.widgets_values : [];
    if (!this.widgets?.length && type !== '*') {
      const name = 'value';
      if (type === 'INT' || type === 'FLOAT') {
        const value = this.addWidget('number', name, Number(values[0] ?? 0), () => {}, type === 'INT' ? { precision: 0, step2: 1 } : { precision: 3, step2: 0.01 });
        if (type === 'INT') value.callback = (v: unknown) => (value.value = Math.round(Number(v)));
        this.addWidget('combo', 'control_after_generate', String(values[1] ?? 'fixed'), () => {}, { values: ['fixed', 'increment', 'decrement', 'randomize'] });
      } else if (type === 'BOOLEAN') this.addWidget('toggle', name, Boolean(values[0]), () => {}, {});
      else this.addWidget('text', name, String(values[0] ?? ''), () => {}, {});
    }
    super.configure(info);
  }
}

/** Registers Note, MarkdownNote, Reroute and ComfyUI's PrimitiveNode with litegraph. */
export function registerEditorOnlyNodes(): void {
  LiteGraph.registerNodeType('Note', noteClass('Note'));
  LiteGraph.registerNodeType('MarkdownNote', noteClass('Note'));
  LiteGraph.registerNodeType('Reroute', RerouteNode);
  LiteGraph.registerNodeType('PrimitiveNode', PrimitiveNode);
  for (const type of ['Note', 'MarkdownNote', 'Reroute', 'PrimitiveNode']) {
    (LiteGraph.registered_node_types[type] as { category?: string }).category = 'utils';
  }
}

// Registers one litegraph node class per /object_info entry. Widget inputs get a widget plus an
// input slot tied to it (`widget: {name}`), so a constant can also be fed by a link; link inputs get
// a plain typed slot. Litegraph refuses links between slots of different types.
import { LiteGraph, LGraphNode, type IContextMenuValue, type INodeInputSlot, type ISlotType, type LLink } from '@comfyorg/litegraph';
import type { ISerialisedNode } from '@comfyorg/litegraph/dist/types/serialisation';
import type { IBaseWidget } from '@comfyorg/litegraph/dist/types/widgets';
import type { ObjectInfoResponse, UPLOAD_COMBOS } from '../../../server/api/protocol';
import { parseNodeSpec, type NodeSpec } from './nodeSpec';
import { addInputWidget } from './widgets';

export interface NodeHooks {
  /** Paints run state (progress, errors, previews) over the node. */
  drawForeground(node: LGraphNode, ctx: CanvasRenderingContext2D): void;
  /** The "upload" button of an image file list was pressed. */
  uploadInto(node: LGraphNode, comboName: string): void;
  /** The "edit mask" button of an image file list was pressed. */
  editMask(node: LGraphNode, comboName: string): void;
  /** "Queue selected output nodes" was chosen in an output node's menu. */
  queueOutputs(node: LGraphNode): void;
  /** Menu entries for the images a node shows (open one, copy it into a Load Image). */
  imageMenu(node: LGraphNode): IContextMenuValue<unknown>[];
  /** A click on the node (node-local position); true when it was used (e.g. a seed picked on a preview). */
  click(node: LGraphNode, pos: ArrayLike<number>): boolean;
}

/** A COMBO input named "image" lists pictures of the input folder: it gets an upload button and the mask editor (ComfyUI's convention). */
const UPLOAD_COMBO = 'image';
/** The file types the upload button of each input-folder COMBO (UPLOAD_COMBOS) offers: Load Image's pictures, Load Video's animations. */
const UPLOAD_ACCEPT: Record<(typeof UPLOAD_COMBOS)[number], string> = {
  image: 'image/png,image/jpeg,image/webp',
  video: 'image/gif,image/png,image/apng,.gif,.png,.apng',
};

/** What the file picker offers for an upload into the COMBO named `comboName`. */
export function uploadAccept(comboName: string): string {
  return UPLOAD_ACCEPT[comboName as keyof typeof UPLOAD_ACCEPT] ?? UPLOAD_ACCEPT[UPLOAD_COMBO];
}

const MIN_NODE_WIDTH = 240;

/** Whether a node on the canvas is an output node of the server's (what a prompt runs for). */
export function isOutputNode(node: LGraphNode): boolean {
  return (node.constructor as { outputNode?: boolean }).outputNode === true;
}

/** Whether a node picks a file of the input folder (Load Image): it has the upload and mask buttons. */
export function takesInputImage(node: LGraphNode): boolean {
  return !!node.widgets?.some((w) => w.name === 'edit mask');
}

/** The input-folder file a node with an uploadable file list (Load Image, Load Video) has chosen, if any. */
export function chosenInputFile(node: LGraphNode): string | undefined {
  if (!node.widgets?.some((w) => w.name === 'upload')) return undefined;
  const value = node.widgets.find((w) => w.name in UPLOAD_ACCEPT)?.value;
  return typeof value === 'string' && value ? value : undefined;
}

/** Type colours for slots and links. */
export const TYPE_COLORS: Record<string, string> = {
  IMAGE: '#64b5f6',
  VIDEO: '#4dd0e1',
  MASK: '#e0e0e0',
  TOKENS: '#ba68c8',
  CONDITIONING: '#ffb74d',
  MODEL: '#b39ddb',
  NAR_MODEL: '#b39ddb',
  TOKENIZER: '#f06292',
  TEXT_ENCODER: '#ffd54f',
  METRICS: '#a1887f',
  INT: '#81c784',
  FLOAT: '#aed581',
  STRING: '#90a4ae',
  BOOLEAN: '#e57373',
  COMBO: '#7986cb',
};

/** Enables or disables the widget whose input slot gained or lost a link. */
function syncLinkedWidget(node: LGraphNode, input: INodeInputSlot | undefined): void {
  if (!input?.widget) return;
  const widget = node.widgets?.find((w: IBaseWidget) => w.name === input.widget?.name);
  if (widget) widget.disabled = input.link != null;
}

function makeNodeClass(spec: NodeSpec, hooks: NodeHooks): typeof LGraphNode {
  class NarflowNode extends LGraphNode {
    static override title = spec.displayName;
    static override category = spec.category;
    /** runs as a prompt's output (Save Image, Preview Image, …) */
    static outputNode = spec.outputNode;

    constructor(title?: string) {
      super(title ?? spec.displayName, spec.type);
      this.serialize_widgets = true;
      // litegraph sets its own onMouseDown on each node (title buttons): ours runs first
      const base = this.onMouseDown;
      this.onMouseDown = (e, pos, canvas) => hooks.click(this, pos) || (base?.call(this, e, pos, canvas) ?? false);
      this.comfyClass = spec.type;
      for (const input of spec.inputs) {
        const color = TYPE_COLORS[input.type];
        const shape = input.optional ? { shape: LiteGraph.GRID_SHAPE } : {};
        if (input.kind === 'widget') {
          addInputWidget(this, input);
          if (input.type === 'COMBO' && input.name in UPLOAD_ACCEPT) {
            const button = this.addWidget('button', 'upload', 'choose file to upload', () => hooks.uploadInto(this, input.name), {});
            button.serialize = false;
          }
          if (input.type === 'COMBO' && input.name === UPLOAD_COMBO) {
            const mask = this.addWidget('button', 'edit mask', 'paint what to redraw', () => hooks.editMask(this, input.name), {});
            mask.serialize = false;
          }
          this.addInput(input.name, input.type, { widget: { name: input.name }, color_on: color, ...shape });
        } else {
          this.addInput(input.name, input.type, { color_on: color, ...shape });
        }
      }
      for (const output of spec.outputs) this.addOutput(output.name, output.type, { color_on: TYPE_COLORS[output.type] });
      if (spec.outputNode) this.color = '#2f4a3a';
      const size = this.computeSize();
      this.size = [Math.max(MIN_NODE_WIDTH, size[0]), size[1]];
    }

    override onConnectionsChange(type: ISlotType, index: number, _connected: boolean, _link: LLink | null | undefined): void {
      if (type === LiteGraph.INPUT) syncLinkedWidget(this, this.inputs[index]);
    }

    /**
     * litegraph merges saved slots into the constructed ones by index; a saved list that is shorter
     * or ordered differently (API-form templates, older files) would leave stale slots behind.
     * The saved lists are taken as they are (links refer to their indices) and missing slots appended.
     */
    override configure(info: ISerialisedNode): void {
      if (info.inputs) this.inputs = [];
      if (info.outputs) this.outputs = [];
      super.configure(info);
    }

    override onConfigure(): void {
      for (const input of spec.inputs) {
        if (this.inputs.some((i) => i.name === input.name)) continue;
        const widget = input.kind === 'widget' ? { widget: { name: input.name } } : {};
        this.addInput(input.name, input.type, { ...widget, color_on: TYPE_COLORS[input.type] });
      }
      for (const output of spec.outputs) {
        if (!this.outputs.some((o) => o.name === output.name)) this.addOutput(output.name, output.type, { color_on: TYPE_COLORS[output.type] });
      }
      for (const input of this.inputs) syncLinkedWidget(this, input);
    }

    /** widgets_values lists only serialised widgets, packed (litegraph leaves holes for skipped ones). */
    override onSerialize(o: ISerialisedNode): void {
      if (this.widgets?.length) o.widgets_values = this.widgets.filter((w) => w.serialize !== false).map((w) => w.value as never);
    }

    override onDrawForeground(ctx: CanvasRenderingContext2D): void {
      hooks.drawForeground(this, ctx);
    }

    override getExtraMenuOptions(): IContextMenuValue<unknown>[] {
      const queue = isOutputNode(this) ? [{ content: 'Queue selected output nodes', callback: () => hooks.queueOutputs(this) }] : [];
      return [...queue, ...hooks.imageMenu(this)];
    }

  }
  Object.defineProperty(NarflowNode, 'name', { value: `Node_${spec.type.replace(/\W/g, '_')}` });
  return NarflowNode;
}

/** Registers every node type of `info` with litegraph; returns the parsed specs (for the palette). */
export function registerNodeTypes(info: ObjectInfoResponse, hooks: NodeHooks): NodeSpec[] {
  const specs = Object.entries(info).map(([type, entry]) => parseNodeSpec(type, entry));
  for (const spec of specs) {
    const cls = makeNodeClass(spec, hooks);
    LiteGraph.registerNodeType(spec.type, cls);
    (cls as { category?: string }).category = spec.category; // registerNodeType derives it from a "/" path
    registerSlotTypes(spec);
  }
  return specs;
}

/**
 * Tells litegraph's search which slot types a node type takes and gives, so a link dropped on empty
 * canvas ("Search" in its menu) lists the nodes it can connect to first. litegraph reads the type
 * from `.constructor.type`, as of a node instance, and its search looks the type up lower-cased.
 */
function registerSlotTypes(spec: NodeSpec): void {
  const asInstance = { constructor: { type: spec.type } } as unknown as Parameters<typeof LiteGraph.registerNodeAndSlotType>[0];
  for (const input of spec.inputs) LiteGraph.registerNodeAndSlotType(asInstance, input.type.toLowerCase(), false);
  for (const output of spec.outputs) LiteGraph.registerNodeAndSlotType(asInstance, output.type.toLowerCase(), true);
}

// Subgraph instances on the canvas. litegraph makes a subgraph definition (a workflow's
// `definitions.subgraphs[]`, or "Convert to Subgraph" on a selection) and then creates its
// instances by node type = the definition's id: each definition needs a node class registered
// under that id before its instances are created, which this does as each definition appears.
import { LiteGraph, SubgraphNode, type ISlotType, type LGraph, type LGraphCanvas, type LGraphNode, type Subgraph } from '@comfyorg/litegraph';
import type { LGraphButton } from '@comfyorg/litegraph/dist/LGraphButton';
import type { ExportedSubgraphInstance } from '@comfyorg/litegraph/dist/types/serialisation';
import type { IBaseWidget } from '@comfyorg/litegraph/dist/types/widgets';

export interface SubgraphHooks {
  /** The instance's "open" button was pressed. */
  enter(node: LGraphNode): void;
  /** Draws run state over the instance. */
  drawForeground(node: LGraphNode, ctx: CanvasRenderingContext2D): void;
}

/** The title button litegraph gives an instance to open its subgraph. */
const ENTER_BUTTON = 'enter_subgraph';

function blankInstance(subgraph: Subgraph): ExportedSubgraphInstance {
  return { id: -1, type: subgraph.id, pos: [0, 0], size: [200, 80], flags: {}, order: 0, mode: 0, inputs: [], outputs: [] } as unknown as ExportedSubgraphInstance;
}

function instanceClass(root: LGraph, subgraph: Subgraph, hooks: SubgraphHooks): typeof SubgraphNode {
  class Instance extends SubgraphNode {
    static override title = subgraph.name;

    constructor() {
      super(root, subgraph, blankInstance(subgraph));
      // the values of subgraph inputs shown as widgets travel with the instance (litegraph's base
      // class leaves them out of its serialisation)
      this.serialize_widgets = true;
      // litegraph's button shows a glyph of an icon font this page does not load
      for (const b of this.title_buttons) if (b.name === ENTER_BUTTON) Object.assign(b, { text: '↗', fontSize: 15 });
    }

    override onTitleButtonClick(button: LGraphButton, canvas: LGraphCanvas): void {
      if (button.name === ENTER_BUTTON) hooks.enter(this);
      else super.onTitleButtonClick(button, canvas);
    }

    override onDrawForeground(ctx: CanvasRenderingContext2D): void {
      this.syncWidgets();
      hooks.drawForeground(this, ctx);
    }

    override onConnectionsChange(type: ISlotType): void {
      if (type === LiteGraph.INPUT) this.syncWidgets();
    }

    override onConfigure(): void {
      this.syncWidgets();
    }

    /**
     * A subgraph input shown as a widget takes its value from the widget while nothing is linked to
     * it outside (litegraph copies the inner widget, disabled there because the subgraph input feeds it).
     */
    syncWidgets(): void {
      for (const input of this.inputs) {
        const widget = this.promotedWidget(input.name, input.widget?.name);
        if (widget) widget.disabled = input.link != null;
      }
    }

    /**
     * The widget litegraph shows for a subgraph input (named after it). litegraph ties the slot to
     * it only when the instance is configured from a file, not when "Convert to Subgraph" makes it.
     */
    private promotedWidget(inputName: string, widgetName?: string): IBaseWidget | undefined {
      return this.widgets.find((w) => w.name === (widgetName ?? inputName));
    }

    override serialize(): ReturnType<SubgraphNode['serialize']> {
      const o = super.serialize();
      // the saved slots say which widget each feeds: the conversion reads the value from it
      for (const input of o.inputs ?? []) if (!input.widget && this.promotedWidget(input.name)) input.widget = { name: input.name };
      return o;
    }
  }
  Object.defineProperty(Instance, 'name', { value: `Subgraph_${subgraph.id.replace(/\W/g, '_')}` });
  return Instance as unknown as typeof SubgraphNode;
}

/** Registers a node class for every subgraph definition `root` makes from now on. */
export function registerSubgraphTypes(root: LGraph, hooks: SubgraphHooks): void {
  root.events.addEventListener('subgraph-created', (e) => {
    const { subgraph } = (e as CustomEvent<{ subgraph: Subgraph }>).detail;
    LiteGraph.registerNodeType(subgraph.id, instanceClass(root, subgraph, hooks) as unknown as typeof LGraphNode);
  });
}

/** Whether a node on the canvas is a subgraph instance. */
export function isSubgraphInstance(node: LGraphNode): node is SubgraphNode {
  return node instanceof SubgraphNode;
}

// Subgraphs, in ComfyUI's editor form: `definitions.subgraphs[]` holds graphs of their own, and a node
// whose type is one of their ids is an instance of it. Before a workflow runs, each instance is
// replaced by copies of the nodes inside it, with execution ids "instance:inner" ("a:b:c" when
// nested), as ComfyUI does, and the links through the subgraph's inputs (the virtual node -10) and
// outputs (-20) are joined to what the instance is wired to outside. Pure: no Node-only imports.
import { NODE_MODE, type EditorLink, type EditorNode, type EditorSubgraph, type EditorWorkflow } from './schema';

/** Ids of the virtual nodes inside a subgraph that stand for its inputs and its outputs (litegraph's). */
export const SUBGRAPH_INPUT_ID = -10;
export const SUBGRAPH_OUTPUT_ID = -20;
/** How deep instances may nest. */
export const MAX_SUBGRAPH_DEPTH = 16;

/** Separates the instance ids in an execution id: "12:3" is node 3 inside instance 12. */
export const EXECUTION_ID_SEPARATOR = ':';

export interface SubgraphProblem {
  nodeId: string;
  classType: string;
  message: string;
}

export interface FlatWorkflow {
  /** Every node that is not an expanded instance, inner ones with their execution ids. */
  nodes: EditorNode[];
  /** Links between those nodes (the root's keep their ids). */
  links: EditorLink[];
  /** Values of subgraph inputs shown as widgets on an instance, for the inner inputs they feed: node id → input → value. */
  constants: Map<string, Record<string, unknown>>;
  problems: SubgraphProblem[];
}

/** Where a value comes from: a node's output, or (inside a subgraph) the subgraph's input k. */
type Origin = readonly [string, number] | readonly [typeof SUBGRAPH_INPUT_ID, number];

interface ScopeResult {
  nodes: EditorNode[];
  links: EditorLink[];
  /** Subgraph output slot → what feeds it. */
  outputs: Map<number, Origin>;
}

interface Instance {
  node: EditorNode;
  def: EditorSubgraph;
  inner: ScopeResult;
}

interface Context {
  defs: Map<string, EditorSubgraph>;
  constants: Map<string, Record<string, unknown>>;
  problems: SubgraphProblem[];
  nextLinkId: number;
}

type LinkObject = { id: number; origin_id: number | string; origin_slot: number; target_id: number | string; target_slot: number; type?: unknown };

function asTuple(l: EditorSubgraph['links'][number]): EditorLink {
  if (Array.isArray(l)) return l as EditorLink;
  const o = l as LinkObject;
  return [o.id, o.origin_id, o.origin_slot, o.target_id, o.target_slot, String(o.type ?? '*')];
}

/** Whether a workflow holds instances of subgraphs (nodes whose type is a definition's id). */
export function hasSubgraphInstances(wf: EditorWorkflow): boolean {
  const ids = new Set((wf.definitions?.subgraphs ?? []).map((s) => s.id));
  return ids.size > 0 && wf.nodes.some((n) => ids.has(n.type));
}

/** The subgraph definitions of a workflow by id. */
export function subgraphDefinitions(wf: EditorWorkflow): Map<string, EditorSubgraph> {
  return new Map((wf.definitions?.subgraphs ?? []).map((s) => [s.id, s]));
}

/**
 * Replaces every subgraph instance by the nodes inside it. Muted and bypassed instances stay as they
 * are (the conversion leaves them out, or passes their inputs through, as for any node). A
 * workflow without instances comes back with its own nodes and links.
 */
export function flattenSubgraphs(wf: EditorWorkflow): FlatWorkflow {
  const ctx: Context = {
    defs: subgraphDefinitions(wf),
    constants: new Map(),
    problems: [],
    nextLinkId: Math.max(0, wf.last_link_id ?? 0, ...wf.links.map((l) => l[0])) + 1,
  };
  if (!hasSubgraphInstances(wf)) return { nodes: wf.nodes, links: wf.links, constants: ctx.constants, problems: [] };
  const root = flattenScope(wf.nodes, wf.links, '', [], ctx);
  return { nodes: root.nodes, links: root.links, constants: ctx.constants, problems: ctx.problems };
}

function flattenScope(nodes: EditorNode[], links: EditorLink[], prefix: string, stack: string[], ctx: Context): ScopeResult {
  const flatId = (id: string | number): string => `${prefix}${id}`;
  // the root keeps its link ids (problems name them); inner links get fresh ones
  const linkIds = new Map<number, number>(links.map((l) => [l[0], prefix ? ctx.nextLinkId++ : l[0]]));
  const linkById = new Map(links.map((l) => [l[0], l]));
  const instances = new Map<string, Instance>();
  const copies = new Map<string, EditorNode>();
  const out: ScopeResult = { nodes: [], links: [], outputs: new Map() };

  for (const node of nodes) {
    const def = ctx.defs.get(node.type);
    const mode = node.mode ?? NODE_MODE.always;
    if (def && mode !== NODE_MODE.never && mode !== NODE_MODE.bypass) {
      const name = def.name ?? def.id;
      if (stack.includes(def.id) || stack.length >= MAX_SUBGRAPH_DEPTH) {
        ctx.problems.push({
          nodeId: flatId(node.id),
          classType: name,
          message: stack.includes(def.id)
            ? `subgraph '${name}' contains an instance of itself (through ${[...stack.map((s) => ctx.defs.get(s)?.name ?? s), name].join(' → ')})`
            : `subgraphs nest deeper than ${MAX_SUBGRAPH_DEPTH} levels`,
        });
        continue;
      }
      const inner = flattenScope(def.nodes, def.links.map(asTuple), `${flatId(node.id)}${EXECUTION_ID_SEPARATOR}`, [...stack, def.id], ctx);
      instances.set(String(node.id), { node, def, inner });
      continue;
    }
    const copy: EditorNode = {
      ...node,
      id: prefix ? flatId(node.id) : node.id,
      inputs: node.inputs?.map((i) => ({ ...i, link: i.link == null ? i.link : (linkIds.get(i.link) ?? (prefix ? ctx.nextLinkId++ : i.link)) })),
    };
    copies.set(String(node.id), copy);
    out.nodes.push(copy);
  }

  /** What feeds instance `inst`'s input k, from this scope (undefined: nothing). */
  const instanceInput = (inst: Instance, k: number, depth: number): Origin | undefined => {
    const slot = instanceSlot(inst, k);
    const link = slot?.link != null ? linkById.get(slot.link) : undefined;
    return link ? resolve(link[1], link[2], depth + 1) : undefined;
  };
  /** The output (origin, slot) of this scope as a node output, or the scope's own input. */
  const resolve = (origin: string | number, slot: number, depth: number): Origin | undefined => {
    if (Number(origin) === SUBGRAPH_INPUT_ID) return [SUBGRAPH_INPUT_ID, slot];
    const inst = instances.get(String(origin));
    if (!inst) return [flatId(origin), slot];
    const from = inst.inner.outputs.get(slot);
    if (!from || depth > 4 * MAX_SUBGRAPH_DEPTH) return undefined;
    // an output fed straight from one of the instance's inputs: follow that input out here
    return from[0] === SUBGRAPH_INPUT_ID ? instanceInput(inst, from[1], depth) : from;
  };
  const unlink = (node: EditorNode | undefined, linkId: number): void => {
    const input = node?.inputs?.find((i) => i.link === linkId);
    if (input) input.link = null;
  };

  for (const l of links) {
    const [id, origin, originSlot, target, targetSlot, type] = l;
    if (instances.has(String(target))) continue; // taken in by the instance below
    const from = resolve(origin, originSlot, 0);
    if (Number(target) === SUBGRAPH_OUTPUT_ID) {
      if (from) out.outputs.set(targetSlot, from);
      continue;
    }
    const newId = linkIds.get(id)!;
    if (!from) {
      unlink(copies.get(String(target)), newId);
      continue;
    }
    out.links.push([newId, from[0], from[1], prefix ? flatId(target) : target, targetSlot, type]);
  }

  for (const inst of instances.values()) {
    const innerNodes = new Map(inst.inner.nodes.map((n) => [String(n.id), n]));
    for (const l of inst.inner.links) {
      if (l[1] !== SUBGRAPH_INPUT_ID) {
        out.links.push(l);
        continue;
      }
      const from = instanceInput(inst, l[2], 0);
      if (from) {
        out.links.push([l[0], from[0], from[1], l[3], l[4], l[5]]);
        continue;
      }
      const target = innerNodes.get(String(l[3]));
      const value = promotedValue(inst, l[2]);
      const input = target?.inputs?.find((i) => i.link === l[0]);
      if (value !== undefined && target && input?.widget) {
        const key = String(target.id);
        ctx.constants.set(key, { ...ctx.constants.get(key), [input.name]: value });
      }
      unlink(target, l[0]);
    }
    out.nodes.push(...inst.inner.nodes);
  }
  return out;
}

/**
 * Sets the widget a subgraph instance shows for its input `name` (a copy of the workflow). Throws a
 * message when `nodeId` is no instance, or that input is no widget there (linked, or feeding no
 * widget inside): the inner node is then reached by its execution id ("12:3.width").
 */
export function setInstanceWidget(wf: EditorWorkflow, nodeId: string, name: string, value: unknown): EditorWorkflow {
  const defs = subgraphDefinitions(wf);
  const copy = JSON.parse(JSON.stringify(wf)) as EditorWorkflow;
  const node = copy.nodes.find((n) => String(n.id) === nodeId);
  const def = node && defs.get(node.type);
  if (!node || !def) throw new Error(`no node ${nodeId} in the workflow`);
  const inputs = node.inputs ?? [];
  const slot = inputs.find((i) => i.name === name);
  const inner = (id: string) => `${nodeId}${EXECUTION_ID_SEPARATOR}${id}`;
  const innerIds = def.nodes.map((n) => inner(String(n.id))).join(', ');
  const shown = inputs.filter((i) => i.widget);
  if (!slot?.widget) {
    throw new Error(
      `node ${nodeId} is an instance of subgraph '${def.name ?? def.id}', which shows ${
        shown.length ? `the widgets ${shown.map((i) => `'${i.name}'`).join(', ')}` : 'no widgets'
      }, not '${name}'; set a node inside it by its id (${innerIds})`,
    );
  }
  if (slot.link != null) throw new Error(`input '${name}' of subgraph instance ${nodeId} is linked, so its widget is not used`);
  const values = node.widgets_values;
  if (values !== undefined && !Array.isArray(values)) values[slot.widget.name] = value;
  else {
    const list = [...(values ?? [])];
    while (list.length < shown.length) list.push(null);
    list[promotedIndex(node, slot)] = value;
    node.widgets_values = list;
  }
  return copy;
}

type Slot = NonNullable<EditorNode['inputs']>[number];

/** Where an instance's widgets_values (a list) holds the widget of its input `slot`: widgets come in input order. */
function promotedIndex(node: EditorNode, slot: Slot): number {
  return (node.inputs ?? []).filter((i) => i.widget).indexOf(slot);
}

/** The instance's slot for subgraph input k (by name; by position in files that renamed nothing). */
function instanceSlot(inst: Instance, k: number): Slot | undefined {
  const name = inst.def.inputs[k]?.name;
  const inputs = inst.node.inputs ?? [];
  return inputs.find((i) => i.name === name) ?? inputs[k];
}

/**
 * The value an instance shows for subgraph input k as a widget (litegraph "promotes" the widget an
 * input feeds onto the instance). widgets_values lists those widgets in input order.
 */
function promotedValue(inst: Instance, k: number): unknown {
  const slot = instanceSlot(inst, k);
  const values = inst.node.widgets_values;
  if (!slot?.widget || values === undefined) return undefined;
  if (!Array.isArray(values)) return values[slot.widget.name] ?? values[slot.name];
  return values[promotedIndex(inst.node, slot)];
}

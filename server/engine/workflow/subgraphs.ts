// Subgraphs, in ComfyUI's editor form: `definitions.subgraphs[]` holds graphs of their own, and a node
// whose type is one of their ids is an instance of it. Before a workflow runs, each instance is
// replaced by copies of the nodes inside it, with execution ids "instance:inner" ("a:b:c" when
// nested), as ComfyUI does, and the links through the subgraph's inputs (the virtual node -10) and
// outputs (-20) are joined to what the instance is wired to outside. Pure: no Node-only imports.
import { NODE_MODE, type EditorLink, type EditorLinkObject, type EditorNode, type EditorSubgraph, type EditorWorkflow } from './schema';

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
  /** Values the instance (or a host around it) gives its subgraph inputs, by input name. */
  inputValues: Map<string, unknown>;
  /** Whether widgets_values lists the widgets of the inputs in input order (no proxyWidgets). */
  positional: boolean;
}

/** Values a host gives widgets of the nodes in a scope: node id → widget name → value. */
type WidgetValues = Map<string, Map<string, unknown>>;

interface Context {
  defs: Map<string, EditorSubgraph>;
  constants: Map<string, Record<string, unknown>>;
  problems: SubgraphProblem[];
  nextLinkId: number;
}

/** A link of a definition (litegraph's object form, or a tuple) as a tuple. */
export function asTuple(l: EditorSubgraph['links'][number]): EditorLink {
  if (Array.isArray(l)) return l as EditorLink;
  const o = l as EditorLinkObject;
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
  const root = flattenScope(wf.nodes, wf.links, '', [], ctx, new Map());
  return { nodes: root.nodes, links: root.links, constants: ctx.constants, problems: ctx.problems };
}

function flattenScope(nodes: EditorNode[], links: EditorLink[], prefix: string, stack: string[], ctx: Context, given: WidgetValues): ScopeResult {
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
      const promoted = promotedValues(node, def, given.get(String(node.id)));
      const inner = flattenScope(def.nodes, def.links.map(asTuple), `${flatId(node.id)}${EXECUTION_ID_SEPARATOR}`, [...stack, def.id], ctx, promoted.inner);
      instances.set(String(node.id), { node, def, inner, inputValues: promoted.inputs, positional: promoted.positional });
      continue;
    }
    const values = given.get(String(node.id));
    if (values?.size) {
      const key = flatId(node.id);
      const named = [...values].map(([k, v]) => [splitHostKey(k)[0], v] as const);
      ctx.constants.set(key, { ...ctx.constants.get(key), ...Object.fromEntries(named) });
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
      const inputName = inst.def.inputs[l[2]]?.name ?? '';
      const value = inst.inputValues.has(inputName) ? inst.inputValues.get(inputName) : inst.positional ? promotedValue(inst, l[2]) : undefined;
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
  const proxies = proxyWidgetEntries(node);
  if (proxies) {
    // ComfyUI's proxyWidgets: widgets_values follows that list; a subgraph input ("-1") before an inner widget of the same name
    const matches = proxies.map((p, i) => [p, i] as const).filter(([[, n]]) => n === name);
    const pick = matches.find(([[id]]) => id === SUBGRAPH_INPUT_REF) ?? (matches.length === 1 ? matches[0] : undefined);
    if (!pick) {
      const names = [...new Set(proxies.map(([, n]) => n).filter(Boolean))];
      throw new Error(
        matches.length > 1
          ? `node ${nodeId} shows more than one widget '${name}' (of nodes ${matches.map(([[id]]) => inner(id)).join(', ')}); set the one you mean by its id`
          : `node ${nodeId} is an instance of subgraph '${def.name ?? def.id}', which shows ${names.length ? `the widgets ${names.map((n) => `'${n}'`).join(', ')}` : 'no widgets'}, not '${name}'; set a node inside it by its id (${innerIds})`,
      );
    }
    if (slot?.link != null && pick[0][0] === SUBGRAPH_INPUT_REF) throw new Error(`input '${name}' of subgraph instance ${nodeId} is linked, so its widget is not used`);
    const list = Array.isArray(node.widgets_values) ? [...node.widgets_values] : [];
    while (list.length <= pick[1]) list.push(null);
    list[pick[1]] = value;
    node.widgets_values = list;
    return copy;
  }
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

/**
 * The instance's slot for subgraph input k: by name, or by position when the instance has a slot for
 * every input (a file that renamed one). ComfyUI's instances may list only some of the inputs (those
 * linked or shown), so a position alone does not say which input a slot is.
 */
function instanceSlot(inst: Instance, k: number): Slot | undefined {
  const name = inst.def.inputs[k]?.name;
  const inputs = inst.node.inputs ?? [];
  const byName = inputs.find((i) => i.name === name);
  if (byName || inputs.length !== inst.def.inputs.length) return byName;
  const slot = inputs[k];
  return slot && !inst.def.inputs.some((i) => i.name === slot.name) ? slot : undefined;
}

/**
 * The value an instance shows for subgraph input k as a widget (litegraph "promotes" the widget an
 * input feeds onto the instance). widgets_values lists those widgets in input order; ComfyUI leaves
 * a hole (null in JSON) where the instance keeps the inner widget's value.
 */
function promotedValue(inst: Instance, k: number): unknown {
  const slot = instanceSlot(inst, k);
  const values = inst.node.widgets_values;
  if (!slot?.widget || values === undefined) return undefined;
  const value = Array.isArray(values) ? values[promotedIndex(inst.node, slot)] : (values[slot.widget.name] ?? values[slot.name]);
  return value ?? undefined;
}

/** One entry of an instance's `properties.proxyWidgets`: inner node id ("-1": the subgraph's own input), widget name, and optionally the innermost node id. */
export type ProxyWidgetEntry = [string, string, string?];

/**
 * The widgets a subgraph instance shows by ComfyUI's `properties.proxyWidgets` (frontends from late
 * 2025: a list of [inner node id, widget name], or that list as a JSON string; "-1" names one of the
 * subgraph's inputs). Its widgets_values then lists their values in that order. Undefined when the
 * instance has none (widgets_values then follows the inputs shown as widgets).
 */
export function proxyWidgetEntries(node: EditorNode): ProxyWidgetEntry[] | undefined {
  let raw = node.properties?.proxyWidgets;
  if (typeof raw === 'string') {
    try {
      raw = JSON.parse(raw);
    } catch {
      return undefined;
    }
  }
  if (!Array.isArray(raw)) return undefined;
  const idOf = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined);
  const entries: ProxyWidgetEntry[] = [];
  for (const e of raw) {
    const id = Array.isArray(e) ? idOf(e[0]) : undefined;
    const name = Array.isArray(e) && typeof e[1] === 'string' ? e[1] : undefined;
    // entries that are not pairs keep their place (widgets_values is positional)
    entries.push(id !== undefined && name !== undefined ? [id, name, Array.isArray(e) ? idOf(e[2]) : undefined] : ['', '']);
  }
  return entries.length ? entries : undefined;
}

/** The value an instance's widgets_values holds for proxy widget i (null there is an unsaved widget, such as a preview). */
export function proxyValue(node: EditorNode, i: number): unknown {
  const values = node.widgets_values;
  return Array.isArray(values) && i < values.length && values[i] !== null ? values[i] : undefined;
}

export const SUBGRAPH_INPUT_REF = String(-1);
/** ComfyUI's first proxy widgets were named "innerId: widget" on the instance, and hosts around it refer to them so. */
const PREFIXED_WIDGET = /^\s*(-?\d+)\s*:\s*(.+)$/s;

function addValue(to: WidgetValues, nodeId: string, name: string, value: unknown): void {
  let m = to.get(nodeId);
  if (!m) to.set(nodeId, (m = new Map()));
  m.set(name, value);
}

/**
 * What an instance gives the inside of its subgraph: values for its inputs by name, and values for
 * widgets of inner nodes (from its proxyWidgets, and from a host around it, whose values win).
 */
function promotedValues(node: EditorNode, def: EditorSubgraph, fromHost: Map<string, unknown> | undefined): { inputs: Map<string, unknown>; inner: WidgetValues; positional: boolean } {
  const inputs = new Map<string, unknown>();
  const inner: WidgetValues = new Map();
  const own = proxyWidgetEntries(node);
  const innerIds = new Set(def.nodes.map((n) => String(n.id)));
  const inputNames = new Set(def.inputs.map((i) => i.name));
  const put = (id: string, name: string, value: unknown) => {
    if (id === SUBGRAPH_INPUT_REF) inputs.set(splitHostKey(name)[0], value);
    else if (innerIds.has(id)) addValue(inner, id, name, value);
  };
  own?.forEach(([id, name, deepest], i) => {
    const value = proxyValue(node, i);
    if (value !== undefined && name) put(id, deepest === undefined ? name : `${name}${HOST_KEY_SEPARATOR}${deepest}`, value);
  });
  for (const [key, value] of fromHost ?? []) {
    const [name, deepest] = splitHostKey(key);
    const prefixed = PREFIXED_WIDGET.exec(name);
    const mine = own?.find(([, n]) => n === name);
    if (inputNames.has(name)) put(SUBGRAPH_INPUT_REF, name, value);
    else if (deepest !== undefined && innerIds.has(deepest)) put(deepest, name, value);
    else if (prefixed) put(prefixed[1], prefixed[2], value);
    else if (mine) put(mine[0], name, value);
  }
  return { inputs, inner, positional: own === undefined };
}

/** A host's value for a nested instance's widget is keyed "name" or "name\u0000innermost node id". */
const HOST_KEY_SEPARATOR = '\u0000';
function splitHostKey(key: string): [string, string | undefined] {
  const at = key.indexOf(HOST_KEY_SEPARATOR);
  return at < 0 ? [key, undefined] : [key.slice(0, at), key.slice(at + 1)];
}

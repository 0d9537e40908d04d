// Editor form → API form (lossless for everything that runs), on the server, in the CLI and in the
// browser. Pure: no Node-only imports. Node definitions come as object_info entries.
import type { ErrorType, ObjectInfoResponse } from '../../api/protocol';
import { migrateEditorWorkflow } from './migrate';
import {
  ApiInputValue,
  ApiWorkflow,
  EditorLink,
  EditorNode,
  EditorWorkflow,
  NODE_MODE,
  editorWorkflowSchema,
  formatZodIssues,
} from './schema';
import { own, setOwn } from './ownProps';
import { flattenSubgraphs } from './subgraphs';
import { widgetSlots } from './widgets';

/** Editor-only node types that never run: reroutes pass links through, notes are comments. */
export const REROUTE_TYPES = new Set(['Reroute']);
export const NOTE_TYPES = new Set(['Note', 'MarkdownNote']);
/**
 * ComfyUI's editor-only Primitive node: its widget (widgets_values[0]) sets the widget input of every
 * node its output is linked to (frontend widgetInputs.ts); it never runs.
 */
export const PRIMITIVE_TYPES = new Set(['PrimitiveNode']);

/** The name of a legacy ComfyUI group node from its type ("workflow>Name", "workflow/Name" before frontend 1.2.63). */
export function legacyGroupNodeName(type: string): string | undefined {
  const m = /^workflow[>/](.+)$/s.exec(type);
  return m ? m[1] : undefined;
}

export interface ConversionProblem {
  nodeId: string;
  classType: string;
  type: ErrorType;
  message: string;
  inputName?: string;
}

export interface ConversionResult {
  prompt: ApiWorkflow;
  /** Structural problems found while converting (dangling links, missing widget values). */
  problems: ConversionProblem[];
}

export class WorkflowFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkflowFormatError';
  }
}

/** A node id used by more than one node of `nodes` (1 and "1" are the same id), or undefined. */
function duplicateId(nodes: EditorNode[]): string | undefined {
  const seen = new Set<string>();
  for (const n of nodes) {
    const id = String(n.id);
    if (seen.has(id)) return id;
    seen.add(id);
  }
  return undefined;
}

/** Validates (after migrations) an editor-form workflow; throws WorkflowFormatError listing the issues. */
export function parseEditorWorkflow(input: unknown): EditorWorkflow {
  const r = editorWorkflowSchema.safeParse(migrateEditorWorkflow(input));
  if (!r.success) throw new WorkflowFormatError(`not an editor-form workflow: ${formatZodIssues(r.error)}`);
  const dup = duplicateId(r.data.nodes);
  if (dup !== undefined) throw new WorkflowFormatError(`not an editor-form workflow: node id ${JSON.stringify(dup)} is used by more than one node`);
  for (const sg of r.data.definitions?.subgraphs ?? []) {
    const inner = duplicateId(sg.nodes);
    if (inner !== undefined) throw new WorkflowFormatError(`not an editor-form workflow: node id ${JSON.stringify(inner)} is used by more than one node of subgraph ${JSON.stringify(sg.name ?? sg.id)}`);
  }
  return r.data;
}

interface Graph {
  nodes: Map<string, EditorNode>;
  links: Map<number, EditorLink>;
}

/** Follows a link back through reroutes and bypassed nodes to the node output that feeds it (a loop, not recursion: chains may be long). */
function resolveOrigin(g: Graph, firstLinkId: number): [string, number] | 'missing' | 'dropped' {
  const seen = new Set<number>();
  for (let linkId = firstLinkId; ; ) {
    if (seen.has(linkId)) return 'missing';
    seen.add(linkId);
    const link = g.links.get(linkId);
    if (!link) return 'missing';
    const originId = String(link[1]);
    const slot = link[2];
    const origin = g.nodes.get(originId);
    if (!origin) return [originId, slot]; // validation reports the missing node
    if (origin.mode === NODE_MODE.never) return 'dropped';
    if (!REROUTE_TYPES.has(origin.type) && origin.mode !== NODE_MODE.bypass) return [originId, slot];
    const outType = origin.outputs?.[slot]?.type ?? link[5];
    const ins = origin.inputs ?? [];
    const pass = REROUTE_TYPES.has(origin.type)
      ? ins[0]
      : (ins[slot]?.type === outType && ins[slot]?.link != null ? ins[slot] : ins.find((i) => i.type === outType && i.link != null));
    if (!pass || pass.link == null) return 'dropped';
    linkId = pass.link;
  }
}

function widgetArray(node: EditorNode): unknown[] | Record<string, unknown> {
  return node.widgets_values ?? [];
}

/** The value a Primitive node gives the widgets it is linked to (a host's value for it first), or undefined when it has none. */
function primitiveValue(node: EditorNode, given: Record<string, unknown> | undefined): unknown {
  if (given && Object.prototype.hasOwnProperty.call(given, 'value')) return given.value;
  const values = node.widgets_values;
  return Array.isArray(values) ? values[0] : values?.value;
}

function groupNodeProblem(node: EditorNode, name: string, wf: EditorWorkflow): ConversionProblem {
  const groupNodes = wf.extra?.groupNodes;
  const stored = typeof groupNodes === 'object' && groupNodes !== null && Object.prototype.hasOwnProperty.call(groupNodes, name);
  const inner = stored ? (groupNodes as Record<string, { nodes?: { type?: unknown }[] }>)[name]?.nodes : undefined;
  const holds = Array.isArray(inner) && inner.length ? ` (it holds ${inner.map((n) => String(n?.type)).join(', ')})` : '';
  return {
    nodeId: String(node.id),
    classType: node.type,
    type: 'unknown_node_type',
    message:
      `node ${node.id} is a legacy ComfyUI group node '${name}'${holds}${stored ? ', defined in extra.groupNodes' : ', and extra.groupNodes does not define it'}; ` +
      `narflow does not run group nodes: open the workflow in ComfyUI, convert the group node to a subgraph (or to nodes) and save it again`,
  };
}

/**
 * Converts an editor-form workflow to the API form. Muted nodes, notes and reroutes are left out;
 * bypassed nodes pass their first input of the same type through. Unknown node types keep their
 * links (validation then reports them). Subgraph instances become the nodes inside them, with
 * execution ids "instance:inner". `info` is /api/object_info.
 */
export function editorToApi(input: unknown, info: ObjectInfoResponse): ConversionResult {
  const wf = parseEditorWorkflow(input);
  const flat = flattenSubgraphs(wf);
  const g: Graph = { nodes: new Map(), links: new Map() };
  for (const n of flat.nodes) g.nodes.set(String(n.id), n);
  for (const l of flat.links) g.links.set(l[0], l);
  const prompt: ApiWorkflow = {};
  const problems: ConversionProblem[] = flat.problems.map((p) => ({ ...p, type: 'cycle' }));

  for (const node of flat.nodes) {
    const id = String(node.id);
    if (node.mode === NODE_MODE.never || node.mode === NODE_MODE.bypass) continue;
    if (REROUTE_TYPES.has(node.type) || NOTE_TYPES.has(node.type) || PRIMITIVE_TYPES.has(node.type)) continue;
    const entry = own(info, node.type);
    const group = entry ? undefined : legacyGroupNodeName(node.type);
    if (group !== undefined) {
      // kept (without inputs) so that what it feeds names it, not a missing node
      problems.push(groupNodeProblem(node, group, wf));
      setOwn(prompt, id, { class_type: node.type, inputs: {} });
      continue;
    }
    const inputs: Record<string, ApiInputValue> = {};
    const widgetNames = entry ? new Set(widgetSlots(entry).map((w) => w.name)) : undefined;
    if (entry) {
      const values = widgetArray(node);
      for (const w of widgetSlots(entry)) {
        const v = Array.isArray(values) ? values[w.index] : own(values, w.name);
        if (v !== undefined) setOwn(inputs, w.name, v as ApiInputValue);
      }
    }
    // values a subgraph instance gives widgets inside it (only widgets: a host may name a control value)
    for (const [name, v] of Object.entries(flat.constants.get(id) ?? {})) if (!widgetNames || widgetNames.has(name)) setOwn(inputs, name, v as ApiInputValue);
    for (const slot of node.inputs ?? []) {
      if (slot.link == null) continue;
      let origin = resolveOrigin(g, slot.link);
      const from = Array.isArray(origin) ? g.nodes.get(origin[0]) : undefined;
      if (from && PRIMITIVE_TYPES.has(from.type)) {
        const value = primitiveValue(from, flat.constants.get(origin[0]));
        if (value !== undefined && value !== null) {
          setOwn(inputs, slot.name, value as ApiInputValue);
          continue;
        }
        origin = 'dropped'; // an unconnected Primitive holds no value: the widget keeps its own
      }
      if (origin === 'dropped') {
        if (!slot.widget) delete inputs[slot.name];
        continue;
      }
      if (origin === 'missing') {
        problems.push({
          nodeId: id,
          classType: node.type,
          type: 'bad_link',
          inputName: slot.name,
          message: `input '${slot.name}' refers to link ${slot.link}, which is not in the workflow's links`,
        });
        continue;
      }
      setOwn(inputs, slot.name, origin);
    }
    setOwn(prompt, id, { class_type: node.type, inputs, ...(node.title ? { _meta: { title: node.title } } : {}) });
  }
  return { prompt, problems };
}

/** Sets one widget value in an editor-form workflow (e.g. from `--set 3.seed=7`); returns a copy. */
export function setEditorWidget(wf: EditorWorkflow, nodeId: string, name: string, value: unknown, info: ObjectInfoResponse): EditorWorkflow {
  const copy = parseEditorWorkflow(wf);
  const node = copy.nodes.find((n) => String(n.id) === nodeId);
  if (!node) throw new WorkflowFormatError(`no node with id ${nodeId} in the workflow`);
  const entry = own(info, node.type);
  const slot = entry && widgetSlots(entry).find((w) => w.name === name);
  if (!slot) throw new WorkflowFormatError(`node ${nodeId} (${node.type}) has no widget input '${name}'`);
  const values = widgetArray(node);
  if (Array.isArray(values)) {
    while (values.length <= slot.index) values.push(null);
    values[slot.index] = value;
    node.widgets_values = values;
  } else setOwn(values, name, value);
  return copy;
}

// API form → editor form, laid out in columns by dependency depth. Used when a prompt arrives
// in the API form only (so outputs still carry an editor-form workflow) and for API-form
// templates. Pure.
import type { ObjectInfoResponse } from '../../api/protocol';
import { own } from './ownProps';
import { ApiWorkflow, EDITOR_WORKFLOW_VERSION, EditorInput, EditorLink, EditorNode, EditorOutput, EditorWorkflow, isApiLink } from './schema';
import { defaultWidgetValue, inputOrder, inputSpec, inputTypeName, isWidgetInput, widgetSlots } from './widgets';

/**
 * Each node's dependency depth: 0 without links, else one more than its deepest source (a missing
 * source, or one met again on a cycle, counts 0). Walked with an explicit stack, not recursion, so
 * a chain of any length fits.
 */
function depths(api: ApiWorkflow): Map<string, number> {
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const frames: { id: string; sources: string[]; next: number; d: number }[] = [];
  const enter = (id: string) => {
    visiting.add(id);
    const sources = Object.values(api[id].inputs).flatMap((v) => (isApiLink(v) ? [v[0]] : []));
    frames.push({ id, sources, next: 0, d: 0 });
  };
  for (const root of Object.keys(api)) {
    if (depth.has(root)) continue;
    enter(root);
    while (frames.length) {
      const f = frames[frames.length - 1];
      if (f.next < f.sources.length) {
        const src = f.sources[f.next++];
        const known = depth.get(src);
        if (known !== undefined) f.d = Math.max(f.d, known + 1);
        else if (visiting.has(src) || !own(api, src)) f.d = Math.max(f.d, 1);
        else enter(src);
        continue;
      }
      frames.pop();
      visiting.delete(f.id);
      depth.set(f.id, f.d);
      const parent = frames[frames.length - 1];
      if (parent) parent.d = Math.max(parent.d, f.d + 1);
    }
  }
  return depth;
}

function numericIds(api: ApiWorkflow): Map<string, number> {
  const ids = new Map<string, number>();
  let next = 1;
  for (const k of Object.keys(api)) if (/^\d+$/.test(k)) next = Math.max(next, Number(k) + 1);
  for (const k of Object.keys(api)) ids.set(k, /^\d+$/.test(k) ? Number(k) : next++);
  return ids;
}

/** Column pitch and node width of the layout. */
const COLUMN = 360;
const WIDTH = 320;
/** Room below a node that shows pictures (outputs, a chosen input picture, a sampler's preview). */
const PICTURE_ROOM = 280;

/**
 * About how tall the editor draws a node (its slot rows and widgets), and how much room to leave
 * below it: more for one that shows pictures, which the editor grows to fit.
 */
function layoutHeight(entry: ObjectInfoResponse[string] | undefined, inputs: EditorInput[], outputs: EditorOutput[], widgets: number): { height: number; room: number } {
  const slotRows = Math.max(inputs.filter((i) => !i.widget).length, outputs.length);
  const showsPictures = !!entry && (entry.output_node || 'preview' in { ...entry.input.required, ...entry.input.optional } || Array.isArray(entry.input.required?.image?.[0]));
  const height = Math.max(60, slotRows * 20 + widgets * 24 + 16);
  return { height, room: height + 50 + (showsPictures ? PICTURE_ROOM : 0) };
}

/**
 * Builds an editor-form workflow from an API-form one, laid out in columns by dependency depth,
 * each node below the previous one in its column with room for what it shows. Unknown types get
 * their links only.
 */
export function apiToEditor(api: ApiWorkflow, info: ObjectInfoResponse): EditorWorkflow {
  const ids = numericIds(api);
  const depth = depths(api);
  /** next free y per column */
  const columnY = new Map<number, number>();
  const links: EditorLink[] = [];
  const nodes = new Map<string, EditorNode>();

  for (const [key, node] of Object.entries(api)) {
    const entry = own(info, node.class_type);
    const d = depth.get(key) ?? 0;
    const outputs: EditorOutput[] = (entry?.output ?? []).map((type, i) => ({
      name: entry?.output_name[i] ?? type,
      type,
      links: [],
      slot_index: i,
    }));
    const inputs: EditorInput[] = [];
    const values: unknown[] = [];
    const widgetNames = new Set(entry ? widgetSlots(entry).map((w) => w.name) : []);
    const names = entry ? inputOrder(entry) : Object.keys(node.inputs);
    for (const name of names) {
      const spec = entry ? inputSpec(entry, name) : undefined;
      const v = own(node.inputs, name);
      if (spec && widgetNames.has(name)) {
        values.push(isApiLink(v) ? defaultWidgetValue(spec) : v ?? defaultWidgetValue(spec));
        if ((spec[1] as { control_after_generate?: boolean } | undefined)?.control_after_generate) values.push('fixed');
        if (isApiLink(v)) inputs.push({ name, type: inputTypeName(spec), link: null, widget: { name } });
      } else if (!spec || !isWidgetInput(spec)) {
        inputs.push({ name, type: spec ? inputTypeName(spec) : '*', link: null });
      }
    }
    const { height, room } = layoutHeight(entry, inputs, outputs, values.length);
    const y = columnY.get(d) ?? 60;
    columnY.set(d, y + room);
    nodes.set(key, {
      id: ids.get(key)!,
      type: node.class_type,
      pos: [60 + d * COLUMN, y],
      size: [WIDTH, height],
      flags: {},
      order: d,
      mode: 0,
      inputs,
      outputs,
      properties: {},
      widgets_values: values,
      ...(node._meta?.title ? { title: node._meta.title } : {}),
    });
  }

  let linkId = 0;
  for (const [key, node] of Object.entries(api)) {
    const target = nodes.get(key)!;
    for (const [name, v] of Object.entries(node.inputs)) {
      if (!isApiLink(v)) continue;
      const origin = nodes.get(v[0]);
      const slotIdx = (target.inputs ?? []).findIndex((i) => i.name === name);
      if (!origin || slotIdx < 0) continue;
      const type = origin.outputs?.[v[1]]?.type ?? target.inputs![slotIdx].type;
      const id = ++linkId;
      links.push([id, origin.id, v[1], target.id, slotIdx, type]);
      target.inputs![slotIdx].link = id;
      const out = origin.outputs?.[v[1]];
      if (out) out.links = [...(out.links ?? []), id];
    }
  }
  const list = [...nodes.values()];
  [...list].sort((a, b) => (a.order ?? 0) - (b.order ?? 0)).forEach((n, i) => (n.order = i));
  return {
    last_node_id: list.reduce((m, n) => Math.max(m, Number(n.id)), 0),
    last_link_id: linkId,
    nodes: list,
    links,
    groups: [],
    config: {},
    extra: {},
    version: EDITOR_WORKFLOW_VERSION,
  };
}

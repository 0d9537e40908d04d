// API form → editor form, laid out in columns by dependency depth. Used when a prompt arrives
// in the API form only (so outputs still carry an editor-form workflow) and for API-form
// templates. Pure.
import type { ObjectInfoResponse } from '../../api/protocol';
import { ApiWorkflow, EDITOR_WORKFLOW_VERSION, EditorInput, EditorLink, EditorNode, EditorOutput, EditorWorkflow, isApiLink } from './schema';
import { defaultWidgetValue, inputOrder, inputSpec, inputTypeName, isWidgetInput, widgetSlots } from './widgets';

function depths(api: ApiWorkflow): Map<string, number> {
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const visit = (id: string): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id) || !api[id]) return 0;
    visiting.add(id);
    let d = 0;
    for (const v of Object.values(api[id].inputs)) if (isApiLink(v)) d = Math.max(d, visit(v[0]) + 1);
    visiting.delete(id);
    depth.set(id, d);
    return d;
  };
  for (const id of Object.keys(api)) visit(id);
  return depth;
}

function numericIds(api: ApiWorkflow): Map<string, number> {
  const ids = new Map<string, number>();
  let next = Math.max(0, ...Object.keys(api).map((k) => (/^\d+$/.test(k) ? Number(k) : 0))) + 1;
  for (const k of Object.keys(api)) ids.set(k, /^\d+$/.test(k) ? Number(k) : next++);
  return ids;
}

/** Builds an editor-form workflow from an API-form one. Unknown types get their links only. */
export function apiToEditor(api: ApiWorkflow, info: ObjectInfoResponse): EditorWorkflow {
  const ids = numericIds(api);
  const depth = depths(api);
  const rows = new Map<number, number>();
  const links: EditorLink[] = [];
  const nodes = new Map<string, EditorNode>();

  for (const [key, node] of Object.entries(api)) {
    const entry = info[node.class_type];
    const d = depth.get(key) ?? 0;
    const row = rows.get(d) ?? 0;
    rows.set(d, row + 1);
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
      const v = node.inputs[name];
      if (spec && widgetNames.has(name)) {
        values.push(isApiLink(v) ? defaultWidgetValue(spec) : v ?? defaultWidgetValue(spec));
        if ((spec[1] as { control_after_generate?: boolean } | undefined)?.control_after_generate) values.push('fixed');
        if (isApiLink(v)) inputs.push({ name, type: inputTypeName(spec), link: null, widget: { name } });
      } else if (!spec || !isWidgetInput(spec)) {
        inputs.push({ name, type: spec ? inputTypeName(spec) : '*', link: null });
      }
    }
    nodes.set(key, {
      id: ids.get(key)!,
      type: node.class_type,
      pos: [60 + d * 340, 60 + row * 220],
      size: [300, 160],
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
    last_node_id: Math.max(0, ...list.map((n) => Number(n.id))),
    last_link_id: linkId,
    nodes: list,
    links,
    groups: [],
    config: {},
    extra: {},
    version: EDITOR_WORKFLOW_VERSION,
  };
}

// Subgraph instances as ComfyUI's newer frontends save them, brought to the form litegraph's
// SubgraphNode (the editor's) reads: a widget on an instance is the widget of one of its subgraph
// inputs, widgets_values lists those in input order, and the instance has a slot for every input,
// in the definition's order. ComfyUI writes instances that list only some of their inputs, and
// (late 2025 to spring 2026) `properties.proxyWidgets`: [inner node id, widget] pairs whose values
// widgets_values holds in that order, "-1" naming a subgraph input. The conversion to the API form
// reads both forms (subgraphs.ts); this is for the editor, which would otherwise show the slots
// shifted and drop the values of inner widgets promoted without an input. As ComfyUI's own repair
// (ADR 0009), an inner widget promoted without an input gets a new subgraph input linked to it. Pure.
import type { ObjectInfoResponse } from '../../api/protocol';
import { own } from './ownProps';
import type { EditorLinkObject, EditorNode, EditorSubgraph, EditorWorkflow } from './schema';
import { asTuple, proxyValue, proxyWidgetEntries, SUBGRAPH_INPUT_ID, SUBGRAPH_INPUT_REF, subgraphDefinitions } from './subgraphs';
import { inputSpec, inputTypeName, widgetSlots } from './widgets';

type AnyLink = EditorWorkflow['links'][number] | EditorSubgraph['links'][number];
type Slot = NonNullable<EditorNode['inputs']>[number];

function asObject(l: AnyLink): { id: number; origin: string; originSlot: number; target: string; targetSlot: number } {
  const [id, origin, originSlot, target, targetSlot] = asTuple(l);
  return { id, origin: String(origin), originSlot, target: String(target), targetSlot };
}

function setTargetSlot(l: AnyLink, slot: number): void {
  if (Array.isArray(l)) l[4] = slot;
  else (l as EditorLinkObject).target_slot = slot;
}

/** name, name_1, name_2 …: the first not in `taken` (ComfyUI's naming of a new subgraph input). */
function uniqueName(name: string, taken: Set<string>): string {
  if (!taken.has(name)) return name;
  for (let i = 1; ; i++) if (!taken.has(`${name}_${i}`)) return `${name}_${i}`;
}

/** The inner node input (index) that subgraph input k feeds a widget through, if any. */
function fedWidget(def: EditorSubgraph, k: number): { node: EditorNode; slot: number } | undefined {
  for (const l of def.links) {
    const o = asObject(l);
    if (Number(o.origin) !== SUBGRAPH_INPUT_ID || o.originSlot !== k) continue;
    const node = def.nodes.find((n) => String(n.id) === o.target);
    if (node?.inputs?.[o.targetSlot]?.widget) return { node, slot: o.targetSlot };
  }
  return undefined;
}

/** The value an inner node holds for its widget input `slot` (undefined when its type or the value is unknown). */
function innerValue(node: EditorNode, slot: Slot, info: ObjectInfoResponse): unknown {
  const values = node.widgets_values;
  const name = slot.widget?.name ?? slot.name;
  if (values && !Array.isArray(values)) return own(values, name);
  const entry = own(info, node.type);
  const w = entry && widgetSlots(entry).find((s) => s.name === name);
  return w && values ? values[w.index] : undefined;
}

/** ComfyUI's first proxy widgets were named "innerId: widget"; hosts around an instance refer to them so. */
const PREFIXED_WIDGET = /^\s*(-?\d+)\s*:\s*(.+)$/s;

class Promoter {
  private readonly defs: Map<string, EditorSubgraph>;

  constructor(private readonly wf: EditorWorkflow, private readonly info: ObjectInfoResponse) {
    this.defs = subgraphDefinitions(wf);
  }

  /** The name of the subgraph input that shows inner node `id`'s widget `name` (made when there is none), or undefined. */
  private inputFor(def: EditorSubgraph, id: string, name: string, deepest?: string): string | undefined {
    const info = this.info;
    if (id === SUBGRAPH_INPUT_REF) return def.inputs.some((i) => i.name === name) ? name : undefined;
    const inner = def.nodes.find((n) => String(n.id) === id);
    if (inner?.type === 'PrimitiveNode') return this.inputForPrimitive(def, inner);
    if (!inner) return undefined;
    const nestedDef = this.defs.get(inner.type);
    let slotIndex = nestedDef ? this.nestedSlot(inner, nestedDef, name, deepest) : (inner.inputs ?? []).findIndex((i) => i.widget?.name === name);
    if (slotIndex < 0 && !nestedDef) {
      // ComfyUI lists a widget's socket only once linked: add it, when the node type has that widget
      const entry = own(info, inner.type);
      const spec = entry && widgetSlots(entry).some((w) => w.name === name) ? inputSpec(entry, name) : undefined;
      if (!spec) return undefined; // no such widget, or one without a socket (a control value, a preview)
      inner.inputs = [...(inner.inputs ?? []), { name, type: inputTypeName(spec), widget: { name }, link: null }];
      slotIndex = inner.inputs.length - 1;
    }
    const slot = inner.inputs?.[slotIndex];
    if (!slot) return undefined;
    if (slot.link != null) {
      if (this.bypassed.has(slot.link)) return undefined; // fed by a Primitive in the file: its value, not this entry's
      const link = def.links.map(asObject).find((l) => l.id === slot.link);
      return link && Number(link.origin) === SUBGRAPH_INPUT_ID ? def.inputs[link.originSlot]?.name : undefined;
    }
    const linkId = this.nextLinkId(def);
    const inputName = uniqueName(nestedDef ? slot.name : name, new Set(def.inputs.map((i) => i.name)));
    def.inputs.push({ id: `${def.id}:${id}:${name}`, name: inputName, type: slot.type, linkIds: [linkId], ...(slot.label ? { label: slot.label } : {}) });
    const objects = def.links.length === 0 || !Array.isArray(def.links[0]);
    const origin = [linkId, SUBGRAPH_INPUT_ID, def.inputs.length - 1, inner.id, slotIndex, slot.type] as const;
    def.links.push(
      objects
        ? ({ id: origin[0], origin_id: origin[1], origin_slot: origin[2], target_id: origin[3], target_slot: origin[4], type: origin[5] } as EditorSubgraph['links'][number])
        : ([...origin] as EditorSubgraph['links'][number]),
    );
    slot.link = linkId;
    return inputName;
  }

  /**
   * The slot of a nested instance that shows its widget `name` (a nested input of that name, or the
   * widget "id: name" or of node `deepest` inside it, given an input of its own first), or -1.
   */
  private nestedSlot(nested: EditorNode, nestedDef: EditorSubgraph, name: string, deepest?: string): number {
    const prefixed = PREFIXED_WIDGET.exec(name);
    const inputName = nestedDef.inputs.some((i) => i.name === name)
      ? name
      : deepest !== undefined
        ? this.inputFor(nestedDef, deepest, name)
        : prefixed
          ? this.inputFor(nestedDef, prefixed[1], prefixed[2])
          : undefined;
    const k = nestedDef.inputs.findIndex((i) => i.name === inputName);
    if (inputName === undefined || !fedWidget(nestedDef, k)) return -1;
    let at = (nested.inputs ?? []).findIndex((i) => i.name === inputName);
    if (at < 0) {
      nested.inputs = [...(nested.inputs ?? []), { name: inputName, type: nestedDef.inputs[k].type, link: null }];
      at = nested.inputs.length - 1;
    }
    nested.inputs![at].widget = { name: inputName };
    return at;
  }

  /** The next link id of a definition (and its state's counter moved on). */
  private nextLinkId(def: EditorSubgraph): number {
    const state = (def as { state?: { lastLinkId?: number } }).state;
    const id = Math.max(0, ...def.links.map((l) => asObject(l).id), Number(state?.lastLinkId) || 0) + 1;
    if (state && typeof state === 'object') state.lastLinkId = id;
    return id;
  }

  /** Values a subgraph input takes where an instance gives none (a Primitive node's, once it is bypassed). */
  private readonly defaults = new Map<string, unknown>();

  /**
   * A Primitive node inside the subgraph whose value an instance shows: as ComfyUI's repair, one new
   * subgraph input feeds every widget the Primitive fed (the Primitive stays, unlinked), and takes
   * the Primitive's value where an instance gives none.
   */
  private inputForPrimitive(def: EditorSubgraph, primitive: EditorNode): string | undefined {
    const made = this.madeFor.get(primitive);
    if (made !== undefined) return made;
    const out = primitive.outputs?.[0];
    const links = def.links.filter((l) => {
      const o = asObject(l);
      return o.origin === String(primitive.id) && o.originSlot === 0;
    });
    const targets = links.map((l) => asObject(l)).map((o) => ({ o, node: def.nodes.find((n) => String(n.id) === o.target) }));
    if (!out || !targets.length || targets.some(({ o, node }) => !node?.inputs?.[o.targetSlot]?.widget)) return undefined;
    const base = primitive.title || (out.widget as { name?: string } | undefined)?.name || 'value';
    const inputName = uniqueName(String(base), new Set(def.inputs.map((i) => i.name)));
    const k = def.inputs.length;
    def.inputs.push({ id: `${def.id}:${primitive.id}:value`, name: inputName, type: out.type, linkIds: links.map((l) => asObject(l).id) });
    for (const l of links) {
      this.bypassed.add(asObject(l).id);
      if (Array.isArray(l)) {
        l[1] = SUBGRAPH_INPUT_ID;
        l[2] = k;
      } else Object.assign(l as EditorLinkObject, { origin_id: SUBGRAPH_INPUT_ID, origin_slot: k });
    }
    out.links = [];
    const values = primitive.widgets_values;
    const value = Array.isArray(values) ? values[0] : undefined;
    if (value !== undefined && value !== null) this.defaults.set(`${def.id}\u0000${inputName}`, value);
    this.madeFor.set(primitive, inputName);
    return inputName;
  }

  private readonly madeFor = new Map<EditorNode, string>();
  /** Links a Primitive fed, now from a subgraph input: entries naming the widgets they feed stay unused, as before. */
  private readonly bypassed = new Set<number>();

  /** Host values of an instance's proxyWidgets by subgraph input name; the property is consumed. */
  consumeProxies(node: EditorNode, def: EditorSubgraph): Map<string, unknown> | undefined {
    const entries = proxyWidgetEntries(node);
    if (!entries) return undefined;
    const values = new Map<string, unknown>();
    entries.forEach(([id, name, deepest], i) => {
      const input = name ? this.inputFor(def, id, name, deepest) : undefined;
      const value = proxyValue(node, i);
      if (input !== undefined && value !== undefined && !values.has(input)) values.set(input, value);
    });
    delete node.properties!.proxyWidgets;
    return values;
  }

  /** Gives the instance a slot per subgraph input in the definition's order, links and widget values following. */
  reslot(node: EditorNode, def: EditorSubgraph, links: AnyLink[], values: Map<string, unknown> | undefined): void {
    const old = node.inputs ?? [];
    const names = def.inputs.map((i) => i.name);
    const shows = def.inputs.map((_, k) => fedWidget(def, k));
    // a slot per input, in order: litegraph reads it as it is (and so do the files narflow saved)
    if (!values && old.length === names.length && old.every((s, k) => s.name === names[k])) return;
    const wv = node.widgets_values;
    const before = new Map<string, unknown>();
    if (!values && Array.isArray(wv)) old.filter((s) => s.widget).forEach((s, k) => k < wv.length && !before.has(s.name) && before.set(s.name, wv[k]));
    if (!values && wv && !Array.isArray(wv)) for (const s of old) if (s.widget && own(wv, s.widget.name) !== undefined) before.set(s.name, own(wv, s.widget.name));
    const inputs: Slot[] = def.inputs.map((d, k) => {
      const kept = old.find((s) => s.name === d.name);
      const slot: Slot = kept ? { ...kept } : { name: d.name, type: d.type, link: null, ...(d.label ? { label: d.label } : {}) };
      if (shows[k]) slot.widget = { ...slot.widget, name: d.name };
      else delete slot.widget;
      return slot;
    });
    for (const l of links) {
      const o = asObject(l);
      if (o.target !== String(node.id)) continue;
      const at = names.indexOf(old[o.targetSlot]?.name ?? '');
      if (at >= 0) setTargetSlot(l, at);
    }
    const list: unknown[] = [];
    inputs.forEach((slot, k) => {
      const fed = shows[k];
      if (!fed) return;
      const fallback = this.defaults.get(`${def.id}\u0000${slot.name}`) ?? innerValue(fed.node, fed.node.inputs![fed.slot], this.info);
      const v = values?.has(slot.name) ? values.get(slot.name) : before.has(slot.name) ? before.get(slot.name) : fallback;
      list.push(v === undefined ? null : v);
    });
    node.inputs = inputs;
    node.widgets_values = list;
  }

  run(): EditorWorkflow {
    const scopes: { nodes: EditorNode[]; links: AnyLink[] }[] = [{ nodes: this.wf.nodes, links: this.wf.links }];
    for (const d of this.defs.values()) scopes.push({ nodes: d.nodes, links: d.links });
    const hostValues = new Map<EditorNode, Map<string, unknown>>();
    for (const { nodes } of scopes) {
      for (const node of nodes) {
        const def = this.defs.get(node.type);
        const values = def && this.consumeProxies(node, def);
        if (values) hostValues.set(node, values);
      }
    }
    for (const { nodes, links } of scopes) {
      for (const node of nodes) {
        const def = this.defs.get(node.type);
        if (def) this.reslot(node, def, links, hostValues.get(node));
      }
    }
    return this.wf;
  }
}

/**
 * A copy of `wf` whose subgraph instances are in litegraph's form (see the top of this file); a
 * workflow already in that form comes back equal, and the API form made from either is the same.
 */
export function nativePromotion(wf: EditorWorkflow, info: ObjectInfoResponse): EditorWorkflow {
  const copy = JSON.parse(JSON.stringify(wf)) as EditorWorkflow;
  if (!copy.definitions?.subgraphs?.length) return copy;
  return new Promoter(copy, info).run();
}

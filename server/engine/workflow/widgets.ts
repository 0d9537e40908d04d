// Which inputs of a node type are widgets, in widgets_values order. Derived from the object_info
// entry so the browser (which only has /api/object_info) and the server agree. Pure.
import type { ObjectInfoEntry, ObjectInfoInput } from '../../api/protocol';

const WIDGET_TYPE_NAMES = new Set(['INT', 'FLOAT', 'STRING', 'BOOLEAN', 'COMBO']);

export interface WidgetSlot {
  name: string;
  /** Index into widgets_values. */
  index: number;
  /** An INT seed: widgets_values holds a control_after_generate value right after it. */
  hasControl: boolean;
}

/** True when an object_info input is shown as a widget (a constant), not only a link. */
export function isWidgetInput(spec: ObjectInfoInput): boolean {
  const [type, opts] = spec;
  if (opts && (opts as { forceInput?: boolean }).forceInput) return false;
  return Array.isArray(type) || WIDGET_TYPE_NAMES.has(type);
}

/** Input names in declaration order (required first, then optional). */
export function inputOrder(entry: ObjectInfoEntry): string[] {
  const req = entry.input_order?.required ?? Object.keys(entry.input.required);
  const opt = entry.input_order?.optional ?? Object.keys(entry.input.optional ?? {});
  return [...req, ...opt];
}

export function inputSpec(entry: ObjectInfoEntry, name: string): ObjectInfoInput | undefined {
  return entry.input.required[name] ?? entry.input.optional?.[name];
}

/** The widget inputs of a node type and their positions in widgets_values. */
export function widgetSlots(entry: ObjectInfoEntry): WidgetSlot[] {
  const out: WidgetSlot[] = [];
  let index = 0;
  for (const name of inputOrder(entry)) {
    const spec = inputSpec(entry, name);
    if (!spec || !isWidgetInput(spec)) continue;
    const hasControl = Boolean(spec[1] && (spec[1] as { control_after_generate?: boolean }).control_after_generate);
    out.push({ name, index, hasControl });
    index += hasControl ? 2 : 1;
  }
  return out;
}

/** The data type of an input as links see it ("COMBO" for option lists). */
export function inputTypeName(spec: ObjectInfoInput): string {
  return Array.isArray(spec[0]) ? 'COMBO' : spec[0];
}

/** Default widget value for an input (first option for COMBO). */
export function defaultWidgetValue(spec: ObjectInfoInput): unknown {
  const [type, opts] = spec;
  const d = (opts as { default?: unknown } | undefined)?.default;
  if (d !== undefined) return d;
  if (Array.isArray(type)) return type[0] ?? '';
  if (type === 'INT' || type === 'FLOAT') return (opts as { min?: number } | undefined)?.min ?? 0;
  if (type === 'BOOLEAN') return false;
  return '';
}

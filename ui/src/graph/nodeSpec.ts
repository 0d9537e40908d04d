// Turns one /api/object_info entry (ComfyUI's shape) into the editor's node description:
// inputs in declaration order, each either a widget (a constant, may also be linked) or a link.
// Pure; the order of widget inputs here is the order of `widgets_values`.
import type { ObjectInfoEntry, ObjectInfoInput } from '../../../server/api/protocol';

/** Types that the editor offers as constants. */
const WIDGET_TYPES = new Set(['INT', 'FLOAT', 'STRING', 'BOOLEAN', 'COMBO']);

export interface InputDef {
  name: string;
  /** Data type; COMBO inputs have `options`. */
  type: string;
  kind: 'widget' | 'link';
  optional: boolean;
  options?: string[];
  default?: number | string | boolean;
  min?: number;
  max?: number;
  step?: number;
  multiline?: boolean;
  tooltip?: string;
  /** A seed: the editor adds "control after generate" (fixed / increment / decrement / randomize). */
  controlAfterGenerate?: boolean;
}

export interface NodeSpec {
  type: string;
  displayName: string;
  category: string;
  description: string;
  inputs: InputDef[];
  outputs: { name: string; type: string }[];
  outputNode: boolean;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function parseInput(name: string, raw: ObjectInfoInput, optional: boolean): InputDef {
  const [typeOrOptions, opts = {}] = raw;
  const isCombo = Array.isArray(typeOrOptions);
  const type = isCombo ? 'COMBO' : String(typeOrOptions);
  const def = opts.default;
  const input: InputDef = {
    name,
    type,
    kind: WIDGET_TYPES.has(type) && opts.forceInput !== true ? 'widget' : 'link',
    optional,
    default: typeof def === 'number' || typeof def === 'string' || typeof def === 'boolean' ? def : undefined,
    min: num(opts.min),
    max: num(opts.max),
    step: num(opts.step),
    multiline: opts.multiline === true,
    tooltip: typeof opts.tooltip === 'string' ? opts.tooltip : undefined,
    controlAfterGenerate: opts.control_after_generate === true,
  };
  if (isCombo) input.options = typeOrOptions.map(String);
  return input;
}

function orderedNames(declared: string[] | undefined, present: Record<string, unknown> | undefined): string[] {
  const names = Object.keys(present ?? {});
  if (!declared) return names;
  return [...declared.filter((n) => names.includes(n)), ...names.filter((n) => !declared.includes(n))];
}

export function parseNodeSpec(type: string, entry: ObjectInfoEntry): NodeSpec {
  const required = entry.input?.required ?? {};
  const optional = entry.input?.optional ?? {};
  const inputs = [
    ...orderedNames(entry.input_order?.required, required).map((n) => parseInput(n, required[n], false)),
    ...orderedNames(entry.input_order?.optional, optional).map((n) => parseInput(n, optional[n], true)),
  ];
  const outputs = (entry.output ?? []).map((t, i) => ({ name: entry.output_name?.[i] ?? t, type: t }));
  return {
    type,
    displayName: entry.display_name || type,
    category: entry.category || 'other',
    description: entry.description ?? '',
    inputs,
    outputs,
    outputNode: entry.output_node === true,
  };
}

/** Initial value of a widget input: its default, else a value inside its range or its first option. */
export function initialValue(input: InputDef): number | string | boolean {
  if (input.default !== undefined) return input.default;
  switch (input.type) {
    case 'COMBO':
      return input.options?.[0] ?? '';
    case 'BOOLEAN':
      return false;
    case 'STRING':
      return '';
    default:
      return input.min !== undefined && input.min > 0 ? input.min : 0;
  }
}

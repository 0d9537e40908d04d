// /api/object_info derived from the registry. COMBO option functions are evaluated per call.
import type { ObjectInfoEntry, ObjectInfoInput, ObjectInfoResponse } from '../../api/protocol';
import { HostPaths, InputSpec, NodeDefinition, WIDGET_TYPES } from '../nodeApi';
import type { NodeRegistry } from './registry';

/** Whether an input is shown as a widget (constant) rather than a link-only slot. */
export function isWidgetSpec(spec: InputSpec): boolean {
  return spec.kind !== 'link' && WIDGET_TYPES.has(spec.type);
}

/** The COMBO options of an input now (functions are called; a throwing function yields none). */
export function comboOptions(spec: InputSpec, paths: HostPaths): string[] {
  if (!spec.options) return [];
  if (Array.isArray(spec.options)) return spec.options;
  try {
    return spec.options(paths);
  } catch {
    return [];
  }
}

function inputInfo(spec: InputSpec, paths: HostPaths): ObjectInfoInput {
  const opts: Record<string, unknown> = {};
  for (const k of ['default', 'min', 'max', 'step', 'multiline', 'tooltip', 'folder'] as const) {
    if (spec[k] !== undefined) opts[k] = spec[k];
  }
  if (spec.kind === 'link' && WIDGET_TYPES.has(spec.type)) opts.forceInput = true;
  if (spec.seed) opts.control_after_generate = true;
  const type = spec.type === 'COMBO' ? comboOptions(spec, paths) : spec.type;
  return [type, opts];
}

export function objectInfoEntry(def: NodeDefinition, pack: string, paths: HostPaths): ObjectInfoEntry {
  const required: Record<string, ObjectInfoInput> = {};
  const optional: Record<string, ObjectInfoInput> = {};
  for (const [name, spec] of Object.entries(def.inputs)) {
    (spec.optional ? optional : required)[name] = inputInfo(spec, paths);
  }
  return {
    name: def.type,
    display_name: def.displayName,
    category: def.category,
    description: def.description,
    input: { required, optional },
    input_order: { required: Object.keys(required), optional: Object.keys(optional) },
    output: def.outputs.map((o) => o.type),
    output_name: def.outputs.map((o) => o.name),
    output_is_list: def.outputs.map(() => false),
    output_node: Boolean(def.outputNode),
    python_module: pack,
  };
}

export function objectInfo(registry: NodeRegistry, paths: HostPaths): ObjectInfoResponse {
  const out: ObjectInfoResponse = {};
  for (const { def, pack } of registry.entries()) out[def.type] = objectInfoEntry(def, pack, paths);
  return out;
}

// Validation before running: every problem of every node an output needs, not just the first.
import type { ErrorResponse, NodeErrorItem, NodeErrors } from '../../api/protocol';
import { HostPaths, InputSpec, NodeDefinition, WIDGET_TYPES } from '../nodeApi';
import { comboOptions } from '../registry/objectInfo';
import type { NodeRegistry } from '../registry/registry';
import { z } from 'zod';
import { own, setOwn } from '../workflow/ownProps';
import { ApiWorkflow, apiNodeSchema, formatZodIssues, isApiLink } from '../workflow/schema';
import { ancestors, cycleMembers, dependencies } from './topology';

export interface ValidationResult {
  ok: boolean;
  /** The parsed prompt (only the nodes that parsed). */
  prompt: ApiWorkflow;
  /** Output node ids to run. */
  outputs: string[];
  nodeErrors: Record<string, NodeErrors>;
  /** Set when the prompt as a whole is unusable (not an object, no outputs). */
  error?: ErrorResponse['error'];
}

/** Whether a link carrying `from` may feed an input of type `to`. */
export function typesCompatible(from: string, to: string): boolean {
  if (from === to || from === '*' || to === '*') return true;
  const a = from.split(',');
  const b = to.split(',');
  return a.some((t) => b.includes(t));
}

function checkConstant(name: string, spec: InputSpec, v: unknown, paths: HostPaths): NodeErrorItem | undefined {
  const err = (type: NodeErrorItem['type'], message: string): NodeErrorItem => ({ type, message, details: `${name}: ${message}`, input_name: name });
  if (!WIDGET_TYPES.has(spec.type) || spec.kind === 'link') {
    return err('invalid_input_type', `input '${name}' of type ${spec.type} must be a link [nodeId, outputIndex], got the constant ${JSON.stringify(v)}`);
  }
  switch (spec.type) {
    case 'INT':
    case 'FLOAT': {
      if (typeof v !== 'number' || !Number.isFinite(v)) return err('invalid_input_type', `input '${name}' expects ${spec.type}, got ${JSON.stringify(v)}`);
      if (spec.type === 'INT' && !Number.isInteger(v)) return err('value_out_of_range', `input '${name}' expects an integer, got ${v}`);
      if (spec.min !== undefined && v < spec.min) return err('value_out_of_range', `input '${name}' is ${v}, below the minimum ${spec.min}`);
      if (spec.max !== undefined && v > spec.max) return err('value_out_of_range', `input '${name}' is ${v}, above the maximum ${spec.max}`);
      return undefined;
    }
    case 'STRING':
      return typeof v === 'string' ? undefined : err('invalid_input_type', `input '${name}' expects STRING, got ${JSON.stringify(v)}`);
    case 'BOOLEAN':
      return typeof v === 'boolean' ? undefined : err('invalid_input_type', `input '${name}' expects BOOLEAN, got ${JSON.stringify(v)}`);
    case 'COMBO': {
      const opts = comboOptions(spec, paths);
      if (typeof v === 'string' && opts.includes(v)) return undefined;
      const shown = opts.length > 8 ? `${opts.slice(0, 8).join(', ')}, ... (${opts.length})` : opts.join(', ');
      // options listed from folders (model files, input pictures): the tooltip says which folder
      const where = typeof spec.options === 'function' && spec.tooltip ? `: expected ${spec.tooltip}` : '';
      return err('value_not_in_list', `input '${name}' is ${JSON.stringify(v)}, not one of [${shown}]${where}`);
    }
  }
  return undefined;
}

/**
 * A node's shape only: its input values are checked per input against its definition (checkNode),
 * so one badly typed constant is reported by name instead of losing the whole node.
 */
const nodeShapeSchema = apiNodeSchema.extend({ inputs: z.record(z.unknown()).default({}) });

/** The node errors entry of a node, made on first use (own property: ids may be "constructor"). */
function errorsOf(nodeErrors: Record<string, NodeErrors>, id: string, classType: string): NodeErrors {
  let e = own(nodeErrors, id);
  if (!e) setOwn(nodeErrors, id, (e = { errors: [], class_type: classType }));
  return e;
}

interface NodeContext {
  prompt: ApiWorkflow;
  /** Ids of nodes that are there but not {class_type, inputs}: they report themselves. */
  unparsed: Set<string>;
  /** Input names as sent, per node (the parsed form leaves out "__proto__"). */
  sentNames: Map<string, string[]>;
  registry: NodeRegistry;
  paths: HostPaths;
}

function checkNode(id: string, def: NodeDefinition, c: NodeContext): NodeErrorItem[] {
  const { prompt, registry, paths } = c;
  const errors: NodeErrorItem[] = [];
  const inputs = prompt[id].inputs as Record<string, unknown>;
  for (const [name, spec] of Object.entries(def.inputs)) {
    const v = own(inputs, name);
    if (v === undefined || v === null) {
      // A widget input with a default may be left out of the API form: the default is used.
      if (!spec.optional && spec.default === undefined) {
        errors.push({ type: 'required_input_missing', message: `required input '${name}' (${spec.type}) is missing`, details: name, input_name: name });
      }
      continue;
    }
    if (isApiLink(v)) {
      const [src, index] = v;
      const srcNode = own(prompt, src);
      if (c.unparsed.has(src)) continue; // the source node reports what is wrong with it
      if (!srcNode) {
        errors.push({ type: 'bad_link', message: `input '${name}' links to node ${src}, which is not in the workflow`, details: `${name} ← ${src}:${index}`, input_name: name });
        continue;
      }
      const srcDef = registry.get(srcNode.class_type);
      if (!srcDef) continue; // the source node reports its unknown type
      const out = srcDef.outputs[index];
      if (!out) {
        errors.push({
          type: 'bad_link',
          message: `input '${name}' links to output ${index} of node ${src} (${srcNode.class_type}), which has ${srcDef.outputs.length} output(s)`,
          details: `${name} ← ${src}:${index}`,
          input_name: name,
        });
        continue;
      }
      if (!typesCompatible(out.type, spec.type)) {
        errors.push({
          type: 'type_mismatch',
          message: `input '${name}' expects ${spec.type} but node ${src} output ${index} ('${out.name}') gives ${out.type}`,
          details: `${name}: ${out.type} → ${spec.type}`,
          input_name: name,
        });
      }
      continue;
    }
    const bad = checkConstant(name, spec, v, paths);
    if (bad) errors.push(bad);
  }
  for (const name of c.sentNames.get(id) ?? Object.keys(inputs)) {
    if (!own(def.inputs, name)) {
      errors.push({ type: 'unknown_input', message: `node type ${def.type} has no input '${name}'`, details: `inputs: ${Object.keys(def.inputs).join(', ')}`, input_name: name });
    }
  }
  return errors;
}

/**
 * Validates a raw (untrusted) API-form prompt against the registry. With `targets` (output node
 * ids; ComfyUI's partial_execution_targets) only those outputs run: only what they need is checked.
 */
export function validatePrompt(raw: unknown, registry: NodeRegistry, paths: HostPaths, targets?: string[]): ValidationResult {
  const nodeErrors: Record<string, NodeErrors> = {};
  const prompt: ApiWorkflow = {};
  const add = (id: string, classType: string, items: NodeErrorItem[]) => {
    if (items.length) errorsOf(nodeErrors, id, classType).errors.push(...items);
  };
  const unparsed = new Set<string>();
  const sentNames = new Map<string, string[]>();
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, prompt, outputs: [], nodeErrors, error: { type: 'invalid_prompt', message: `a prompt must be an object {nodeId: {class_type, inputs}}, got ${Array.isArray(raw) ? 'an array' : typeof raw}` } };
  }
  for (const [id, node] of Object.entries(raw as Record<string, unknown>)) {
    const r = nodeShapeSchema.safeParse(node);
    if (r.success) {
      setOwn(prompt, id, r.data as ApiWorkflow[string]);
      sentNames.set(id, Object.keys((node as { inputs?: object }).inputs ?? {}));
    } else {
      unparsed.add(id);
      const ct = typeof (node as { class_type?: unknown })?.class_type === 'string' ? (node as { class_type: string }).class_type : '';
      add(id, ct, [{ type: 'invalid_prompt', message: `node ${id} is not {class_type, inputs}: ${formatZodIssues(r.error)}`, details: '' }]);
    }
  }
  let outputs: string[] = [];
  for (const [id, node] of Object.entries(prompt)) {
    const def = registry.get(node.class_type);
    if (!def) add(id, node.class_type, [{ type: 'unknown_node_type', message: `unknown node type '${node.class_type}'`, details: 'not provided by any loaded node pack' }]);
    else if (def.outputNode) outputs.push(id);
  }
  if (targets) {
    const bad = targets.filter((t) => !outputs.includes(t));
    if (bad.length) {
      const what = bad.map((t) => (own(prompt, t) ? `${t} (${prompt[t].class_type}) is not an output node` : `${t} is not in the prompt`)).join('; ');
      return { ok: false, prompt, outputs: [], nodeErrors, error: { type: 'invalid_prompt', message: `partial_execution_targets: ${what}`, details: `output nodes: ${outputs.join(', ') || 'none'}` } };
    }
    outputs = [...new Set(targets)];
  }
  const needed = ancestors(prompt, outputs);
  for (const id of needed) {
    const def = registry.get(prompt[id].class_type);
    if (def) add(id, def.type, checkNode(id, def, { prompt, unparsed, sentNames, registry, paths }));
  }
  for (const id of cycleMembers(prompt, needed)) {
    const others = dependencies(prompt, id).filter((d) => needed.has(d));
    add(id, prompt[id].class_type, [{ type: 'cycle', message: `node ${id} is part of a cycle (links from ${others.join(', ')})`, details: 'links must not loop back' }]);
  }
  if (Object.keys(nodeErrors).length) {
    const n = Object.keys(nodeErrors).length;
    return { ok: false, prompt, outputs, nodeErrors, error: { type: 'prompt_outputs_failed_validation', message: `prompt failed validation: ${n} node(s) with errors`, details: summarise(nodeErrors) } };
  }
  if (!outputs.length) {
    return { ok: false, prompt, outputs, nodeErrors, error: { type: 'prompt_no_outputs', message: 'prompt has no output node (e.g. SaveImage or PreviewImage)' } };
  }
  return { ok: true, prompt, outputs, nodeErrors };
}

/** One line per node error, for terminals and logs. */
export function summarise(nodeErrors: Record<string, NodeErrors>): string {
  const lines: string[] = [];
  for (const [id, e] of Object.entries(nodeErrors)) for (const item of e.errors) lines.push(`node ${id} (${e.class_type || '?'}): ${item.message}`);
  return lines.join('\n');
}

// Input overrides applied to a workflow in both forms at once: `narflow run --set 4.prompt=...`
// and the `set` of POST /api/workflows/:name/run.
import type { ObjectInfoResponse } from '../../api/protocol';
import { editorToApi, setEditorWidget, WorkflowFormatError } from './convert';
import { own, setOwn } from './ownProps';
import type { ApiWorkflow, EditorWorkflow } from './schema';
import { setInstanceWidget, subgraphDefinitions } from './subgraphs';

function isInstance(wf: EditorWorkflow, id: string): boolean {
  const defs = subgraphDefinitions(wf);
  return wf.nodes.some((n) => String(n.id) === id && defs.has(n.type));
}

/** Node id, input name, value. */
export type Override = [string, string, unknown];

export interface WorkflowForms {
  prompt: ApiWorkflow;
  workflow?: EditorWorkflow;
}

/** "4.prompt" → ["4", "prompt"]. */
export function splitTarget(target: string, what: string): [string, string] {
  const m = /^([^.=]+)\.([^=]+)$/s.exec(target);
  if (!m) throw new WorkflowFormatError(`${what} expects nodeId.input, got ${JSON.stringify(target)}`);
  return [m[1], m[2]];
}

/** Node id, input name, value as typed on a command line (`--set 4.seed=7`). */
export type TextOverride = [string, string, string];

/** What input `name` of node `id` takes: its object_info type ('STRING', 'INT', …) or a COMBO's options; undefined when unknown. */
function inputType(w: WorkflowForms, id: string, name: string, info: ObjectInfoResponse): string | string[] | undefined {
  const node = own(w.prompt, id);
  if (node) {
    const entry = info[node.class_type];
    return (entry?.input.required[name] ?? entry?.input.optional?.[name])?.[0];
  }
  // a subgraph instance: the type of the slot it shows the widget on (a COMBO's options are not there),
  // else of the subgraph input (ComfyUI's instances may list only some of their inputs)
  const instance = w.workflow?.nodes.find((n) => String(n.id) === id);
  const slot = instance?.inputs?.find((i) => i.name === name);
  if (slot || !instance || !w.workflow) return slot?.type;
  return subgraphDefinitions(w.workflow).get(instance.type)?.inputs.find((i) => i.name === name)?.type;
}

function takesText(type: string | string[] | undefined, text: string): boolean {
  if (type === 'STRING' || type === 'COMBO') return true;
  return Array.isArray(type) && (type.includes(text) || type.every((o) => typeof o === 'string'));
}

/**
 * A value typed on a command line: JSON where it parses, else the text. An input that takes text
 * (STRING, or a COMBO of strings) keeps the text where JSON would give a number, boolean or null
 * (`--set 5.seed_position=0`, `--set 2.class_ids=17`); INT / FLOAT get numbers, and arrays and
 * objects (a link ["1", 0]) stay JSON whatever the input.
 */
export function textOverrideValue(text: string, type: string | string[] | undefined): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text;
  }
  const scalar = value === null || typeof value === 'number' || typeof value === 'boolean';
  return scalar && takesText(type, text) ? text : value;
}

/** Command-line overrides typed by what each target input takes (object_info, or the instance's slot). */
export function typeTextOverrides(w: WorkflowForms, overrides: TextOverride[], info: ObjectInfoResponse): Override[] {
  return overrides.map(([id, name, text]) => [id, name, textOverrideValue(text, inputType(w, id, name, info))]);
}

/**
 * Sets each input in the API form, and in the editor form where the input is a widget there. A
 * target that is a subgraph instance (not in the API form, whose nodes are the ones inside it) sets
 * the widget the instance shows for that input; the API form is then made again from the editor form.
 */
export function applyOverrides<T extends WorkflowForms>(w: T, overrides: Override[], info: ObjectInfoResponse, what = '--set'): T {
  let prompt = JSON.parse(JSON.stringify(w.prompt)) as ApiWorkflow;
  let workflow = w.workflow;
  const onInstances = workflow ? overrides.filter(([id]) => !own(prompt, id) && isInstance(workflow!, id)) : [];
  if (workflow && onInstances.length) {
    for (const [id, name, value] of onInstances) {
      try {
        workflow = setInstanceWidget(workflow, id, name, value);
      } catch (e) {
        throw new WorkflowFormatError(`${what} ${id}.${name}: ${(e as Error).message}`);
      }
    }
    prompt = editorToApi(workflow, info).prompt;
  }
  for (const [id, name, value] of overrides.filter((o) => !onInstances.includes(o))) {
    const node = own(prompt, id);
    if (!node) throw new WorkflowFormatError(`${what} ${id}.${name}: no node ${id} in the workflow (nodes: ${Object.keys(prompt).join(', ')})`);
    setOwn(node.inputs, name, value as ApiWorkflow[string]['inputs'][string]);
    if (workflow) {
      try {
        workflow = setEditorWidget(workflow, id, name, value, info);
      } catch {
        /* not a widget in the editor form: the API form carries it */
      }
    }
  }
  return { ...w, prompt, workflow };
}

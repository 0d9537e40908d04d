// Turns a POST /api/prompt body (API form, editor form, or both) into a validated queue request,
// or an error response listing every problem per node. Shared by HTTP and the CLI.
import type { NodeErrors, PromptErrorResponse, PromptRequest } from '../api/protocol';
import { summarise, validatePrompt } from '../engine/graph/validate';
import { editorToApi, WorkflowFormatError } from '../engine/workflow/convert';
import { apiToEditor } from '../engine/workflow/apiToEditor';
import { own, setOwn } from '../engine/workflow/ownProps';
import type { ApiWorkflow, EditorWorkflow } from '../engine/workflow/schema';
import type { Host } from './host';

export interface PreparedPrompt {
  prompt: ApiWorkflow;
  outputs: string[];
  workflow: EditorWorkflow;
}

export type PrepareResult = { ok: true; value: PreparedPrompt } | { ok: false; error: PromptErrorResponse };

/** The node errors entry of a node, made on first use (own property: ids may be "constructor"). */
function errorsOf(nodeErrors: Record<string, NodeErrors>, id: string, classType: string): NodeErrors {
  let e = own(nodeErrors, id);
  if (!e) setOwn(nodeErrors, id, (e = { errors: [], class_type: classType }));
  return e;
}

function invalid(message: string): PrepareResult {
  return { ok: false, error: { error: { type: 'invalid_prompt', message }, node_errors: {} } };
}

export function preparePrompt(host: Pick<Host, 'registry' | 'config' | 'objectInfo'>, body: PromptRequest): PrepareResult {
  if (typeof body !== 'object' || body === null) return invalid('the request body must be a JSON object {prompt} or {workflow}');
  const editor = body.workflow ?? body.extra_data?.extra_pnginfo?.workflow;
  const info = host.objectInfo();
  let raw: unknown = body.prompt;
  const nodeErrors: Record<string, NodeErrors> = {};
  if (raw === undefined) {
    if (body.workflow === undefined) return invalid("the body has neither 'prompt' (API form) nor 'workflow' (editor form)");
    try {
      const conv = editorToApi(body.workflow, info);
      raw = conv.prompt;
      for (const p of conv.problems) {
        errorsOf(nodeErrors, p.nodeId, p.classType).errors.push({ type: p.type, message: p.message, details: '', ...(p.inputName ? { input_name: p.inputName } : {}) });
      }
    } catch (err) {
      if (err instanceof WorkflowFormatError) return invalid(err.message);
      throw err;
    }
  }
  const targets = body.partial_execution_targets;
  if (targets !== undefined && (!Array.isArray(targets) || !targets.length || targets.some((t) => typeof t !== 'string'))) {
    return invalid(`partial_execution_targets must be a non-empty array of output node ids, got ${JSON.stringify(targets)}`);
  }
  const v = validatePrompt(raw, host.registry, host.config.paths, targets);
  for (const [id, e] of Object.entries(v.nodeErrors)) {
    errorsOf(nodeErrors, id, e.class_type).errors.push(...e.errors);
  }
  if (!v.ok || Object.keys(nodeErrors).length) {
    let error = v.error ?? { type: 'prompt_outputs_failed_validation' as const, message: 'prompt failed validation' };
    // the summary names the problems the conversion found too (a group node, a dangling link), not only validation's
    if (error.type === 'prompt_outputs_failed_validation') {
      error = { ...error, message: `prompt failed validation: ${Object.keys(nodeErrors).length} node(s) with errors`, details: summarise(nodeErrors) };
    }
    return { ok: false, error: { error, node_errors: nodeErrors } };
  }
  let workflow: EditorWorkflow;
  try {
    workflow = editor && typeof editor === 'object' ? (editor as EditorWorkflow) : apiToEditor(v.prompt, info);
  } catch {
    workflow = apiToEditor(v.prompt, info);
  }
  return { ok: true, value: { prompt: v.prompt, outputs: v.outputs, workflow } };
}

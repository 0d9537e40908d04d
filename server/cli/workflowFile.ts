// Reads a workflow from a .json file (API or editor form) or from a PNG made by narflow, and
// applies `--set nodeId.input=value` overrides to it.
import * as fs from 'fs';
import * as path from 'path';
import { readPngText } from '../../models/image/png';
import type { ObjectInfoResponse } from '../api/protocol';
import { editorToApi, WorkflowFormatError } from '../engine/workflow/convert';
import { applyOverrides, splitTarget, typeTextOverrides, type TextOverride } from '../engine/workflow/overrides';
import { ApiWorkflow, apiWorkflowSchema, EditorWorkflow, formatZodIssues, looksLikeEditorWorkflow } from '../engine/workflow/schema';
import type { ConversionProblem } from '../engine/workflow/convert';
import { modelFileAsWorkflow } from '../engine/workflow/missingFiles';

export interface LoadedWorkflow {
  prompt: ApiWorkflow;
  workflow?: EditorWorkflow;
  problems: ConversionProblem[];
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new WorkflowFormatError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
}

/** What to say when a folder is given where a workflow file belongs: what it holds that could be one. */
function directoryMessage(dir: string): string {
  const json = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile() && /\.json$/i.test(e.name)).map((e) => e.name).sort();
  const shown = json.length > 12 ? [...json.slice(0, 12), `… (${json.length} in all)`] : json;
  const hint = json.length ? `; the .json files in it: ${shown.join(', ')}` : '; it holds no .json files';
  return `expected a workflow .json or a PNG made by narflow, got the directory ${dir}${hint}`;
}

/** Throws a WorkflowFormatError unless `file` is a file (checked before a server is asked anything). */
export function checkWorkflowPath(file: string): void {
  if (!fs.existsSync(file)) throw new WorkflowFormatError(`workflow file ${file} does not exist`);
  if (fs.statSync(file).isDirectory()) throw new WorkflowFormatError(directoryMessage(file));
}

/** Loads a workflow file in either form (or a PNG carrying one) and converts it to the API form. */
export function loadWorkflowFile(file: string, info: ObjectInfoResponse): LoadedWorkflow {
  checkWorkflowPath(file);
  const model = modelFileAsWorkflow(path.basename(file));
  if (model) throw new WorkflowFormatError(model);
  const bytes = fs.readFileSync(file);
  let json: unknown;
  if (bytes.subarray(0, 4).toString('latin1') === '\x89PNG') {
    const text = readPngText(bytes);
    const src = text.workflow ?? text.prompt;
    if (!src) throw new WorkflowFormatError(`${file} is a PNG without a workflow (no 'workflow' or 'prompt' text chunk)`);
    json = parseJson(src, `${file} (text chunk)`);
  } else json = parseJson(bytes.toString('utf8'), file);
  if (looksLikeEditorWorkflow(json)) {
    const conv = editorToApi(json, info);
    return { prompt: conv.prompt, workflow: json as EditorWorkflow, problems: conv.problems };
  }
  const api = apiWorkflowSchema.safeParse(json);
  if (!api.success) throw new WorkflowFormatError(`${file} is neither an editor-form nor an API-form workflow: ${formatZodIssues(api.error)}`);
  return { prompt: api.data, problems: [] };
}

/**
 * What a loaded workflow is sent to a server as: the API form when it converted cleanly, else the
 * editor form alone, so that the server lists its problems along with everything else.
 */
export function promptBody(w: LoadedWorkflow): { prompt?: ApiWorkflow; workflow?: EditorWorkflow } {
  return w.problems.length ? { workflow: w.workflow } : { prompt: w.prompt, workflow: w.workflow };
}

/** "3.seed=7" → ["3", "seed", "7"]: the value as typed (applySettings types it by what the input takes). */
export function parseSetting(s: string): TextOverride {
  const eq = s.indexOf('=');
  if (eq < 0) throw new WorkflowFormatError(`--set expects nodeId.input=value, got ${JSON.stringify(s)}`);
  const [id, name] = splitTarget(s.slice(0, eq), '--set');
  return [id, name, s.slice(eq + 1)];
}

/**
 * Applies --set overrides to both forms (the editor form only where the input is a widget). A value
 * is JSON when it parses as JSON, else a string; an input that takes text gets the text as typed
 * (`--set 5.seed_position=0` is the string "0").
 */
export function applySettings(w: LoadedWorkflow, settings: string[], info: ObjectInfoResponse): LoadedWorkflow {
  return applyOverrides(w, typeTextOverrides(w, settings.map(parseSetting), info), info);
}

// Workflow files in the browser: download the graph as JSON, pick a file, and read a dropped
// workflow JSON or a PNG made by narflow (its `workflow` text chunk).
import type { EditorWorkflow, ObjectInfoResponse } from '../../../server/api/protocol';
import { apiToEditor } from '../../../server/engine/workflow/apiToEditor';
import type { ApiWorkflow } from '../../../server/engine/workflow/schema';
import { isAnimatedPng, isPng, readPngText } from './pngText';
import { modelFileAsWorkflow } from '../../../server/engine/workflow/missingFiles';

export class WorkflowFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkflowFileError';
  }
}

/** Whether a parsed JSON value is the API form ({id: {class_type, inputs}}). */
export function isApiForm(value: unknown): value is ApiWorkflow {
  if (!value || typeof value !== 'object' || Array.isArray(value) || 'nodes' in value) return false;
  const nodes = Object.values(value);
  return nodes.length > 0 && nodes.every((n) => n && typeof n === 'object' && typeof (n as { class_type?: unknown }).class_type === 'string');
}

/**
 * Checks the editor form's outer shape (the server validates the rest); the API form is laid out
 * as an editor graph with `info` (as ComfyUI opens an API-form file).
 */
export function asEditorWorkflow(value: unknown, source: string, info?: ObjectInfoResponse): EditorWorkflow {
  if (info && isApiForm(value)) return apiToEditor(value, info);
  const v = value as { nodes?: unknown; links?: unknown } | null;
  if (!v || typeof v !== 'object' || !Array.isArray(v.nodes)) {
    throw new WorkflowFileError(
      isApiForm(v)
        ? `${source} holds the API form of a workflow (node ids → class_type); the editor opens the editor form (with "nodes" and "links")`
        : `${source} is not an editor workflow: expected an object with a "nodes" array, or the API form {id: {class_type, inputs}}`,
    );
  }
  return value as EditorWorkflow;
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new WorkflowFileError(`${source} is not valid JSON (${(e as Error).message})`);
  }
}

/** Reads a workflow from a dropped or picked file: a .json workflow, or a PNG with a `workflow` chunk. */
/** What a dropped file holds: a picture (for Load Image), a video (for Load Video), or else a workflow to open. */
export type DroppedKind = 'picture' | 'video' | 'workflow';

/**
 * What a dropped or pasted file is: a GIF or an animated PNG is a video; a JPEG, a WebP or a PNG
 * without a "workflow" text chunk is a picture; anything else is read as a workflow.
 */
export async function droppedKind(file: File): Promise<DroppedKind> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (isPng(bytes)) {
    if ((await readPngText(bytes)).workflow) return 'workflow';
    return isAnimatedPng(bytes) ? 'video' : 'picture';
  }
  const head = String.fromCharCode(...bytes.subarray(0, 12));
  if (head.startsWith('GIF87a') || head.startsWith('GIF89a')) return 'video';
  const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  const webp = head.startsWith('RIFF') && head.slice(8, 12) === 'WEBP';
  return jpeg || webp ? 'picture' : 'workflow';
}

export async function readWorkflowFile(file: File, info?: ObjectInfoResponse): Promise<EditorWorkflow> {
  const model = modelFileAsWorkflow(file.name);
  if (model) throw new WorkflowFileError(model);
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (isPng(bytes)) {
    const text = await readPngText(bytes);
    if (!text.workflow) {
      const keys = Object.keys(text);
      throw new WorkflowFileError(
        `${file.name} is a PNG without a "workflow" text chunk (found: ${keys.length ? keys.join(', ') : 'no text chunks'}); only images saved by narflow carry their workflow`,
      );
    }
    return asEditorWorkflow(parseJson(text.workflow, `the workflow chunk of ${file.name}`), file.name);
  }
  const looksJson = file.type.includes('json') || /\.json$/i.test(file.name) || bytes[0] === 0x7b;
  if (!looksJson) throw new WorkflowFileError(`${file.name}: expected a workflow .json or a PNG made by narflow, got ${file.type || 'an unknown file type'}`);
  return asEditorWorkflow(parseJson(new TextDecoder().decode(bytes), file.name), file.name, info);
}

export function downloadJson(filename: string, value: unknown): void {
  const blob = new Blob([JSON.stringify(value, null, 2)], { type: 'application/json' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = filename.endsWith('.json') ? filename : `${filename}.json`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/** Opens the browser's file picker; resolves with the chosen file (the input stays in the page for tests). */
export function pickFile(input: HTMLInputElement): Promise<File | null> {
  return new Promise((resolve) => {
    input.value = '';
    input.onchange = () => resolve(input.files?.[0] ?? null);
    input.click();
  });
}

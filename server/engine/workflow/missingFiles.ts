// Files a workflow names that this server lacks: values of file-list COMBOs (object_info's
// `folder`: weights/nar/, input/ …) that are not in the list, as when a workflow is shared without
// the checkpoint it loads. Each says where the file goes and, when the workflow carries ComfyUI's
// model list (`models`, top-level or in a node's properties: name, url, directory), where to get it.
import { comboFolder, comboOptions, type ObjectInfoResponse } from '../../api/protocol';
import { editorToApi } from './convert';
import { own } from './ownProps';
import type { ApiWorkflow } from './schema';

/** Where a workflow says one of its files comes from (ComfyUI's `models` entries). */
export interface ModelSource {
  name: string;
  /** http(s) only: anything else is dropped, so a shared file cannot plant a javascript: link */
  url?: string;
  /** the folder the workflow's author kept it in (ComfyUI's names, e.g. "checkpoints") */
  directory?: string;
}

export interface MissingFile {
  /** execution id ("4", or "12:3" inside a subgraph) */
  nodeId: string;
  classType: string;
  /** the node's title, else its display name */
  title: string;
  input: string;
  value: string;
  /** where the file goes on the server ('weights/nar/') */
  folder: string;
  /** where the workflow says to download it */
  url?: string;
}

function safeUrl(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  try {
    const u = new URL(v);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

function addSources(into: Map<string, ModelSource>, list: unknown): void {
  if (!Array.isArray(list)) return;
  for (const m of list) {
    if (!m || typeof m !== 'object') continue;
    const name = (m as Record<string, unknown>).name;
    if (typeof name !== 'string' || !name || into.has(name)) continue;
    const url = safeUrl((m as Record<string, unknown>).url);
    const directory = (m as Record<string, unknown>).directory;
    into.set(name, { name, ...(url ? { url } : {}), ...(typeof directory === 'string' && directory ? { directory } : {}) });
  }
}

/** The `models` lists of an editor-form workflow: its own, its nodes' and its subgraphs' nodes' (first entry per name wins). */
export function workflowModelSources(workflow: unknown): Map<string, ModelSource> {
  const out = new Map<string, ModelSource>();
  if (!workflow || typeof workflow !== 'object') return out;
  const wf = workflow as Record<string, unknown>;
  addSources(out, wf.models);
  const nodeLists: unknown[] = [wf.nodes];
  const defs = wf.definitions as { subgraphs?: unknown } | undefined;
  if (defs && Array.isArray(defs.subgraphs)) for (const sg of defs.subgraphs) nodeLists.push((sg as { nodes?: unknown } | null)?.nodes);
  for (const nodes of nodeLists) {
    if (!Array.isArray(nodes)) continue;
    for (const n of nodes) addSources(out, (n as { properties?: { models?: unknown } } | null)?.properties?.models);
  }
  return out;
}

function baseName(p: string): string {
  return p.slice(p.replace(/\\/g, '/').lastIndexOf('/') + 1);
}

/** The missing files of an API-form prompt, in node order; `sources` gives download links. */
export function missingFilesInPrompt(prompt: ApiWorkflow, info: ObjectInfoResponse, sources: Map<string, ModelSource> = new Map()): MissingFile[] {
  const out: MissingFile[] = [];
  for (const [nodeId, node] of Object.entries(prompt)) {
    const entry = own(info, node.class_type);
    if (!entry) continue;
    for (const [input, value] of Object.entries(node.inputs)) {
      if (typeof value !== 'string' || value === '') continue;
      if (!own(entry.input.required, input) && !own(entry.input.optional, input)) continue;
      const folder = comboFolder(entry, input);
      const list = comboOptions(entry, input);
      if (!folder || !list || list.includes(value)) continue;
      const url = (sources.get(value) ?? sources.get(baseName(value)))?.url;
      out.push({ nodeId, classType: node.class_type, title: node._meta?.title ?? entry.display_name, input, value, folder, ...(url ? { url } : {}) });
    }
  }
  return out;
}

/** The missing files of an editor-form workflow (muted and bypassed nodes left out: they do not run). */
export function missingFiles(workflow: unknown, info: ObjectInfoResponse): MissingFile[] {
  return missingFilesInPrompt(editorToApi(workflow, info).prompt, info, workflowModelSources(workflow));
}

/** One line per missing file: "weights/nar/c2i_B.pt (node 1, Load NAR Model: model_name) from https://…". */
export function missingFileLines(files: MissingFile[]): string[] {
  return files.map((f) => `${f.folder}${f.value} (node ${f.nodeId}, ${f.title}: ${f.input})${f.url ? ` from ${f.url}` : ''}`);
}

const MODEL_FILE = /\.(pt|pth|ckpt|safetensors|onnx)$/i;

/**
 * What to say when a model file is opened or dropped as a workflow (someone shared a checkpoint,
 * not the workflow that loads it); undefined for any other name.
 */
export function modelFileAsWorkflow(name: string): string | undefined {
  if (!MODEL_FILE.test(name)) return undefined;
  return (
    `${name} is a model file, not a workflow: put it in the server's weights/ folder of its kind ` +
    '(weights/nar/ for NAR models, weights/tokenizer/, weights/text_encoder/, weights/metrics/) and press R in the editor, ' +
    'or give narflow run a folder of such folders with --models'
  );
}

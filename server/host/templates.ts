// Shipped workflow templates (workflows/*.json) and model file listings (weights/<kind>/).
import * as fs from 'fs';
import * as path from 'path';
import type { ObjectInfoResponse } from '../api/protocol';
import { apiToEditor } from '../engine/workflow/apiToEditor';
import { parseEditorWorkflow } from '../engine/workflow/convert';
import { apiWorkflowSchema, EditorWorkflow, looksLikeEditorWorkflow } from '../engine/workflow/schema';

export const TEMPLATE_NAME = /^[\w.-]{1,100}$/;
export const DEFAULT_TEMPLATES = ['text-to-image', 'core-demo'];

export function listTemplates(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !f.startsWith('.'))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** The longest template description the list carries. */
export const DESCRIPTION_MAX = 200;

/**
 * Each template's one-line description (its `extra.description`, as the shipped workflows carry),
 * for the editor's Templates list. Templates without one, or that do not parse, are left out.
 */
export function templateDescriptions(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of listTemplates(dir)) {
    try {
      const json = JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), 'utf8')) as { extra?: { description?: unknown } };
      const d = json?.extra?.description;
      if (typeof d === 'string' && d.trim()) Object.defineProperty(out, name, { value: d.trim().slice(0, DESCRIPTION_MAX), enumerable: true });
    } catch {
      // an unreadable template says so when it is opened
    }
  }
  return out;
}

/** Reads a template as an editor-form workflow (API-form files are laid out). Undefined when absent. */
export function readTemplate(dir: string, name: string, info: ObjectInfoResponse): EditorWorkflow | undefined {
  if (!TEMPLATE_NAME.test(name) || name.startsWith('.')) return undefined;
  const file = path.join(dir, `${name}.json`);
  if (!fs.existsSync(file)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`template ${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (looksLikeEditorWorkflow(json)) return parseEditorWorkflow(json);
  const api = apiWorkflowSchema.safeParse(json);
  if (!api.success) throw new Error(`template ${file} is neither an editor-form nor an API-form workflow`);
  return apiToEditor(api.data, info);
}

/** The template the editor opens with. */
export function defaultTemplateName(dir: string): string | undefined {
  const have = new Set(listTemplates(dir));
  return DEFAULT_TEMPLATES.find((n) => have.has(n)) ?? [...have][0];
}

/** Files under each folder of a model kind, as relative paths with '/' (dotfiles skipped, depth ≤ 4). */
export function listModelFiles(folders: string[]): string[] {
  const out = new Set<string>();
  const walk = (root: string, rel: string, depth: number) => {
    const dir = path.join(root, rel);
    for (const f of fs.readdirSync(dir).sort()) {
      if (f.startsWith('.')) continue;
      const r = rel ? `${rel}/${f}` : f;
      const st = fs.statSync(path.join(root, r));
      if (st.isDirectory()) {
        if (depth < 4) walk(root, r, depth + 1);
      } else out.add(r);
    }
  };
  for (const root of folders) if (fs.existsSync(root)) walk(root, '', 0);
  return [...out].sort();
}

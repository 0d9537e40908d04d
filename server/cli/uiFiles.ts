// The files an output node's UI result names, for the CLI to print (local run) or download
// (remote run). A node may list files under any key (Save Image: `images`; Save Video as MP4:
// `videos`; a plugin: its own): every array whose entries are {filename, subfolder?, type?} is one.
import type { UiResult } from '../engine/nodeApi';

export interface UiFileRef {
  filename: string;
  subfolder?: string;
  type?: string;
}

function isFileRef(x: unknown): x is UiFileRef {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as Record<string, unknown>;
  return typeof r.filename === 'string' && (r.subfolder === undefined || typeof r.subfolder === 'string') && (r.type === undefined || typeof r.type === 'string');
}

/** Every file a UI result lists, key by key in the order the node gave them. */
export function uiFiles(ui: UiResult): UiFileRef[] {
  return Object.values(ui).flatMap((v) => (Array.isArray(v) && v.length > 0 && v.every(isFileRef) ? v : []));
}

/**
 * The UI result's text lines, less those that only name one of its files by its path relative to
 * the output folder (Save Video's MP4 text): the CLI prints the file's real path instead.
 */
export function uiText(ui: UiResult): string[] {
  const named = new Set(uiFiles(ui).map((f) => (f.subfolder ? `${f.subfolder}/${f.filename}` : f.filename)));
  return (ui.text ?? []).filter((t) => !named.has(t));
}

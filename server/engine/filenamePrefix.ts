// The `filename_prefix` of save nodes, with the placeholders ComfyUI fills in: `%date:FORMAT%`
// (yyyy, yy, M, MM, d, dd, h, hh, m, mm, s, ss), `%year%` `%month%` `%day%` `%hour%` `%minute%`
// `%second%`, `%width%` `%height%` (the saved pictures' size), and `%Name.input%` — a constant
// input of another node of the prompt, named by its type or its title. ComfyUI's editor fills the
// date and node ones before queueing; here the server does, so a workflow run headless or over the
// API names its files as the editor's would. Placeholders that name nothing are kept as written.
import type { ApiWorkflow } from './workflow/schema';

export interface PrefixContext {
  now: Date;
  width?: number;
  height?: number;
  /** The prompt being run, for `%Title.input%`. */
  prompt?: ApiWorkflow;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** `format` with ComfyUI's date tokens replaced (one letter: no padding; two: two digits). */
export function formatPrefixDate(format: string, d: Date): string {
  const parts: Record<string, number> = { M: d.getMonth() + 1, d: d.getDate(), h: d.getHours(), m: d.getMinutes(), s: d.getSeconds() };
  return format.replace(/yyyy|yy|MM|M|dd|d|hh|h|mm|m|ss|s/g, (t) => {
    if (t === 'yyyy') return String(d.getFullYear());
    if (t === 'yy') return String(d.getFullYear()).slice(-2);
    const v = parts[t[0]];
    return t.length === 2 ? pad2(v) : String(v);
  });
}

/** A value put into a file name: no folder separators or characters file systems refuse. */
function fileSafe(v: string): string {
  return v.replace(/[/\\?%*:|"<>\x00-\x1f]/g, '_');
}

function nodeInput(prompt: ApiWorkflow, ref: string, input: string): string | undefined {
  // as ComfyUI: by type (its "Node name for S&R") first, then by title; the first such node
  const nodes = Object.values(prompt);
  const byType = nodes.filter((n) => n.class_type === ref);
  const candidates = byType.length ? byType : nodes.filter((n) => n._meta?.title === ref);
  for (const n of candidates) {
    const v = n.inputs?.[input];
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return fileSafe(String(v));
  }
  return undefined;
}

/** `prefix` with its placeholders filled in (see the file's head). */
export function expandFilenamePrefix(prefix: string, c: PrefixContext): string {
  const d = c.now;
  const vars: Record<string, string | undefined> = {
    year: String(d.getFullYear()),
    month: pad2(d.getMonth() + 1),
    day: pad2(d.getDate()),
    hour: pad2(d.getHours()),
    minute: pad2(d.getMinutes()),
    second: pad2(d.getSeconds()),
    width: c.width === undefined ? undefined : String(c.width),
    height: c.height === undefined ? undefined : String(c.height),
  };
  const fill = (body: string): string | undefined => {
    if (body.startsWith('date:')) return formatPrefixDate(body.slice(5), d);
    if (Object.prototype.hasOwnProperty.call(vars, body)) return vars[body];
    const dot = body.lastIndexOf('.');
    return dot > 0 && c.prompt ? nodeInput(c.prompt, body.slice(0, dot), body.slice(dot + 1)) : undefined;
  };
  // scanned by hand: in '50%_%width%' the '%' of '%_%' that names nothing may open the next one
  let out = '';
  let i = 0;
  while (i < prefix.length) {
    const open = prefix.indexOf('%', i);
    const close = open < 0 ? -1 : prefix.indexOf('%', open + 1);
    if (close < 0) break;
    const value = close > open + 1 ? fill(prefix.slice(open + 1, close)) : undefined;
    if (value === undefined) {
      out += prefix.slice(i, close);
      i = close;
    } else {
      out += prefix.slice(i, open) + value;
      i = close + 1;
    }
  }
  return out + prefix.slice(i);
}

/** What a save node's `filename_prefix` tooltip says it takes. */
export const FILENAME_PREFIX_PLACEHOLDERS = "ComfyUI's %date:yyyy-MM-dd%, %year%…%second%, %width%, %height%, %Name.input%";

/**
 * A (filled-in) prefix as the output subfolder and the file stem: '\\' read as '/', and empty, '.'
 * and '..' parts dropped, so it stays inside the output folder.
 */
export function splitFilenamePrefix(prefix: string, fallback: string): { subfolder: string; stem: string } {
  const parts = prefix.replace(/\\/g, '/').split('/').filter((p) => p && p !== '.' && p !== '..');
  const stem = parts.pop() ?? fallback;
  return { subfolder: parts.join('/'), stem };
}

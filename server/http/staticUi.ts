// The editor's static files: built by ui/build.ts (buildUi → folder), loaded lazily at start.
// When the editor is not there the server still runs and / says so.
import express, { RequestHandler } from 'express';
import * as fs from 'fs';
import * as path from 'path';
import type { Logger } from '../engine/nodeApi';

export type UiMode = 'build' | 'none';

/** Builds the editor with ui/build.ts when present; returns the folder to serve or a reason why not. */
export async function prepareUi(root: string, mode: UiMode, log: Logger): Promise<{ dir?: string; reason?: string }> {
  if (mode === 'none') return { reason: 'the editor is disabled for this server' };
  const buildFile = path.join(root, 'ui', 'build.ts');
  if (!fs.existsSync(buildFile)) return { reason: `the editor is not built: ${buildFile} is missing` };
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const mod = require(buildFile) as { buildUi?: (outDir?: string) => Promise<string> };
    if (typeof mod.buildUi !== 'function') return { reason: `${buildFile} does not export buildUi()` };
    const dir = await mod.buildUi();
    if (!fs.existsSync(path.join(dir, 'index.html'))) return { reason: `the editor build in ${dir} has no index.html` };
    return { dir };
  } catch (e) {
    log.error(`building the editor failed: ${(e as Error).message}`);
    return { reason: `building the editor failed: ${(e as Error).message}` };
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function staticUi(ui: { dir?: string; reason?: string }): RequestHandler {
  if (ui.dir) return express.static(ui.dir, { index: 'index.html' });
  const page =
    '<!doctype html><meta charset="utf-8"><title>narflow</title>' +
    `<h1>narflow</h1><p>The editor is not built (${escapeHtml(ui.reason ?? 'unknown reason')}).</p>` +
    '<p>The API is available under <code>/api</code> (e.g. <a href="/api/object_info">/api/object_info</a>).</p>';
  return (req, res, next) => {
    if (req.method !== 'GET' || req.path !== '/') return next();
    res.type('html').send(page);
  };
}

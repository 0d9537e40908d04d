// Loads node packs from folders: every `<dir>/<pack>/index.ts` (or .js) exporting `pack: NodePack`.
// A pack that fails to load is reported and skipped; the host keeps running with the others.
import * as fs from 'fs';
import * as path from 'path';
import type { Logger, NodePack } from '../nodeApi';
import { NodeRegistry } from './registry';

export interface PackLoadReport {
  loaded: { name: string; dir: string; nodes: number }[];
  failed: { dir: string; error: string }[];
}

export interface LoadPacksOptions {
  /** Folders holding pack folders (e.g. `<repo>/nodes`, a plugins folder). */
  dirs: string[];
  /** Only load packs whose folder name is listed (all when absent). */
  only?: string[];
  log?: Logger;
}

function packIndex(dir: string): string | undefined {
  for (const f of ['index.ts', 'index.js']) {
    const p = path.join(dir, f);
    if (fs.existsSync(p)) return p;
  }
  return undefined;
}

function readPack(file: string): NodePack {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const mod = require(file) as { pack?: NodePack; default?: NodePack; nodes?: NodePack['nodes']; name?: string };
  if (mod.pack) return mod.pack;
  if (mod.default && Array.isArray(mod.default.nodes)) return mod.default;
  if (Array.isArray(mod.nodes)) return { name: mod.name ?? path.basename(path.dirname(file)), nodes: mod.nodes };
  throw new Error(`${file} exports no 'pack' (expected export const pack: NodePack = {name, nodes})`);
}

/** Adds every pack found under `dirs` to `registry`. */
export function loadPacks(registry: NodeRegistry, opts: LoadPacksOptions): PackLoadReport {
  const report: PackLoadReport = { loaded: [], failed: [] };
  for (const root of opts.dirs) {
    if (!fs.existsSync(root)) continue;
    for (const name of fs.readdirSync(root).sort()) {
      if (opts.only && !opts.only.includes(name)) continue;
      const dir = path.join(root, name);
      if (!fs.statSync(dir).isDirectory()) continue;
      const index = packIndex(dir);
      if (!index) continue;
      try {
        const pack = readPack(index);
        registry.addPack(pack);
        report.loaded.push({ name: pack.name, dir, nodes: pack.nodes.length });
      } catch (e) {
        const error = (e as Error).message;
        report.failed.push({ dir, error });
        opts.log?.warn(`node pack ${dir} not loaded: ${error}`);
      }
    }
  }
  return report;
}

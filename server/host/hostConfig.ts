// Where the host keeps things: repo folders (nodes/, workflows/, weights/) and data folders
// (output/, input/, user/ with the database and temp files). Resolved once, passed everywhere.
import * as fs from 'fs';
import * as path from 'path';
import type { HostPaths, Logger, NodePack } from '../engine/nodeApi';

export interface BackendSummary {
  name: string;
  reason: string;
}

export interface HostConfig {
  /** Repository root: nodes/, workflows/, weights/. */
  root: string;
  paths: HostPaths;
  /** SQLite file for queue, history and saved workflows (':memory:' for none). */
  dbFile: string;
  /** Folders holding node packs: <root>/nodes, then plugin folders. */
  packDirs: string[];
  /** Only these pack folder names (all when absent). */
  packs?: string[];
  /** Packs given as objects (tests, embedding). */
  extraPacks?: NodePack[];
  workflowsDir: string;
  cacheSize: number;
  /** Prompts that may wait in the queue; more are refused (429) until it drains. */
  maxQueue: number;
  /** Finished prompts kept as history (the newest). */
  historyMax: number;
  backend: BackendSummary;
  log: Logger;
}

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** weights/<kind>/ folders of every model root, by kind. */
export function modelFolders(roots: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const root of roots) {
    if (!fs.existsSync(root)) continue;
    for (const kind of fs.readdirSync(root).sort()) {
      const dir = path.join(root, kind);
      if (fs.statSync(dir).isDirectory()) (out[kind] ??= []).push(dir);
    }
  }
  return out;
}

export interface HostConfigOptions {
  root?: string;
  /** Holds output/, input/, user/ (default: the repo root). */
  dataDir?: string;
  plugins?: string[];
  packs?: string[];
  extraPacks?: NodePack[];
  /** Extra model roots (each with <kind>/ folders) after <root>/weights. */
  modelRoots?: string[];
  dbFile?: string;
  cacheSize?: number;
  maxQueue?: number;
  historyMax?: number;
  backend?: BackendSummary;
  log?: Logger;
}

export const consoleLogger: Logger = {
  info: (m) => process.stderr.write(`[narflow] ${m}\n`),
  warn: (m) => process.stderr.write(`[narflow] warning: ${m}\n`),
  error: (m) => process.stderr.write(`[narflow] error: ${m}\n`),
};

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

export function hostConfig(opts: HostConfigOptions = {}): HostConfig {
  const root = path.resolve(opts.root ?? REPO_ROOT);
  const data = path.resolve(opts.dataDir ?? root);
  const paths: HostPaths = {
    output: path.join(data, 'output'),
    input: path.join(data, 'input'),
    temp: path.join(data, 'user', 'temp'),
    models: modelFolders([path.join(root, 'weights'), ...(opts.modelRoots ?? [])]),
    data,
  };
  return {
    root,
    paths,
    dbFile: opts.dbFile ?? path.join(data, 'user', 'narflow.db'),
    packDirs: [path.join(root, 'nodes'), ...(opts.plugins ?? []).map((p) => path.resolve(p))],
    packs: opts.packs,
    extraPacks: opts.extraPacks,
    workflowsDir: path.join(root, 'workflows'),
    cacheSize: opts.cacheSize ?? 256,
    maxQueue: opts.maxQueue ?? 10_000,
    historyMax: opts.historyMax ?? 10_000,
    backend: opts.backend ?? { name: 'none', reason: 'no tensor backend initialised in this process' },
    log: opts.log ?? consoleLogger,
  };
}

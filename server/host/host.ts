// The workflow host: registry, executor, event bus, queue and stores, wired from a HostConfig.
// HTTP and the CLI sit on top of this; nothing here knows about HTTP.
import * as fs from 'fs';
import type { ObjectInfoResponse } from '../api/protocol';
import { Executor } from '../engine/executor/executor';
import { OutputCache } from '../engine/executor/outputCache';
import { loadPacks, PackLoadReport } from '../engine/registry/loadPacks';
import { objectInfo } from '../engine/registry/objectInfo';
import { NodeRegistry } from '../engine/registry/registry';
import { EventBus, LocalEventBus } from '../queue/eventBus';
import { LocalPromptQueue } from '../queue/localQueue';
import type { PromptQueue, QueuedPrompt } from '../queue/promptQueue';
import { Db, openDatabase } from '../store/database';
import { WorkflowStore } from '../store/workflowStore';
import type { HostConfig } from './hostConfig';

export interface Host {
  config: HostConfig;
  registry: NodeRegistry;
  packReport: PackLoadReport;
  bus: EventBus;
  queue: PromptQueue;
  workflows: WorkflowStore;
  executor: Executor;
  /** object_info now (COMBO option functions evaluated per call). */
  objectInfo(): ObjectInfoResponse;
  close(): Promise<void>;
}

/** Registry with every pack of the config (packs that fail to load are reported and skipped). */
export function buildRegistry(config: HostConfig): { registry: NodeRegistry; report: PackLoadReport } {
  const registry = new NodeRegistry();
  const report = loadPacks(registry, { dirs: config.packDirs, only: config.packs, log: config.log });
  for (const pack of config.extraPacks ?? []) {
    registry.addPack(pack);
    report.loaded.push({ name: pack.name, dir: '(in process)', nodes: pack.nodes.length });
  }
  return { registry, report };
}

/** Text chunks for files a prompt saves: the API form and the editor form. */
export function pngTextFor(item: QueuedPrompt): Record<string, string> {
  const text: Record<string, string> = { prompt: JSON.stringify(item.prompt) };
  const info = item.extra.extra_pnginfo as { workflow?: unknown } | undefined;
  if (info?.workflow) text.workflow = JSON.stringify(info.workflow);
  return text;
}

/** What a queue implementation gets to build itself with. */
export interface QueueDeps {
  config: HostConfig;
  db: Db;
  registry: NodeRegistry;
  executor: Executor;
  /** Publish every execution event (with its prompt_id) and queue status here; the server relays it. */
  bus: EventBus;
  pngTextFor(item: QueuedPrompt): Record<string, string>;
}

export interface HostParts {
  /** Another queue (e.g. Redis/BullMQ with remote workers); default: SQLite, run in this process. */
  queue?(deps: QueueDeps): PromptQueue;
}

export function createHost(config: HostConfig, parts: HostParts = {}): Host {
  for (const dir of [config.paths.output, config.paths.input, config.paths.temp]) fs.mkdirSync(dir, { recursive: true });
  const { registry, report } = buildRegistry(config);
  const db: Db = openDatabase(config.dbFile);
  const bus = new LocalEventBus((err) => config.log.error(`event listener failed: ${(err as Error).message}`));
  const executor = new Executor({ registry, paths: config.paths, log: config.log, cache: new OutputCache(config.cacheSize, { onDisposeError: (e) => config.log.warn(`disposing an evicted output failed: ${(e as Error).message}`) }) });
  const deps: QueueDeps = { config, db, registry, executor, bus, pngTextFor };
  const queue = parts.queue ? parts.queue(deps) : new LocalPromptQueue({ db, executor, bus, log: config.log, pngTextFor, historyMax: config.historyMax });
  return {
    config,
    registry,
    packReport: report,
    bus,
    queue,
    workflows: new WorkflowStore(db),
    executor,
    objectInfo: () => objectInfo(registry, config.paths),
    async close() {
      await queue.close();
      db.close();
    },
  };
}

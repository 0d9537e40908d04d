// Builds a registry + executor over the test pack and the core pack in a temp folder.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { ExecutionEvent } from '../../server/api/protocol';
import { Executor, RunResult } from '../../server/engine/executor/executor';
import { OutputCache } from '../../server/engine/executor/outputCache';
import type { HostPaths } from '../../server/engine/nodeApi';
import { NodeRegistry } from '../../server/engine/registry/registry';
import { silentLogger } from '../../server/host/hostConfig';
import type { ApiWorkflow } from '../../server/engine/workflow/schema';
import { pack as corePack } from '../../nodes/core';
import { Counts, makeTestPack } from './testPack';

export function tempPaths(prefix = 'narflow-test-'): HostPaths {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const p = { output: path.join(root, 'output'), input: path.join(root, 'input'), temp: path.join(root, 'temp'), models: {} };
  for (const d of [p.output, p.input, p.temp]) fs.mkdirSync(d, { recursive: true });
  return p;
}

export interface Harness {
  registry: NodeRegistry;
  executor: Executor;
  counts: Counts;
  files: Record<string, string>;
  paths: HostPaths;
  run(prompt: ApiWorkflow, opts?: { signal?: AbortSignal; id?: string }): Promise<RunResult & { events: ExecutionEvent[] }>;
}

/** `cacheSize`: entries the executor's output cache keeps (default: the cache's own default). */
export function harness(cacheSize?: number): Harness {
  const counts: Counts = {};
  const files: Record<string, string> = {};
  const registry = new NodeRegistry();
  registry.addPack(makeTestPack(counts, files));
  registry.addPack(corePack);
  const paths = tempPaths();
  const executor = new Executor({ registry, paths, log: silentLogger, cache: cacheSize ? new OutputCache(cacheSize) : undefined });
  let n = 0;
  return {
    registry,
    executor,
    counts,
    files,
    paths,
    async run(prompt, opts = {}) {
      const events: ExecutionEvent[] = [];
      const outputs = Object.keys(prompt).filter((id) => registry.get(prompt[id].class_type)?.outputNode);
      const r = await executor.run({
        promptId: opts.id ?? `p${++n}`,
        prompt,
        outputs,
        signal: opts.signal ?? new AbortController().signal,
        emit: (e) => events.push(e),
      });
      return { ...r, events };
    },
  };
}

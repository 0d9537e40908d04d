// Which models a prompt needs and which a worker holds. A "model loader" is a node with only
// constant inputs (file names, options) and an output of a non-data type (NAR_MODEL, TOKENIZER,
// TEXT_ENCODER, ...). Its key is its type and constants, e.g. LoadNARModel{"model_name":"a.safetensors"};
// a worker holds that model while the loader's output is in its executor cache.
import { computeSignatures } from '../engine/executor/signature';
import type { OutputCache } from '../engine/executor/outputCache';
import type { HostPaths, NodeDefinition } from '../engine/nodeApi';
import type { NodeRegistry } from '../engine/registry/registry';
import { ApiWorkflow, isApiLink } from '../engine/workflow/schema';

/** Values that are data flowing through a graph, not something loaded once and kept. */
const DATA_TYPES = new Set(['IMAGE', 'VIDEO', 'TOKENS', 'CONDITIONING', 'METRICS', 'INT', 'FLOAT', 'STRING', 'BOOLEAN', 'COMBO', '*']);

export interface ModelNeed {
  nodeId: string;
  key: string;
  /** String constants of the loader (the weights file names), for display. */
  weights: string[];
}

export function isModelLoader(def: NodeDefinition): boolean {
  return def.outputs.some((o) => !DATA_TYPES.has(o.type)) && Object.values(def.inputs).every((i) => i.kind !== 'link');
}

/** The model loaders of a prompt that take no links, with their keys (sorted by node id). */
export function modelNeeds(prompt: ApiWorkflow, registry: NodeRegistry): ModelNeed[] {
  const out: ModelNeed[] = [];
  for (const id of Object.keys(prompt).sort()) {
    const node = prompt[id];
    const def = registry.get(node.class_type);
    if (!def || !isModelLoader(def)) continue;
    const values = Object.entries(node.inputs);
    if (values.some(([, v]) => isApiLink(v))) continue;
    const constants = Object.fromEntries(values.sort(([a], [b]) => a.localeCompare(b)));
    const weights = values.map(([, v]) => v).filter((v): v is string => typeof v === 'string');
    out.push({ nodeId: id, key: `${node.class_type}${JSON.stringify(constants)}`, weights });
  }
  return out;
}

/** Tracks the models a worker has loaded: key → the cache signature of the loader's output. */
export class ModelTracker {
  private readonly loaded = new Map<string, { sig: string; weights: string[] }>();

  constructor(
    private readonly registry: NodeRegistry,
    private readonly paths: HostPaths,
    private readonly cache: OutputCache,
  ) {}

  /** After a run: remembers the loaders it executed or found cached. */
  async noteRun(prompt: ApiWorkflow, ranOrCached: string[]): Promise<void> {
    const done = new Set(ranOrCached);
    for (const need of modelNeeds(prompt, this.registry)) {
      if (!done.has(need.nodeId)) continue;
      const def = this.registry.get(prompt[need.nodeId].class_type)!;
      const sigs = await computeSignatures(prompt, [need.nodeId], new Map([[need.nodeId, def]]), this.paths, 'model-tracker');
      this.loaded.set(need.key, { sig: sigs.get(need.nodeId)!, weights: need.weights });
    }
  }

  /** Keys of models still in the cache (evicted ones are forgotten). */
  held(): Set<string> {
    for (const [k, v] of this.loaded) if (!this.cache.has(v.sig)) this.loaded.delete(k);
    return new Set(this.loaded.keys());
  }

  weights(): string[] {
    this.held();
    return [...new Set([...this.loaded.values()].flatMap((v) => v.weights))].sort();
  }
}

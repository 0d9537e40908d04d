// Cache keys: a node's signature covers its type, constants, fingerprint and upstream signatures,
// so a change anywhere upstream changes every signature below it.
import { createHash } from 'crypto';
import type { HostPaths, NodeDefinition } from '../nodeApi';
import { ApiWorkflow, isApiLink } from '../workflow/schema';

function stable(v: unknown): string {
  if (v === undefined) return 'u';
  return JSON.stringify(v);
}

/** Constants of a node (links left out), for fingerprints. */
export function constantInputs(prompt: ApiWorkflow, id: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(prompt[id].inputs)) if (!isApiLink(v)) out[k] = v;
  return out;
}

/**
 * Signatures of `order` (dependency order). `nonce` makes alwaysRun nodes (and nodes whose
 * fingerprint failed) unique to this run, so they and their downstream never hit the cache.
 */
export async function computeSignatures(
  prompt: ApiWorkflow,
  order: string[],
  defs: Map<string, NodeDefinition>,
  paths: HostPaths,
  nonce: string,
): Promise<Map<string, string>> {
  const sigs = new Map<string, string>();
  for (const id of order) {
    const node = prompt[id];
    const def = defs.get(id)!;
    const parts: string[] = [node.class_type];
    for (const name of Object.keys(node.inputs).sort()) {
      const v = node.inputs[name];
      parts.push(name, isApiLink(v) ? `link:${sigs.get(v[0]) ?? 'missing'}:${v[1]}` : stable(v));
    }
    if (def.alwaysRun) parts.push('always', nonce, id);
    if (def.fingerprint) {
      try {
        parts.push('fp', await def.fingerprint(constantInputs(prompt, id), paths));
      } catch {
        parts.push('fp-failed', nonce, id);
      }
    }
    sigs.set(id, createHash('sha256').update(parts.join('\u0000')).digest('hex'));
  }
  return sigs;
}

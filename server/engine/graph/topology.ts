// Pure graph functions over the API form: dependencies, what outputs need, topological order, cycles.
import { own } from '../workflow/ownProps';
import { ApiWorkflow, isApiLink } from '../workflow/schema';

/** Ids of the nodes an API-form node links from (may include ids not in the workflow). */
export function dependencies(prompt: ApiWorkflow, id: string): string[] {
  const node = own(prompt, id);
  if (!node) return [];
  const deps: string[] = [];
  for (const v of Object.values(node.inputs ?? {})) if (isApiLink(v) && !deps.includes(v[0])) deps.push(v[0]);
  return deps;
}

/** Every node the given nodes depend on, transitively, including themselves (present nodes only). */
export function ancestors(prompt: ApiWorkflow, roots: string[]): Set<string> {
  const seen = new Set<string>();
  const stack = roots.filter((r) => own(prompt, r));
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const d of dependencies(prompt, id)) if (own(prompt, d) && !seen.has(d)) stack.push(d);
  }
  return seen;
}

export interface TopoResult {
  /** Nodes in dependency order (dependencies first); ties keep the order of `ids`. */
  order: string[];
  /** Nodes on or behind a cycle (not orderable); empty when the graph is acyclic. */
  cyclic: string[];
}

/** Kahn's algorithm restricted to `ids`; links to nodes outside `ids` are ignored. */
export function topoSort(prompt: ApiWorkflow, ids: Iterable<string>): TopoResult {
  const set = new Set(ids);
  const indeg = new Map<string, number>();
  const users = new Map<string, string[]>();
  for (const id of set) {
    indeg.set(id, 0);
    users.set(id, []);
  }
  for (const id of set) {
    for (const d of dependencies(prompt, id)) {
      if (!set.has(d)) continue;
      indeg.set(id, indeg.get(id)! + 1);
      users.get(d)!.push(id);
    }
  }
  const ready = [...set].filter((id) => indeg.get(id) === 0);
  const order: string[] = [];
  while (ready.length) {
    const id = ready.shift()!;
    order.push(id);
    for (const u of users.get(id)!) {
      const n = indeg.get(u)! - 1;
      indeg.set(u, n);
      if (n === 0) ready.push(u);
    }
  }
  const done = new Set(order);
  return { order, cyclic: [...set].filter((id) => !done.has(id)) };
}

/**
 * Nodes that lie on a cycle (not merely downstream of one): members of strongly connected components
 * of size > 1 or self-loops. Tarjan's algorithm with an explicit stack of frames instead of
 * recursion, so a chain of any length fits (a recursive walk overflowed near 10000 nodes).
 */
export function cycleMembers(prompt: ApiWorkflow, ids: Iterable<string>): string[] {
  const set = new Set(ids);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[] = [];
  let counter = 0;
  /** One "call" of the recursive formulation: a node and how far through its dependencies it is. */
  const frames: { v: string; deps: string[]; next: number }[] = [];
  const enter = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    frames.push({ v, deps: dependencies(prompt, v).filter((w) => set.has(w)), next: 0 });
  };
  for (const root of set) {
    if (index.has(root)) continue;
    enter(root);
    while (frames.length) {
      const f = frames[frames.length - 1];
      if (f.next < f.deps.length) {
        const w = f.deps[f.next++];
        if (!index.has(w)) enter(w);
        else if (onStack.has(w)) low.set(f.v, Math.min(low.get(f.v)!, index.get(w)!));
        continue;
      }
      frames.pop();
      if (low.get(f.v) === index.get(f.v)) {
        const comp: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          comp.push(w);
        } while (w !== f.v);
        if (comp.length > 1 || f.deps.includes(f.v)) out.push(...comp);
      }
      const parent = frames[frames.length - 1];
      if (parent) low.set(parent.v, Math.min(low.get(parent.v)!, low.get(f.v)!));
    }
  }
  return out;
}

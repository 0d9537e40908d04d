import { ancestors, cycleMembers, topoSort } from '../../server/engine/graph/topology';
import type { ApiWorkflow } from '../../server/engine/workflow/schema';

const n = (links: Record<string, [string, number]>) => ({ class_type: 'X', inputs: links });

describe('graph topology', () => {
  const g: ApiWorkflow = { a: n({}), b: n({ x: ['a', 0] }), c: n({ x: ['b', 0], y: ['a', 0] }), d: n({}), e: n({ x: ['zz', 0] }) };

  it('ancestors follow links transitively and skip missing nodes', () => {
    expect([...ancestors(g, ['c'])].sort()).toEqual(['a', 'b', 'c']);
    expect([...ancestors(g, ['e'])]).toEqual(['e']);
  });

  it('topoSort puts dependencies first and keeps input order for ties', () => {
    expect(topoSort(g, ['c', 'd', 'b', 'a']).order).toEqual(['d', 'a', 'b', 'c']);
    expect(topoSort(g, ['c', 'b', 'a']).cyclic).toEqual([]);
  });

  it('cycleMembers finds loops (and self-loops) but not their downstream', () => {
    const cyc: ApiWorkflow = { a: n({ x: ['c', 0] }), b: n({ x: ['a', 0] }), c: n({ x: ['b', 0] }), d: n({ x: ['c', 0] }), s: n({ x: ['s', 0] }) };
    expect(cycleMembers(cyc, Object.keys(cyc)).sort()).toEqual(['a', 'b', 'c', 's']);
    expect(topoSort(cyc, Object.keys(cyc)).cyclic.sort()).toEqual(['a', 'b', 'c', 'd', 's']);
  });
});

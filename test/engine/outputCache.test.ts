// OutputCache disposes values that have dispose() once no entry holds them, and not while held.
import { OutputCache, type CachedNode } from '../../server/engine/executor/outputCache';

function resource(log: string[], name: string) {
  return { name, dispose: () => void log.push(name) };
}

const node = (...outputs: unknown[]): CachedNode => ({ outputs });

describe('OutputCache disposal', () => {
  it('disposes the least recently used entry’s values when it is evicted', () => {
    const log: string[] = [];
    const cache = new OutputCache(2);
    cache.set('a', node(resource(log, 'a'), 3));
    cache.set('b', node(resource(log, 'b')));
    cache.get('a'); // b is now the oldest
    cache.set('c', node(resource(log, 'c')));
    expect(log).toEqual(['b']);
    expect([cache.has('a'), cache.has('b'), cache.has('c')]).toEqual([true, false, true]);
  });

  it('disposes a replaced entry’s values, but not when the same entry is set again', () => {
    const log: string[] = [];
    const cache = new OutputCache(4);
    const first = node(resource(log, 'first'));
    cache.set('s', first);
    cache.set('s', first);
    expect(log).toEqual([]);
    cache.set('s', node(resource(log, 'second')));
    expect(log).toEqual(['first']);
  });

  it('keeps a value another entry still holds, and disposes it once with the last holder', () => {
    const log: string[] = [];
    const cache = new OutputCache(2);
    const shared = resource(log, 'shared');
    cache.set('loader', node(shared));
    cache.set('passthrough', node(shared));
    cache.set('x', node(1)); // evicts 'loader'
    expect(log).toEqual([]);
    cache.set('y', node(2)); // evicts 'passthrough'
    expect(log).toEqual(['shared']);
  });

  it('while held, dropped values wait for the last release; clear() disposes everything', () => {
    const log: string[] = [];
    const cache = new OutputCache(1);
    const releaseA = cache.hold();
    const releaseB = cache.hold();
    cache.set('a', node(resource(log, 'a')));
    cache.set('b', node(resource(log, 'b')));
    releaseA();
    releaseA(); // a second call of the same release does nothing
    expect(log).toEqual([]);
    releaseB();
    expect(log).toEqual(['a']);
    cache.clear();
    expect(log).toEqual(['a', 'b']);
    expect(cache.size).toBe(0);
  });

  it('reports a dispose() that throws or rejects and goes on with the others', async () => {
    const errors: string[] = [];
    const log: string[] = [];
    const cache = new OutputCache(1, { onDisposeError: (e) => errors.push((e as Error).message) });
    cache.set('a', node({ dispose: () => { throw new Error('sync failure'); } }, { dispose: () => Promise.reject(new Error('async failure')) }, resource(log, 'ok')));
    cache.set('b', node(0));
    await new Promise((r) => setImmediate(r));
    expect(errors.sort()).toEqual(['async failure', 'sync failure']);
    expect(log).toEqual(['ok']);
  });
});

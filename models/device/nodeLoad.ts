// Loads a package with Node's own module loader (`Module._load`). Jest replaces `require` in
// test files with its own loader, which cannot load ES-module packages (such as `webgpu`) and
// re-evaluates native add-ons per test file; Node's loader does neither. Outside jest this is
// plain `require`.
import * as NodeModule from 'module';

type Loader = (id: string, parent: NodeModule | undefined, isMain: boolean) => unknown;

export function nodeLoad(id: string): unknown {
  const loader = (NodeModule as unknown as { _load?: Loader })._load;
  if (typeof loader === 'function') return loader(id, module, false);
  return require(id);
}

/** True when `id` resolves from here (without loading it). */
export function resolvable(id: string): boolean {
  try {
    require.resolve(id);
    return true;
  } catch {
    return false;
  }
}

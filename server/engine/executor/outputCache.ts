// Node outputs by signature, least recently used evicted first. An output value that has a
// `dispose()` method (a model holding tensors, an encoder holding sessions) is disposed once its
// entry is evicted or replaced and no remaining entry holds the same value; while a run holds the
// cache (`hold()`), dropped values are kept until the run releases it, since it may still read them.
import type { UiResult } from '../nodeApi';

export interface CachedNode {
  outputs: unknown[];
  ui?: UiResult;
  /**
   * The last progress event that carried a preview (without its node id), sent again when the
   * node is a cache hit: a client that did not see the run (a reloaded editor, another tab) still
   * gets the picture, and a NAR sampler's seed picker its grid.
   */
  lastPreview?: { value: number; max: number; preview: { image: string; label?: string }; extra?: Record<string, unknown> };
}

interface Disposable {
  dispose(): unknown;
}

function isDisposable(v: unknown): v is Disposable {
  return typeof v === 'object' && v !== null && typeof (v as { dispose?: unknown }).dispose === 'function';
}

export interface OutputCacheOptions {
  /** told when a value's dispose() throws or rejects (default: ignored) */
  onDisposeError?: (err: unknown) => void;
}

export class OutputCache {
  private readonly map = new Map<string, CachedNode>();
  private holds = 0;
  /** entries dropped while held, disposed on the last release */
  private dropped: CachedNode[] = [];

  constructor(
    private readonly maxEntries = 256,
    private readonly options: OutputCacheOptions = {},
  ) {
    if (!(maxEntries >= 1)) throw new Error(`cache size must be at least 1, got ${maxEntries}`);
  }

  get(sig: string): CachedNode | undefined {
    const hit = this.map.get(sig);
    if (hit) {
      this.map.delete(sig);
      this.map.set(sig, hit);
    }
    return hit;
  }

  has(sig: string): boolean {
    return this.map.has(sig);
  }

  set(sig: string, value: CachedNode): void {
    const old = this.map.get(sig);
    const dropped = old && old !== value ? [old] : [];
    this.map.delete(sig);
    this.map.set(sig, value);
    while (this.map.size > this.maxEntries) {
      const oldest = this.map.keys().next().value as string;
      dropped.push(this.map.get(oldest)!);
      this.map.delete(oldest);
    }
    this.drop(dropped);
  }

  clear(): void {
    const all = [...this.map.values()];
    this.map.clear();
    this.drop(all);
  }

  get size(): number {
    return this.map.size;
  }

  /** Keeps dropped values undisposed until the returned release is called (once). */
  hold(): () => void {
    this.holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.holds > 0) return;
      const dropped = this.dropped;
      this.dropped = [];
      this.disposeUnreferenced(dropped);
    };
  }

  private drop(entries: CachedNode[]): void {
    if (!entries.length) return;
    if (this.holds > 0) this.dropped.push(...entries);
    else this.disposeUnreferenced(entries);
  }

  /** Disposes the dropped entries' values that no cached entry still holds (each at most once). */
  private disposeUnreferenced(entries: CachedNode[]): void {
    if (!entries.length) return;
    const live = new Set<unknown>();
    for (const e of this.map.values()) for (const v of e.outputs) live.add(v);
    const done = new Set<unknown>();
    for (const e of entries) {
      for (const v of e.outputs) {
        if (!isDisposable(v) || live.has(v) || done.has(v)) continue;
        done.add(v);
        try {
          const r = v.dispose();
          if (r instanceof Promise) r.catch((err) => this.options.onDisposeError?.(err));
        } catch (err) {
          this.options.onDisposeError?.(err);
        }
      }
    }
  }
}

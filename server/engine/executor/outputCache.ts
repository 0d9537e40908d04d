// Node outputs by signature, least recently used evicted first.
import type { UiResult } from '../nodeApi';

export interface CachedNode {
  outputs: unknown[];
  ui?: UiResult;
}

export class OutputCache {
  private readonly map = new Map<string, CachedNode>();

  constructor(private readonly maxEntries = 256) {
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
    this.map.delete(sig);
    this.map.set(sig, value);
    while (this.map.size > this.maxEntries) this.map.delete(this.map.keys().next().value as string);
  }

  clear(): void {
    this.map.clear();
  }

  get size(): number {
    return this.map.size;
  }
}

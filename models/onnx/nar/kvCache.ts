// The host side of the KV cache: one preallocated buffer pair per block, fed to every step as
// `past_k_l` / `past_v_l` (read in place, never copied whole). Each step appends only the fed
// positions' keys/values that the graph returns, as contiguous [S, hd] blocks. The graph can write
// those straight into a staging area behind the slots of the same buffer (stagingViews), from
// where appendStaged moves them into place with copyWithin (a memmove, no JS loop or views).
//
// The tensors the graph sees have a *capacity* T that grows in steps (32, 64, 128, … and finally
// every slot), not the full slot count: attention then costs in proportion to what the cache
// holds rather than to the largest sequence. Growing re-lays the filled slots out in place (the
// buffers are allocated once, for every slot), a few times per generation.
//   keys, values [B, kvH, T, hd]
//   bias         [B, 1, 1, T]     0 for a filled, visible slot; HIDDEN otherwise
import { floatTensor, OrtTensor } from '../session';
import { HIDDEN } from './stepInputs';

export interface KvCacheShape {
  blocks: number;
  batch: number;
  kvHeads: number;
  headDim: number;
  /** slots: condition positions + grid tokens */
  slots: number;
  /** the most positions one step feeds, when known: the staging area is sized for it up front */
  maxFed?: number;
}

/** Smallest capacity step; each later step doubles, and one within 3/4 of `slots` jumps to `slots`. */
export const MIN_CAPACITY = 32;

/** The capacity the cache grows to when it must hold `needed` slots. */
export function capacityFor(needed: number, slots: number): number {
  if (needed > slots) throw new Error(`capacityFor: ${needed} slots needed, the cache has ${slots}`);
  let cap = MIN_CAPACITY;
  while (cap < needed) cap *= 2;
  return cap >= 0.75 * slots ? slots : cap;
}

/** The smallest power of two ≥ n: buffer sizes with room for steps that widen ring by ring. */
export const pow2AtLeast = (n: number): number => 2 ** Math.ceil(Math.log2(Math.max(n, 1)));

export class OrtKvCache {
  /** per block, [B, kvH, capacity, hd] in the first B·kvH·capacity·hd values (views of the slot region) */
  readonly keys: Float32Array[];
  readonly values: Float32Array[];
  /** per block: the slot region followed by the staging area (the arrays keys/values view) */
  private keyBuffers: Float32Array[];
  private valueBuffers: Float32Array[];
  /** values in the slot region (B·kvH·hd·slots) and in the staging area behind it */
  private readonly slotValues: number;
  private staging = 0;
  private biasData: Float32Array;
  private tensors: { keys: OrtTensor[]; values: OrtTensor[]; bias: OrtTensor } | null = null;
  private filledSlots = 0;
  private cap: number;

  constructor(readonly shape: KvCacheShape) {
    const { blocks, batch, kvHeads, headDim, slots } = shape;
    const n = batch * kvHeads * headDim * slots;
    this.slotValues = n;
    this.staging = batch * kvHeads * headDim * (shape.maxFed ?? 0);
    this.keyBuffers = Array.from({ length: blocks }, () => new Float32Array(n + this.staging));
    this.valueBuffers = Array.from({ length: blocks }, () => new Float32Array(n + this.staging));
    this.keys = this.keyBuffers.map((b) => b.subarray(0, n));
    this.values = this.valueBuffers.map((b) => b.subarray(0, n));
    this.cap = Math.min(MIN_CAPACITY, slots);
    this.biasData = new Float32Array(batch * this.cap).fill(HIDDEN);
  }

  get filled(): number {
    return this.filledSlots;
  }

  /** Slots the fed tensors currently expose (T). */
  get capacity(): number {
    return this.cap;
  }

  /** [B, 1, 1, T]: 0 where a filled slot may be attended to */
  get bias(): Float32Array {
    return this.biasData;
  }

  get keyTensors(): OrtTensor[] {
    return this.views().keys;
  }

  get valueTensors(): OrtTensor[] {
    return this.views().values;
  }

  get biasTensor(): OrtTensor {
    return this.views().bias;
  }

  /** Empties the cache (buffers are kept; the capacity starts small again). */
  clear(): void {
    this.filledSlots = 0;
    const cap = Math.min(MIN_CAPACITY, this.shape.slots);
    if (cap !== this.cap) {
      this.cap = cap;
      this.biasData = new Float32Array(this.shape.batch * cap);
      this.tensors = null;
    }
    this.biasData.fill(HIDDEN);
  }

  /** Throws unless `count` more slots fit; grows the capacity so that they do. */
  reserve(count: number): void {
    const need = this.filledSlots + count;
    if (need > this.shape.slots) {
      throw new Error(`KV cache holds ${this.shape.slots} slots; ${this.filledSlots} are filled and ${count} more were fed`);
    }
    if (need > this.cap) this.grow(capacityFor(need, this.shape.slots));
  }

  /**
   * Appends S positions: `newKeys[l]` and `newValues[l]` [B, kvH, S, hd]; `visible(b, s)` says
   * whether row b's slot s may be attended to later (false: padding).
   */
  append(newKeys: Float32Array[], newValues: Float32Array[], S: number, visible?: (b: number, s: number) => boolean): void {
    const { batch, kvHeads, headDim } = this.shape;
    const n = batch * kvHeads * S * headDim;
    for (let l = 0; l < this.keys.length; l++) {
      if (newKeys[l].length !== n || newValues[l].length !== n) {
        throw new Error(`block ${l}: new keys/values have ${newKeys[l].length}/${newValues[l].length} values, expected ${n}`);
      }
    }
    const staged = this.stagingViews(S);
    for (let l = 0; l < this.keys.length; l++) {
      staged.keys[l].set(newKeys[l]);
      staged.values[l].set(newValues[l]);
    }
    this.appendStaged(S, visible);
  }

  /**
   * Per block, the staging views [B, kvH, S, hd] for a step feeding S positions (behind the slot
   * region; when S exceeds shape.maxFed, grown to a power of two, which replaces the buffers).
   */
  stagingViews(S: number): { keys: Float32Array[]; values: Float32Array[] } {
    const { batch, kvHeads, headDim } = this.shape;
    const need = batch * kvHeads * S * headDim;
    if (need > this.staging) {
      const size = this.slotValues + pow2AtLeast(need);
      const used = batch * kvHeads * this.cap * headDim;
      const regrow = (old: Float32Array) => {
        const b = new Float32Array(size);
        b.set(old.subarray(0, used));
        return b;
      };
      this.keyBuffers = this.keyBuffers.map(regrow);
      this.valueBuffers = this.valueBuffers.map(regrow);
      this.keyBuffers.forEach((b, l) => (this.keys[l] = b.subarray(0, this.slotValues)));
      this.valueBuffers.forEach((b, l) => (this.values[l] = b.subarray(0, this.slotValues)));
      this.staging = size - this.slotValues;
      this.tensors = null;
    }
    const at = this.slotValues;
    return {
      keys: this.keyBuffers.map((b) => b.subarray(at, at + need)),
      values: this.valueBuffers.map((b) => b.subarray(at, at + need)),
    };
  }

  /** Appends the S positions the graph wrote into the staging views (see append). */
  appendStaged(S: number, visible?: (b: number, s: number) => boolean): void {
    this.reserve(S);
    const { batch, kvHeads, headDim } = this.shape;
    const cap = this.cap;
    const at = this.filledSlots;
    const block = S * headDim;
    const from = this.slotValues;
    for (const buf of [...this.keyBuffers, ...this.valueBuffers]) {
      for (let bh = 0; bh < batch * kvHeads; bh++) buf.copyWithin((bh * cap + at) * headDim, from + bh * block, from + (bh + 1) * block);
    }
    for (let b = 0; b < batch; b++) {
      for (let s = 0; s < S; s++) this.biasData[b * cap + at + s] = !visible || visible(b, s) ? 0 : HIDDEN;
    }
    this.filledSlots = at + S;
  }

  /** Re-lays the filled slots out for capacity `cap` (in place, last row first) and rebuilds the bias. */
  private grow(cap: number): void {
    const { batch, kvHeads, headDim } = this.shape;
    const old = this.cap;
    const used = this.filledSlots * headDim;
    for (const buf of [...this.keys, ...this.values]) {
      for (let bh = batch * kvHeads - 1; bh > 0; bh--) buf.copyWithin(bh * cap * headDim, bh * old * headDim, bh * old * headDim + used);
    }
    const bias = new Float32Array(batch * cap).fill(HIDDEN);
    for (let b = 0; b < batch; b++) bias.set(this.biasData.subarray(b * old, b * old + this.filledSlots), b * cap);
    this.biasData = bias;
    this.cap = cap;
    this.tensors = null;
  }

  private views(): { keys: OrtTensor[]; values: OrtTensor[]; bias: OrtTensor } {
    if (!this.tensors) {
      const { batch, kvHeads, headDim } = this.shape;
      const dims = [batch, kvHeads, this.cap, headDim];
      const n = batch * kvHeads * this.cap * headDim;
      this.tensors = {
        keys: this.keys.map((k) => floatTensor(k.subarray(0, n), dims)),
        values: this.values.map((v) => floatTensor(v.subarray(0, n), dims)),
        bias: floatTensor(this.biasData, [batch, 1, 1, this.cap]),
      };
    }
    return this.tensors;
  }
}

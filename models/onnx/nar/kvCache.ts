// The host side of the KV cache: one preallocated buffer pair per block, wrapped once in ORT
// tensors that every step feeds as `past_k_l` / `past_v_l` (read in place, never copied whole).
// Each step appends only the fed positions' keys/values that the graph returns.
//   keys   [B, kvH, hd, T]  (transposed, so the graph's QKᵀ needs no transpose)
//   values [B, kvH, T, hd]
//   bias   [B, 1, 1, T]     0 for a filled, visible slot; HIDDEN otherwise
import { floatTensor, OrtTensor } from '../session';
import { HIDDEN } from './stepInputs';

export interface KvCacheShape {
  blocks: number;
  batch: number;
  kvHeads: number;
  headDim: number;
  /** slots: condition positions + grid tokens */
  slots: number;
}

export class OrtKvCache {
  readonly keys: Float32Array[];
  readonly values: Float32Array[];
  readonly bias: Float32Array;
  readonly keyTensors: OrtTensor[];
  readonly valueTensors: OrtTensor[];
  readonly biasTensor: OrtTensor;
  private filledSlots = 0;

  constructor(readonly shape: KvCacheShape) {
    const { blocks, batch, kvHeads, headDim, slots } = shape;
    const n = batch * kvHeads * headDim * slots;
    this.keys = Array.from({ length: blocks }, () => new Float32Array(n));
    this.values = Array.from({ length: blocks }, () => new Float32Array(n));
    this.bias = new Float32Array(batch * slots).fill(HIDDEN);
    this.keyTensors = this.keys.map((k) => floatTensor(k, [batch, kvHeads, headDim, slots]));
    this.valueTensors = this.values.map((v) => floatTensor(v, [batch, kvHeads, slots, headDim]));
    this.biasTensor = floatTensor(this.bias, [batch, 1, 1, slots]);
  }

  get filled(): number {
    return this.filledSlots;
  }

  /** Empties the cache (buffers are kept). */
  clear(): void {
    this.filledSlots = 0;
    this.bias.fill(HIDDEN);
  }

  /** Throws unless `count` more slots fit. */
  reserve(count: number): void {
    if (this.filledSlots + count > this.shape.slots) {
      throw new Error(`KV cache holds ${this.shape.slots} slots; ${this.filledSlots} are filled and ${count} more were fed`);
    }
  }

  /**
   * Appends S positions: `newKeys[l]` [B, kvH, hd, S], `newValues[l]` [B, kvH, S, hd];
   * `visible(b, s)` says whether row b's slot s may be attended to later (false: padding).
   */
  append(newKeys: Float32Array[], newValues: Float32Array[], S: number, visible?: (b: number, s: number) => boolean): void {
    this.reserve(S);
    const { batch, kvHeads, headDim, slots } = this.shape;
    const at = this.filledSlots;
    for (let l = 0; l < this.keys.length; l++) {
      const K = this.keys[l];
      const V = this.values[l];
      const nk = newKeys[l];
      const nv = newValues[l];
      if (nk.length !== batch * kvHeads * headDim * S || nv.length !== nk.length) {
        throw new Error(`block ${l}: new keys/values have ${nk.length}/${nv.length} values, expected ${batch * kvHeads * headDim * S}`);
      }
      for (let bh = 0; bh < batch * kvHeads; bh++) {
        for (let d = 0; d < headDim; d++) {
          const src = (bh * headDim + d) * S;
          const dst = (bh * headDim + d) * slots + at;
          for (let s = 0; s < S; s++) K[dst + s] = nk[src + s];
        }
        const vSrc = bh * S * headDim;
        const vDst = (bh * slots + at) * headDim;
        V.set(nv.subarray(vSrc, vSrc + S * headDim), vDst);
      }
    }
    for (let b = 0; b < batch; b++) {
      for (let s = 0; s < S; s++) this.bias[b * slots + at + s] = !visible || visible(b, s) ? 0 : HIDDEN;
    }
    this.filledSlots = at + S;
  }
}

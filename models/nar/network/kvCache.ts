// Per-layer key/value cache for sampling. Keys are kept transposed so the score matmul needs no
// transpose flag. Grows by concatenation; shapes are checked on every append.
import * as tf from '@tensorflow/tfjs';

export class KVCache {
  private kT: Array<tf.Tensor3D | null>; // [B·nKv, hd, L]
  private v: Array<tf.Tensor3D | null>; // [B·nKv, L, hd]
  /** positions cached so far (same for every layer once a step completes) */
  length = 0;

  constructor(
    readonly layers: number,
    readonly batch: number,
    readonly nKvHead: number,
    readonly headDim: number,
  ) {
    this.kT = new Array(layers).fill(null);
    this.v = new Array(layers).fill(null);
  }

  /** Appends k/v [B, S, nKv, hd] for `layer`; returns the full cached kT and v. */
  append(layer: number, k: tf.Tensor4D, v: tf.Tensor4D): { kT: tf.Tensor3D; v: tf.Tensor3D } {
    const [B, S, nKv, hd] = k.shape;
    if (B !== this.batch || nKv !== this.nKvHead || hd !== this.headDim) {
      throw new Error(`KVCache: expected k [${this.batch}, S, ${this.nKvHead}, ${this.headDim}], got [${k.shape}]`);
    }
    const kTNew = tf.keep(tf.reshape(tf.transpose(k, [0, 2, 3, 1]), [B * nKv, hd, S]) as tf.Tensor3D);
    const vNew = tf.keep(tf.reshape(tf.transpose(v, [0, 2, 1, 3]), [B * nKv, S, hd]) as tf.Tensor3D);
    const oldK = this.kT[layer];
    const oldV = this.v[layer];
    this.kT[layer] = oldK ? tf.keep(tf.concat([oldK, kTNew], 2)) : kTNew;
    this.v[layer] = oldV ? tf.keep(tf.concat([oldV, vNew], 1)) : vNew;
    if (oldK) {
      oldK.dispose();
      oldV!.dispose();
      kTNew.dispose();
      vNew.dispose();
    }
    if (layer === this.layers - 1) this.length += S;
    return { kT: this.kT[layer]!, v: this.v[layer]! };
  }

  dispose(): void {
    for (const t of [...this.kT, ...this.v]) t?.dispose();
    this.kT.fill(null);
    this.v.fill(null);
    this.length = 0;
  }
}

// The VQ training objective: reconstruction + codebook + β·commitment (straight-through).
import * as tf from '@tensorflow/tfjs';

export interface VqLosses {
  /** mean squared reconstruction error, images in [−1, 1] */
  recon: tf.Scalar;
  /** mean ‖e − sg(z)‖² */
  codebook: tf.Scalar;
  /** mean ‖z − sg(e)‖² (before β) */
  commit: tf.Scalar;
  /** commitment weight */
  beta: number;
  /** codes chosen for the batch, [N] int32 (for usage statistics) */
  indices: tf.Tensor1D;
}

/** recon + codebook + β·commit */
export function totalLoss(l: VqLosses): tf.Scalar {
  return tf.addN([l.recon, l.codebook, tf.mul(l.commit, l.beta)]) as tf.Scalar;
}

export interface LossOptions {
  /** false: pass the (normalised) latents straight to the decoder (auto-encoder warm-up) */
  quantize?: boolean;
}

// AdamW (decoupled weight decay, PyTorch semantics) with gradient clipping by global norm and
// optimizer state as a StateDict, so training resumes exactly. Parameters are named tf.Variables.
import * as tf from '@tensorflow/tfjs';
import type { StateDict } from '../checkpoint/safetensors';

export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  /** clip the global L2 norm of all gradients to this value; 0 or undefined = no clipping */
  maxGradNorm?: number;
  /** which parameters get weight decay; default: tensors with 2 or more dimensions (not norms) */
  decays?: (name: string, shape: number[]) => boolean;
}

export interface AdamWStepResult {
  /** global gradient norm before clipping */
  gradNorm: number;
}

export class AdamW {
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly eps: number;
  private readonly weightDecay: number;
  private readonly maxGradNorm: number;
  private readonly decays: (name: string, shape: number[]) => boolean;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  /** optimizer steps taken so far */
  step = 0;

  constructor(
    private readonly params: Map<string, tf.Variable>,
    o: AdamWOptions = {},
  ) {
    this.beta1 = o.beta1 ?? 0.9;
    this.beta2 = o.beta2 ?? 0.95;
    this.eps = o.eps ?? 1e-8;
    this.weightDecay = o.weightDecay ?? 0.05;
    this.maxGradNorm = o.maxGradNorm ?? 0;
    this.decays = o.decays ?? ((_n, shape) => shape.length >= 2);
    for (const [name, p] of params) {
      this.m.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
      this.v.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
    }
  }

  /** Applies one update with learning rate `lr`. Gradients are read, not disposed. */
  apply(grads: Map<string, tf.Tensor>, lr: number): AdamWStepResult {
    const normT = this.gradNormTensor(grads);
    const gradNorm = normT.dataSync()[0];
    normT.dispose();
    return this.update(grads, lr, gradNorm);
  }

  /**
   * The same update, reading the gradient norm asynchronously: backends that cannot read device
   * memory synchronously (WebGPU in Node) need this form.
   */
  async applyAsync(grads: Map<string, tf.Tensor>, lr: number): Promise<AdamWStepResult> {
    const normT = this.gradNormTensor(grads);
    try {
      return this.update(grads, lr, (await normT.data())[0]);
    } finally {
      normT.dispose();
    }
  }

  private gradNormTensor(grads: Map<string, tf.Tensor>): tf.Tensor {
    for (const name of grads.keys()) {
      if (!this.params.has(name)) throw new Error(`AdamW: gradient for unknown parameter '${name}'`);
    }
    return tf.tidy(() => {
      const sq = [...grads.values()].map((g) => tf.sum(tf.square(g)));
      return tf.sqrt(tf.addN(sq));
    });
  }

  private update(grads: Map<string, tf.Tensor>, lr: number, gradNorm: number): AdamWStepResult {
    const clip = this.maxGradNorm > 0 && gradNorm > this.maxGradNorm ? this.maxGradNorm / (gradNorm + 1e-6) : 1;
    this.step += 1;
    const bc1 = 1 - Math.pow(this.beta1, this.step);
    const bc2 = 1 - Math.pow(this.beta2, this.step);
    for (const [name, g0] of grads) {
      const p = this.params.get(name)!;
      const m = this.m.get(name)!;
      const v = this.v.get(name)!;
      tf.tidy(() => {
        const g = clip === 1 ? g0 : tf.mul(g0, clip);
        const mNew = tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1));
        const vNew = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        const wd = this.decays(name, p.shape) ? this.weightDecay : 0;
        const decayed = wd > 0 ? tf.mul(p, 1 - lr * wd) : p;
        const denom = tf.add(tf.div(tf.sqrt(vNew), Math.sqrt(bc2)), this.eps);
        const pNew = tf.sub(decayed, tf.mul(tf.div(mNew, denom), lr / bc1));
        m.assign(mNew);
        v.assign(vNew);
        p.assign(pNew);
      });
    }
    return { gradNorm };
  }

  /** Moment estimates and step count as host tensors (`<name>.exp_avg`, `<name>.exp_avg_sq`, `step`). */
  stateDict(): StateDict {
    const out: StateDict = new Map();
    for (const [name, m] of this.m) {
      out.set(`${name}.exp_avg`, { shape: [...m.shape], data: m.dataSync() as Float32Array });
      out.set(`${name}.exp_avg_sq`, { shape: [...m.shape], data: this.v.get(name)!.dataSync() as Float32Array });
    }
    out.set('step', { shape: [1], data: new Float32Array([this.step]) });
    return out;
  }

  /** Restores what stateDict() returned; every parameter's moments must be present with the right shape. */
  loadStateDict(sd: StateDict): void {
    const problems: string[] = [];
    for (const [name, m] of this.m) {
      for (const [suffix, target] of [['exp_avg', m], ['exp_avg_sq', this.v.get(name)!]] as const) {
        const t = sd.get(`${name}.${suffix}`);
        if (!t) problems.push(`missing ${name}.${suffix}`);
        else if (t.shape.join(',') !== target.shape.join(',')) {
          problems.push(`${name}.${suffix}: expected shape [${target.shape}], got [${t.shape}]`);
        } else tf.tidy(() => target.assign(tf.tensor(t.data, t.shape)));
      }
    }
    const step = sd.get('step');
    if (!step) problems.push('missing step');
    if (problems.length) throw new Error(`AdamW state does not fit the parameters: ${problems.join('; ')}`);
    this.step = step!.data[0];
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}

// Building blocks shared by the NAR and VQ graphs: weights from a StateDict, linear layers,
// RMSNorm, SwiGLU. Each takes the builder and the tensors it needs and returns the output value.
import type { HostTensor, StateDict } from '../checkpoint/safetensors';
import { GraphBuilder, Value } from './builder';

export class GraphWeightError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GraphWeightError';
  }
}

/** The tensor `key` of `sd`, checked against `shape`. */
export function weight(sd: StateDict, key: string, shape: number[]): HostTensor {
  const t = sd.get(key);
  if (!t) throw new GraphWeightError(`checkpoint has no tensor '${key}' (expected shape [${shape}])`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new GraphWeightError(`tensor '${key}' has shape [${t.shape}], expected [${shape}]`);
  }
  return t;
}

/** [rows, cols] row-major → [cols, rows] row-major, optionally scaled. */
export function transpose2d(data: Float32Array, rows: number, cols: number, scale = 1): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[base + c] * scale;
  }
  return out;
}

/**
 * A bias-free linear layer from PyTorch weights `[out, in]` stacked along `out` (e.g. w1|w3 fused):
 * the initializer is their concatenation transposed to `[in, Σout]`, so `y = x @ W`.
 */
export function linear(g: GraphBuilder, x: Value, name: string, parts: HostTensor[], rowScale?: (row: number) => number): Value {
  const inDim = parts[0].shape[1];
  const outDim = parts.reduce((a, p) => a + p.shape[0], 0);
  const stacked = new Float32Array(outDim * inDim);
  let off = 0;
  for (const p of parts) {
    if (p.shape[1] !== inDim) throw new GraphWeightError(`${name}: fused weights disagree on input size (${p.shape[1]} vs ${inDim})`);
    stacked.set(p.data, off);
    off += p.data.length;
  }
  const t = new Float32Array(outDim * inDim);
  for (let r = 0; r < outDim; r++) {
    const s = rowScale ? rowScale(r) : 1;
    const base = r * inDim;
    for (let c = 0; c < inDim; c++) t[c * outDim + r] = stacked[base + c] * s;
  }
  return g.op('MatMul', [x, g.initializer(name, t, [inDim, outDim])]);
}

/** RMSNorm over the last axis: x · 1/sqrt(mean(x²) + eps) · w (the pattern ORT fuses). */
export function rmsNorm(g: GraphBuilder, x: Value, name: string, w: HostTensor, eps: number): Value {
  return rmsNormWith(g, x, g.initializer(name, Float32Array.from(w.data), [w.shape[0]]), eps);
}

/** rmsNorm with its weight already in the graph (a norm applied to more than one input). */
export function rmsNormWith(g: GraphBuilder, x: Value, w: Value, eps: number): Value {
  const sq = g.op('Pow', [x, g.scalar(2)]);
  const mean = g.op('ReduceMean', [sq], { axes: [-1], keepdims: 1 });
  const denom = g.op('Sqrt', [g.op('Add', [mean, g.scalar(eps)])]);
  return g.op('Mul', [g.op('Div', [x, denom]), w]);
}

/** silu(a) ⊙ b */
export function swiglu(g: GraphBuilder, a: Value, b: Value): Value {
  return g.op('Mul', [g.op('Mul', [a, g.op('Sigmoid', [a])]), b]);
}

/** GELU, tanh form: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
export function geluTanh(g: GraphBuilder, x: Value): Value {
  const x3 = g.op('Mul', [g.op('Mul', [x, x]), x]);
  const inner = g.op('Mul', [g.op('Add', [x, g.op('Mul', [x3, g.scalar(0.044715)])]), g.scalar(Math.sqrt(2 / Math.PI))]);
  return g.op('Mul', [g.op('Mul', [x, g.scalar(0.5)]), g.op('Add', [g.op('Tanh', [inner]), g.scalar(1)])]);
}

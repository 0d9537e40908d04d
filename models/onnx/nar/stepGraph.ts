// The NAR step graph: one ONNX graph that serves both the prefill (condition positions) and every
// decode step (grid tokens), for the NAR orderings and the raster / PAR baselines alike.
//
// Inputs (B rows, S fed positions, T cache slots, L logit positions, kvH cache heads, hd head dim):
//   x           [B, S, dim]    embeddings of the fed positions (abs positions already added)
//   rope_cos    [S, hd/2]      rotary cos per element pair (0 at condition positions)
//   rope_sin    [S, hd/2]      rotary sin per element pair
//   bias_past   [B, 1, 1, T]   additive mask over the cache slots (0 visible, −1e9 hidden)
//   bias_new    [B, 1, S, S]   additive mask among the fed positions
//   logit_index_{i} [L_i] int64  which fed positions get logits from head i
//   past_k_{l}  [B, kvH, T, hd]  cached keys (T: the cache's current capacity, see kvCache.ts)
//   past_v_{l}  [B, kvH, T, hd]  cached values
//   target_src_{i}    [P] int64   target logits (below): the fed position of each target's parent
//                                 through head i (any index where it has none)
//   target_weight_{i} [P, 1]      1 / (parents · temperature) where the target has a parent
//                                 through head i, else 0
//   cond_rows, uncond_rows [I] int64  the conditional and unconditional batch row of each image
//                                 (the same rows when there is no guidance)
//   guidance    [1]            guidance scale (0 = none)
// Outputs:
//   logits_{i}  [B, L_i, vocab] per head, in config.heads order
//   target_logits [I, P, vocab]  the sampler's logits for P target tokens of I images: the mean
//                 over each target's parent heads, guided (u + (c − u)·g) and divided by the
//                 temperature, mixed in hidden space before the heads' output layers (one GEMM
//                 over the heads' concatenated inputs), so the vocabulary projection runs once
//                 per image and target instead of once per row, parent and head
//   target_probs  [I, P, vocab]  softmax of target_logits (plain sampling reads these)
//   new_k_{l}, new_v_{l} [B, kvH, S, hd]: only the fed positions' keys/values
// A step asks for one of the two logit outputs and leaves the other's index inputs empty.
//
// Attention is split into a cache part and a new part, softmaxed jointly, so the cache is read in
// place and never concatenated or copied; the host appends new_k/new_v into its own buffers.
// QKᵀ is written as MatMul(q, Transpose(k)), which ORT fuses into one MatMul with a transposed
// operand (FusedMatMul), so keys are stored like values and appended as contiguous blocks.
import type { StateDict } from '../../checkpoint/safetensors';
import type { NarConfig } from '../../nar/config';
import { GraphBuilder, Value } from '../builder';
import { linear, rmsNorm, rmsNormWith, swiglu, transpose2d, weight } from '../layers';

/** Bumped whenever the graph's layout or numerics change (part of the compile-cache key). */
export const NAR_STEP_GRAPH_VERSION = 'nar-step-13';

export const NAR_STEP_NAMES = {
  x: 'x',
  ropeCos: 'rope_cos',
  ropeSin: 'rope_sin',
  biasPast: 'bias_past',
  biasNew: 'bias_new',
  logitIndex: (h: number) => `logit_index_${h}`,
  pastK: (l: number) => `past_k_${l}`,
  pastV: (l: number) => `past_v_${l}`,
  newK: (l: number) => `new_k_${l}`,
  newV: (l: number) => `new_v_${l}`,
  logits: (h: number) => `logits_${h}`,
  targetSrc: (h: number) => `target_src_${h}`,
  targetWeight: (h: number) => `target_weight_${h}`,
  condRows: 'cond_rows',
  uncondRows: 'uncond_rows',
  guidance: 'guidance',
  targetLogits: 'target_logits',
  targetProbs: 'target_probs',
} as const;

interface StepInputs {
  x: Value;
  cos: Value | null;
  sin: Value | null;
  biasPast: Value;
  biasNew: Value;
  /** [T, S]: sizes to split the joint softmax back into its cache and new parts */
  splitTS: Value;
}

/** Builds the step graph from a state dict and its config. */
export function buildNarStepGraph(sd: StateDict, c: NarConfig): GraphBuilder {
  const g = new GraphBuilder('nar_step');
  const N = NAR_STEP_NAMES;
  const biasPast = g.input(N.biasPast, 'float', ['B', 1, 1, 'T']);
  const biasNew = g.input(N.biasNew, 'float', ['B', 1, 'S', 'S']);
  const inputs: StepInputs = {
    x: g.input(N.x, 'float', ['B', 'S', c.dim]),
    cos: c.positions === 'rope' ? g.input(N.ropeCos, 'float', ['S', c.headDim / 2]) : null,
    sin: c.positions === 'rope' ? g.input(N.ropeSin, 'float', ['S', c.headDim / 2]) : null,
    biasPast,
    biasNew,
    splitTS: g.op('Concat', [g.op('Shape', [biasPast], { start: 3 }), g.op('Shape', [biasNew], { start: 3 })], { axis: 0 }),
  };
  let h = inputs.x;
  const hidden: Value[] = [];
  for (let l = 0; l < c.totalBlocks; l++) {
    h = block(g, sd, c, l, h, inputs);
    hidden.push(h);
  }
  const condRows = g.input(N.condRows, 'int64', ['I']);
  const uncondRows = g.input(N.uncondRows, 'int64', ['I']);
  const guidance = g.input(N.guidance, 'float', [1]);
  // every head's output layer in one [heads·dim, vocab] initializer (head i in rows i·dim …): the
  // target logits are one GEMM over the heads' concatenated parent mixes, with no Sum of per-head
  // products; a head's own logits multiply its rows, the others' inputs padded with zeros
  const H = c.heads.length;
  const outAll = headOutputs(g, sd, c);
  const parents: Value[] = [];
  c.heads.forEach((head, i) => {
    const normW = g.initializer(`head${i}.norm`, Float32Array.from(weight(sd, head.normKey, [c.dim]).data), [c.dim]);
    const last = hidden[head.depth - 1];
    const index = g.input(N.logitIndex(i), 'int64', [`L${i}`]);
    const normed = rmsNormWith(g, g.op('Gather', [last, index], { axis: 1 }), normW, c.normEps); // [B, L_i, dim]
    const own = H === 1 ? normed : g.op('Pad', [normed, g.int64s([0, 0, i * c.dim, 0, 0, (H - 1 - i) * c.dim])]); // [B, L_i, H·dim]
    g.output(g.op('MatMul', [own, outAll], {}, { name: N.logits(i) }), N.logits(i), 'float', ['B', `L${i}`, c.vocabSize]);
    // target logits: this head's share of every target
    const src = g.input(N.targetSrc(i), 'int64', ['P']);
    const share = g.input(N.targetWeight(i), 'float', ['P', 1]);
    parents.push(g.op('Mul', [rmsNormWith(g, g.op('Gather', [last, src], { axis: 1 }), normW, c.normEps), share])); // [B, P, dim]
  });
  const parent = H === 1 ? parents[0] : g.op('Concat', parents, { axis: -1 }); // [B, P, H·dim]
  // guidance in hidden space: u + (c − u)·g per image
  const cond = g.op('Gather', [parent, condRows], { axis: 0 }); // [I, P, H·dim]
  const uncond = g.op('Gather', [parent, uncondRows], { axis: 0 });
  const guided = g.op('Add', [uncond, g.op('Mul', [g.op('Sub', [cond, uncond]), guidance])]);
  const target = g.op('MatMul', [guided, outAll], {}, { name: N.targetLogits }); // [I, P, vocab]
  g.output(target, N.targetLogits, 'float', ['I', 'P', c.vocabSize]);
  g.output(g.op('Softmax', [target], { axis: -1 }, { name: N.targetProbs }), N.targetProbs, 'float', ['I', 'P', c.vocabSize]);
  return g;
}

/** The heads' output layers stacked along the input axis: [heads·dim, vocab], head i in rows i·dim … (i+1)·dim. */
function headOutputs(g: GraphBuilder, sd: StateDict, c: NarConfig): Value {
  const V = c.vocabSize;
  const out = new Float32Array(c.heads.length * c.dim * V);
  c.heads.forEach((head, i) => out.set(transpose2d(weight(sd, head.outputKey, [V, c.dim]).data, V, c.dim), i * c.dim * V)); // PyTorch [vocab, dim]
  return g.initializer('heads.output', out, [c.heads.length * c.dim, V]);
}

function block(g: GraphBuilder, sd: StateDict, c: NarConfig, l: number, x: Value, inp: StepInputs): Value {
  const p = `layers.${l}`;
  const { dim, nHead: H, nKvHead: kvH, headDim: hd } = c;
  const rep = H / kvH;
  const qkvRows = (H + 2 * kvH) * hd;
  const scale = 1 / Math.sqrt(hd);
  const xn = rmsNorm(g, x, `${p}.attention_norm`, weight(sd, `${p}.attention_norm.weight`, [dim]), c.normEps);
  const qkv = linear(g, xn, `${p}.wqkv`, [weight(sd, `${p}.attention.wqkv.weight`, [qkvRows, dim])], (r) => (r < H * hd ? scale : 1));
  // heads first with one Transpose for q, k and v together, then one Split along the head axis
  // (contiguous blocks); new_k / new_v are named at their producing nodes (no Identity copies)
  const heads = g.op('Transpose', [g.op('Reshape', [qkv, g.int64s([0, 0, H + 2 * kvH, hd])])], { perm: [0, 2, 1, 3] }); // [B, H+2kvH, S, hd]
  const names: Record<number, string> = { 2: NAR_STEP_NAMES.newV(l) };
  if (!(inp.cos && inp.sin)) names[1] = NAR_STEP_NAMES.newK(l); // no RoPE: k leaves the Split as it is
  const [q0, k0, v] = g.opN('Split', [heads, g.int64s([H, kvH, kvH])], 3, { axis: 1 }, { outputs: names });
  // RoPE on adjacent pairs (2i, 2i+1) by ORT's contrib RotaryEmbedding: row s of rope_cos/rope_sin
  // (position ids = 0 + s) turns pair i of every head; one op instead of a swap GEMM and three
  // element-wise ops per tensor
  const rope = (t: Value, name?: string): Value =>
    inp.cos && inp.sin ? g.op('RotaryEmbedding', [t, g.int64s([0]), inp.cos, inp.sin], { interleaved: 1 }, { domain: 'com.microsoft', name }) : t;
  const q = rope(q0); // [B, H, S, hd]
  const k = rope(k0, NAR_STEP_NAMES.newK(l)); // [B, kvH, S, hd]
  g.output(k, NAR_STEP_NAMES.newK(l), 'float', ['B', kvH, 'S', hd]);
  g.output(v, NAR_STEP_NAMES.newV(l), 'float', ['B', kvH, 'S', hd]);
  const pastK = g.input(NAR_STEP_NAMES.pastK(l), 'float', ['B', kvH, 'T', hd]);
  const pastV = g.input(NAR_STEP_NAMES.pastV(l), 'float', ['B', kvH, 'T', hd]);
  // Query heads grouped by their KV head: [B, kvH, rep·S, hd] (head h reads KV head ⌊h/rep⌋).
  const qg = rep === 1 ? q : g.op('Reshape', [q, g.int64s([0, kvH, -1, hd])]);
  const biasNew = rep === 1 ? inp.biasNew : g.op('Tile', [inp.biasNew, g.int64s([1, 1, rep, 1])]);
  const kT = (t: Value) => g.op('Transpose', [t], { perm: [0, 1, 3, 2] });
  const sPast = g.op('Add', [g.op('MatMul', [qg, kT(pastK)]), inp.biasPast]); // [B, kvH, rep·S, T]
  const sNew = g.op('Add', [g.op('MatMul', [qg, kT(k)]), biasNew]); // [B, kvH, rep·S, S]
  const probs = g.op('Softmax', [g.op('Concat', [sPast, sNew], { axis: -1 })], { axis: -1 });
  const [pPast, pNew] = g.opN('Split', [probs, inp.splitTS], 2, { axis: -1 });
  const og = g.op('Add', [g.op('MatMul', [pPast, pastV]), g.op('MatMul', [pNew, v])]); // [B, kvH, rep·S, hd]
  const o = rep === 1 ? og : g.op('Reshape', [og, g.int64s([0, H, -1, hd])]);
  const merged = g.op('Reshape', [g.op('Transpose', [o], { perm: [0, 2, 1, 3] }), g.int64s([0, 0, dim])]);
  const h = g.op('Add', [x, linear(g, merged, `${p}.wo`, [weight(sd, `${p}.attention.wo.weight`, [dim, H * hd])])]);
  const hn = rmsNorm(g, h, `${p}.ffn_norm`, weight(sd, `${p}.ffn_norm.weight`, [dim]), c.normEps);
  const w1 = weight(sd, `${p}.feed_forward.w1.weight`, [c.ffnHidden, dim]);
  const w3 = weight(sd, `${p}.feed_forward.w3.weight`, [c.ffnHidden, dim]);
  const [a, b] = g.opN('Split', [linear(g, hn, `${p}.w13`, [w1, w3]), g.int64s([c.ffnHidden, c.ffnHidden])], 2, { axis: -1 });
  const ffn = linear(g, swiglu(g, a, b), `${p}.w2`, [weight(sd, `${p}.feed_forward.w2.weight`, [dim, c.ffnHidden])]);
  return g.op('Add', [h, ffn]);
}

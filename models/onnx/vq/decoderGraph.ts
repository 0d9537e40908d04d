// The LlamaGen VQ decoder as an ONNX graph: code indices → image, i.e. `decode_code(indices)`:
// L2-normalised codebook lookup → post_quant_conv (1×1) → conv_in → mid (res, attn, res) →
// per level: (num_res_blocks + 1) res blocks (+ attention at the lowest resolution), nearest ×2
// upsample + 3×3 conv between levels → GroupNorm → swish → conv_out.
//   indices [B, h, w] int64 → image [B, 3, H, W] (NCHW, values about [−1, 1])
import type { StateDict } from '../../checkpoint/safetensors';
import { type LlamaGenVqConfig, NORM_EPS, NORM_GROUPS } from '../../vq/llamagenConfig';
import { floatAttr, GraphBuilder, Value } from '../builder';
import { weight } from '../layers';

export const VQ_DECODER_GRAPH_VERSION = 'vq-decoder-1';

/** Channels of a 4-D conv weight [out, in, k, k] under `key`, checked to be `[out, in, k, k]`. */
function conv(g: GraphBuilder, sd: StateDict, x: Value, key: string, out: number, inCh: number, k: 1 | 3): Value {
  const w = weight(sd, `${key}.weight`, [out, inCh, k, k]);
  const b = weight(sd, `${key}.bias`, [out]);
  const pad = (k - 1) / 2;
  return g.op('Conv', [x, g.initializer(`${key}.weight`, w.data, [out, inCh, k, k]), g.initializer(`${key}.bias`, b.data, [out])], {
    kernel_shape: [k, k],
    pads: [pad, pad, pad, pad],
  });
}

/** GroupNorm(32 groups, eps 1e-6, affine) on [B, C, H, W], as InstanceNormalization over groups. */
function groupNorm(g: GraphBuilder, sd: StateDict, x: Value, key: string, C: number): Value {
  const G = NORM_GROUPS;
  const grouped = g.op('Reshape', [x, g.int64s([0, G, -1])]); // [B, G, C/G·H·W]
  const normed = g.op('InstanceNormalization', [grouped, g.constant(new Float32Array(G).fill(1), [G]), g.constant(new Float32Array(G), [G])], {
    epsilon: floatAttr(NORM_EPS),
  });
  const back = g.op('Reshape', [normed, g.op('Shape', [x])]);
  const w = weight(sd, `${key}.weight`, [C]);
  const b = weight(sd, `${key}.bias`, [C]);
  return g.op('Add', [g.op('Mul', [back, g.initializer(`${key}.weight`, w.data, [C, 1, 1])]), g.initializer(`${key}.bias`, b.data, [C, 1, 1])]);
}

const swish = (g: GraphBuilder, x: Value): Value => g.op('Mul', [x, g.op('Sigmoid', [x])]);

function resBlock(g: GraphBuilder, sd: StateDict, x: Value, key: string, inCh: number, out: number): Value {
  let h = conv(g, sd, swish(g, groupNorm(g, sd, x, `${key}.norm1`, inCh)), `${key}.conv1`, out, inCh, 3);
  h = conv(g, sd, swish(g, groupNorm(g, sd, h, `${key}.norm2`, out)), `${key}.conv2`, out, out, 3);
  const skip = inCh === out ? x : conv(g, sd, x, `${key}.nin_shortcut`, out, inCh, 1);
  return g.op('Add', [skip, h]);
}

/** Single-head self-attention over the H·W positions, 1×1 conv projections, residual. */
function attnBlock(g: GraphBuilder, sd: StateDict, x: Value, key: string, C: number): Value {
  const hn = groupNorm(g, sd, x, `${key}.norm`, C);
  const flat = (v: Value) => g.op('Reshape', [v, g.int64s([0, C, -1])]); // [B, C, HW]
  const q = g.op('Transpose', [flat(conv(g, sd, hn, `${key}.q`, C, C, 1))], { perm: [0, 2, 1] }); // [B, HW, C]
  const k = flat(conv(g, sd, hn, `${key}.k`, C, C, 1)); // [B, C, HW]
  const v = flat(conv(g, sd, hn, `${key}.v`, C, C, 1)); // [B, C, HW]
  const scores = g.op('Mul', [g.op('MatMul', [q, k]), g.scalar(1 / Math.sqrt(C))]); // [B, HW(q), HW(k)]
  const probs = g.op('Softmax', [scores], { axis: -1 });
  const o = g.op('MatMul', [v, g.op('Transpose', [probs], { perm: [0, 2, 1] })]); // [B, C, HW(q)]
  const h = g.op('Reshape', [o, g.op('Shape', [x])]);
  return g.op('Add', [x, conv(g, sd, h, `${key}.proj_out`, C, C, 1)]);
}

/** L2-normalised (or raw) codebook rows, [codes, dim]. */
function codebook(sd: StateDict, c: LlamaGenVqConfig): Float32Array {
  const e = weight(sd, 'quantize.embedding.weight', [c.codebookSize, c.codebookEmbedDim]);
  if (!c.codebookL2Norm) return Float32Array.from(e.data);
  const out = new Float32Array(e.data.length);
  const d = c.codebookEmbedDim;
  for (let r = 0; r < c.codebookSize; r++) {
    let s = 0;
    for (let i = 0; i < d; i++) s += e.data[r * d + i] ** 2;
    const n = Math.max(Math.sqrt(s), 1e-12);
    for (let i = 0; i < d; i++) out[r * d + i] = e.data[r * d + i] / n;
  }
  return out;
}

export function buildVqDecoderGraph(sd: StateDict, c: LlamaGenVqConfig): GraphBuilder {
  const g = new GraphBuilder('vq_decoder');
  const d = c.codebookEmbedDim;
  const indices = g.input('indices', 'int64', ['B', 'h', 'w']);
  const z = g.op('Gather', [g.initializer('codebook', codebook(sd, c), [c.codebookSize, d]), indices], { axis: 0 }); // [B, h, w, d]
  let h = conv(g, sd, g.op('Transpose', [z], { perm: [0, 3, 1, 2] }), 'post_quant_conv', c.zChannels, d, 1);
  const mults = c.decoderChMult;
  const levels = mults.length;
  let ch = c.ch * mults[levels - 1];
  h = conv(g, sd, h, 'decoder.conv_in', ch, c.zChannels, 3);
  h = resBlock(g, sd, h, 'decoder.mid.0', ch, ch);
  h = attnBlock(g, sd, h, 'decoder.mid.1', ch);
  h = resBlock(g, sd, h, 'decoder.mid.2', ch, ch);
  for (let level = 0; level < levels; level++) {
    const out = c.ch * mults[levels - 1 - level];
    for (let i = 0; i <= c.numResBlocks; i++) {
      h = resBlock(g, sd, h, `decoder.conv_blocks.${level}.res.${i}`, ch, out);
      ch = out;
      if (level === 0) h = attnBlock(g, sd, h, `decoder.conv_blocks.${level}.attn.${i}`, ch);
    }
    if (level !== levels - 1) {
      const up = g.op('Resize', [h, null, g.constant([1, 1, 2, 2], [4], 'float')], { mode: 'nearest', nearest_mode: 'floor', coordinate_transformation_mode: 'asymmetric' });
      h = conv(g, sd, up, `decoder.conv_blocks.${level}.upsample.conv`, ch, ch, 3);
    }
  }
  h = conv(g, sd, swish(g, groupNorm(g, sd, h, 'decoder.norm_out', ch)), 'decoder.conv_out', 3, ch, 3);
  g.output(h, 'image', 'float', ['B', 3, 'H', 'W']);
  return g;
}

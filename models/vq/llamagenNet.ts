// The LlamaGen VQ network (taming-style encoder/decoder), NHWC, key names as in the published
// checkpoints. Parameters live in a map keyed by the PyTorch names; conv weights are kept in
// tfjs layout [kh, kw, Cin, Cout] (converted at load/save, see llamagenVq.ts).
import * as tf from '@tensorflow/tfjs';
import { type LlamaGenVqConfig, NORM_EPS, NORM_GROUPS } from './llamagenConfig';
import { type ConvMode, conv2d, downsample, groupNorm, spatialAttention, swish, upsampleNearest2x } from './ops';

export type VqParams = Map<string, tf.Tensor>;

/** Every parameter of the model with its PyTorch shape, in state-dict order. */
export function llamagenParamShapes(c: LlamaGenVqConfig): Map<string, number[]> {
  const s = new Map<string, number[]>();
  const conv = (name: string, cout: number, cin: number, k: number) => {
    s.set(`${name}.weight`, [cout, cin, k, k]);
    s.set(`${name}.bias`, [cout]);
  };
  const norm = (name: string, ch: number) => {
    s.set(`${name}.weight`, [ch]);
    s.set(`${name}.bias`, [ch]);
  };
  const res = (name: string, cin: number, cout: number) => {
    norm(`${name}.norm1`, cin);
    conv(`${name}.conv1`, cout, cin, 3);
    norm(`${name}.norm2`, cout);
    conv(`${name}.conv2`, cout, cout, 3);
    if (cin !== cout) conv(`${name}.nin_shortcut`, cout, cin, 1);
  };
  const attn = (name: string, ch: number) => {
    norm(`${name}.norm`, ch);
    for (const p of ['q', 'k', 'v', 'proj_out']) conv(`${name}.${p}`, ch, ch, 1);
  };
  const mid = (prefix: string, ch: number) => {
    res(`${prefix}.mid.0`, ch, ch);
    attn(`${prefix}.mid.1`, ch);
    res(`${prefix}.mid.2`, ch, ch);
  };
  const { ch, numResBlocks: nrb } = c;
  const nEnc = c.encoderChMult.length;
  conv('encoder.conv_in', ch, c.inChannels, 3);
  let cin = ch;
  for (let i = 0; i < nEnc; i++) {
    const cout = ch * c.encoderChMult[i];
    for (let j = 0; j < nrb; j++) {
      res(`encoder.conv_blocks.${i}.res.${j}`, cin, cout);
      cin = cout;
      if (i === nEnc - 1) attn(`encoder.conv_blocks.${i}.attn.${j}`, cout);
    }
    if (i !== nEnc - 1) conv(`encoder.conv_blocks.${i}.downsample.conv`, cin, cin, 3);
  }
  mid('encoder', cin);
  norm('encoder.norm_out', cin);
  conv('encoder.conv_out', c.zChannels, cin, 3);

  const nDec = c.decoderChMult.length;
  cin = ch * c.decoderChMult[nDec - 1];
  conv('decoder.conv_in', cin, c.zChannels, 3);
  mid('decoder', cin);
  for (let j = 0; j < nDec; j++) {
    const level = nDec - 1 - j;
    const cout = ch * c.decoderChMult[level];
    for (let r = 0; r < nrb + 1; r++) {
      res(`decoder.conv_blocks.${j}.res.${r}`, cin, cout);
      cin = cout;
      if (level === nDec - 1) attn(`decoder.conv_blocks.${j}.attn.${r}`, cout);
    }
    if (level !== 0) conv(`decoder.conv_blocks.${j}.upsample.conv`, cin, cin, 3);
  }
  norm('decoder.norm_out', cin);
  conv('decoder.conv_out', c.inChannels, cin, 3);
  s.set('quantize.embedding.weight', [c.codebookSize, c.codebookEmbedDim]);
  conv('quant_conv', c.codebookEmbedDim, c.zChannels, 1);
  conv('post_quant_conv', c.zChannels, c.codebookEmbedDim, 1);
  return s;
}

/** Forward pass of the network over a parameter map; `mode` picks the convolution form. */
export class LlamaGenNet {
  constructor(
    readonly config: LlamaGenVqConfig,
    private readonly p: VqParams,
    private readonly mode: ConvMode,
  ) {}

  private get(name: string): tf.Tensor {
    const t = this.p.get(name);
    if (!t) throw new Error(`LlamaGen VQ: missing parameter ${name}`);
    return t;
  }

  private conv(name: string, x: tf.Tensor4D): tf.Tensor4D {
    return conv2d(x, this.get(`${name}.weight`) as tf.Tensor4D, this.get(`${name}.bias`) as tf.Tensor1D, this.mode);
  }

  private norm(name: string, x: tf.Tensor4D): tf.Tensor4D {
    return groupNorm(x, this.get(`${name}.weight`) as tf.Tensor1D, this.get(`${name}.bias`) as tf.Tensor1D, NORM_GROUPS, NORM_EPS);
  }

  private res(name: string, x: tf.Tensor4D): tf.Tensor4D {
    let h = this.conv(`${name}.conv1`, swish(this.norm(`${name}.norm1`, x)));
    h = this.conv(`${name}.conv2`, swish(this.norm(`${name}.norm2`, h)));
    const skip = this.p.has(`${name}.nin_shortcut.weight`) ? this.conv(`${name}.nin_shortcut`, x) : x;
    return tf.add(skip, h);
  }

  private attn(name: string, x: tf.Tensor4D): tf.Tensor4D {
    const h = this.norm(`${name}.norm`, x);
    const a = spatialAttention(this.conv(`${name}.q`, h), this.conv(`${name}.k`, h), this.conv(`${name}.v`, h));
    return tf.add(x, this.conv(`${name}.proj_out`, a));
  }

  private mid(prefix: string, x: tf.Tensor4D): tf.Tensor4D {
    return this.res(`${prefix}.mid.2`, this.attn(`${prefix}.mid.1`, this.res(`${prefix}.mid.0`, x)));
  }

  /** x: [B, H, W, 3] in [−1, 1] → pre-quantisation latents [B, H/f, W/f, codebookEmbedDim]. */
  encode(x: tf.Tensor4D): tf.Tensor4D {
    const c = this.config;
    const n = c.encoderChMult.length;
    let h = this.conv('encoder.conv_in', x);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < c.numResBlocks; j++) {
        h = this.res(`encoder.conv_blocks.${i}.res.${j}`, h);
        if (i === n - 1) h = this.attn(`encoder.conv_blocks.${i}.attn.${j}`, h);
      }
      if (i !== n - 1) {
        const name = `encoder.conv_blocks.${i}.downsample.conv`;
        h = downsample(h, this.get(`${name}.weight`) as tf.Tensor4D, this.get(`${name}.bias`) as tf.Tensor1D, this.mode);
      }
    }
    h = this.mid('encoder', h);
    h = this.conv('encoder.conv_out', swish(this.norm('encoder.norm_out', h)));
    return this.conv('quant_conv', h);
  }

  /** Quantised latents [B, h, w, codebookEmbedDim] → images [B, H, W, 3] (≈ [−1, 1]). */
  decode(zq: tf.Tensor4D): tf.Tensor4D {
    const c = this.config;
    const n = c.decoderChMult.length;
    let h = this.conv('decoder.conv_in', this.conv('post_quant_conv', zq));
    h = this.mid('decoder', h);
    for (let j = 0; j < n; j++) {
      const level = n - 1 - j;
      for (let r = 0; r < c.numResBlocks + 1; r++) {
        h = this.res(`decoder.conv_blocks.${j}.res.${r}`, h);
        if (level === n - 1) h = this.attn(`decoder.conv_blocks.${j}.attn.${r}`, h);
      }
      if (level !== 0) h = this.conv(`decoder.conv_blocks.${j}.upsample.conv`, upsampleNearest2x(h));
    }
    return this.conv('decoder.conv_out', swish(this.norm('decoder.norm_out', h)));
  }

  /** The codebook as used for lookup: [K, D], L2-normalised rows when the config says so. */
  codebook(): tf.Tensor2D {
    const e = this.get('quantize.embedding.weight') as tf.Tensor2D;
    return this.config.codebookL2Norm ? l2Normalize(e) : e;
  }
}

/** Rows divided by max(‖row‖, 1e-12), like torch F.normalize. */
export function l2Normalize<T extends tf.Tensor>(x: T): T {
  const norm = tf.sqrt(tf.sum(tf.square(x), -1, true));
  return tf.div(x, tf.maximum(norm, 1e-12)) as T;
}

// Bilinear resize with PyTorch's `F.interpolate(mode='bilinear', align_corners=False)` rule
// (no antialiasing): source = (dst + 0.5)·(in/out) − 0.5, clamped at 0; neighbours clamped at the edge.
import { ImageBatch } from '../../image/types';

interface Taps {
  i0: Int32Array;
  i1: Int32Array;
  w1: Float64Array; // weight of i1; i0 gets 1 − w1
}

function taps(inSize: number, outSize: number): Taps {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const w1 = new Float64Array(outSize);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const src = Math.max((o + 0.5) * scale - 0.5, 0);
    const lo = Math.min(Math.floor(src), inSize - 1);
    i0[o] = lo;
    i1[o] = Math.min(lo + 1, inSize - 1);
    w1[o] = src - lo;
  }
  return { i0, i1, w1 };
}

/** Resizes planes [N, C, H, W] to [N, C, outH, outW]. */
export function resizeBilinearNCHW(
  data: Float32Array,
  shape: [number, number, number, number],
  outH: number,
  outW: number,
): Float32Array {
  const [n, c, h, w] = shape;
  if (data.length !== n * c * h * w) throw new Error(`resizeBilinearNCHW: expected [${shape}] = ${n * c * h * w} values, got ${data.length}`);
  if (!(outH >= 1 && outW >= 1)) throw new Error(`resizeBilinearNCHW: output size must be positive, got ${outH}×${outW}`);
  const ty = taps(h, outH);
  const tx = taps(w, outW);
  const out = new Float32Array(n * c * outH * outW);
  for (let p = 0; p < n * c; p++) {
    const src = p * h * w;
    const dst = p * outH * outW;
    for (let y = 0; y < outH; y++) {
      const r0 = src + ty.i0[y] * w;
      const r1 = src + ty.i1[y] * w;
      const wy = ty.w1[y];
      for (let x = 0; x < outW; x++) {
        const x0 = tx.i0[x], x1 = tx.i1[x], wx = tx.w1[x];
        const top = data[r0 + x0] * (1 - wx) + data[r0 + x1] * wx;
        const bottom = data[r1 + x0] * (1 - wx) + data[r1 + x1] * wx;
        out[dst + y * outW + x] = top * (1 - wy) + bottom * wy;
      }
    }
  }
  return out;
}

/** An image batch [B, H, W, 3] as planes [B, 3, H, W]. */
export function imagesToNCHW(images: ImageBatch): Float32Array {
  const { batch: b, height: h, width: w, data } = images;
  const out = new Float32Array(b * 3 * h * w);
  const plane = h * w;
  for (let i = 0; i < b; i++) {
    for (let px = 0; px < plane; px++) {
      const s = (i * plane + px) * 3;
      const d = i * 3 * plane + px;
      out[d] = data[s];
      out[d + plane] = data[s + 1];
      out[d + 2 * plane] = data[s + 2];
    }
  }
  return out;
}

// What the GIF and APNG decoders share: an Animation (canvas size, per-frame delays, composited
// frames one at a time), the frame rate its delays give, and the step from an RGBA canvas to the
// RGB floats a VIDEO holds. Frames come out one at a time so that a loader keeping every 10th
// frame of a long clip never holds the rest.
import type { VideoBatch } from '../../../models/image/types';

/** The frame rate of files whose delays are all 0 (unspecified), as most viewers play them. */
export const DEFAULT_FPS = 10;

/** Float values one decoded clip may hold (2 GiB): a file claiming a huge screen fails with advice, not an allocation error. */
export const MAX_VIDEO_VALUES = 2 ** 29;

/** A decoded animated file (one strategy per format behind this shape). */
export interface Animation {
  format: 'GIF' | 'APNG' | 'PNG';
  width: number;
  height: number;
  /** per frame, in milliseconds as the file states them (0 = unspecified) */
  delaysMs: number[];
  /**
   * The canvas after each frame is composited, RGBA 8-bit [H, W, 4], not premultiplied. The same
   * buffer is yielded every time (copy what you keep); stopping early skips the remaining frames.
   */
  frames(): Generator<Uint8Array, void, undefined>;
}

/** Frames per second from the delays: 1000 / the mean of the delays that are set; DEFAULT_FPS when none is. */
export function fpsFromDelays(delaysMs: number[]): number {
  const set = delaysMs.filter((d) => d > 0);
  if (!set.length) return DEFAULT_FPS;
  return 1000 / (set.reduce((a, b) => a + b, 0) / set.length);
}

/**
 * Writes an RGBA canvas [H·W·4] as RGB floats [H·W·3] at `offset`, alpha composited on black —
 * what LoadImage does with a transparent PNG (models/image/png.ts decodePngWithAlpha).
 */
export function canvasToRgb(canvas: Uint8Array, out: Float32Array, offset: number): void {
  for (let i = 0, j = 0, o = offset; i < canvas.length; i += 4, j++, o += 3) {
    const a = canvas[i + 3] / 255;
    out[o] = (canvas[i] / 255) * a;
    out[o + 1] = (canvas[i + 1] / 255) * a;
    out[o + 2] = (canvas[i + 2] / 255) * a;
  }
}

/**
 * The frames at `keep` (ascending frame indices) as a video batch of one at `fps`. Decoding stops
 * after the last kept frame. Throws if an index is past the end.
 */
export function collectFrames(anim: Animation, keep: number[], fps: number): VideoBatch {
  const { width, height } = anim;
  const total = anim.delaysMs.length;
  for (let i = 0; i < keep.length; i++) {
    if (!Number.isInteger(keep[i]) || keep[i] < 0 || keep[i] >= total) throw new Error(`frame ${keep[i]} is out of range: the ${anim.format} has frames 0..${total - 1}`);
    if (i > 0 && keep[i] <= keep[i - 1]) throw new Error(`frames to keep must be ascending, got ${keep[i - 1]} then ${keep[i]}`);
  }
  const size = height * width * 3;
  if (keep.length * size > MAX_VIDEO_VALUES) {
    throw new Error(
      `${keep.length} frame(s) of ${width}×${height} are ${keep.length * size} values, more than the ${MAX_VIDEO_VALUES} one clip may hold: load fewer frames (frame_load_cap, select_every_nth)`,
    );
  }
  const data = new Float32Array(keep.length * size); // [T, H, W, 3]
  let t = 0;
  let k = 0;
  if (keep.length) {
    for (const canvas of anim.frames()) {
      if (t === keep[k]) canvasToRgb(canvas, data, k++ * size);
      if (k === keep.length) break;
      t++;
    }
  }
  return { batch: 1, frames: keep.length, height, width, channels: 3, fps, data };
}

/** Every frame, at the frame rate of the file's delays. */
export function collectAll(anim: Animation): VideoBatch {
  return collectFrames(anim, anim.delaysMs.map((_, i) => i), fpsFromDelays(anim.delaysMs));
}

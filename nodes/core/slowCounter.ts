// SlowCounter: counts to `steps`, waiting `delay_ms` per step, reporting progress with a small
// preview each step and stopping as soon as it is cancelled. For tests and demos.
import { encodePng } from '../../models/image/png';
import { ImageBatch, imageBatch } from '../../models/image/types';
import { defineNode } from '../../server/engine/nodeApi';

/** Waits ms, rejecting with an AbortError as soon as the signal aborts. */
export function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const abortError = () => Object.assign(new Error('cancelled'), { name: 'AbortError' });
    if (signal.aborted) return reject(abortError());
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** A [1, h, w, 3] bar, filled left to right up to value/max, tinted from `source` when given. */
export function progressBar(value: number, max: number, w: number, h: number, source?: ImageBatch): ImageBatch {
  const img = imageBatch(1, h, w);
  const filled = Math.round((value / Math.max(1, max)) * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      if (x >= filled) {
        img.data.fill(0.15, o, o + 3);
        continue;
      }
      if (source) {
        const sx = Math.min(source.width - 1, Math.floor((x / w) * source.width));
        const sy = Math.min(source.height - 1, Math.floor((y / h) * source.height));
        for (let c = 0; c < 3; c++) img.data[o + c] = source.data[(sy * source.width + sx) * 3 + c];
      } else {
        img.data[o] = 0.2;
        img.data[o + 1] = 0.75;
        img.data[o + 2] = 0.35;
      }
    }
  }
  return img;
}

export const SlowCounter = defineNode({
  type: 'SlowCounter',
  displayName: 'Slow Counter',
  category: 'testing',
  description: 'Counts to steps with a delay per step, reporting progress and a preview; honours cancel. Outputs the count and a progress-bar image.',
  inputs: {
    steps: { type: 'INT', default: 10, min: 1, max: 100000 },
    delay_ms: { type: 'INT', default: 50, min: 0, max: 60000 },
    preview_every: { type: 'INT', default: 1, min: 0, max: 100000, tooltip: '0: no previews' },
    image: { type: 'IMAGE', kind: 'link', optional: true, tooltip: 'tints the bar' },
  },
  outputs: [
    { name: 'count', type: 'INT' },
    { name: 'image', type: 'IMAGE' },
  ],
  async execute(inputs, ctx) {
    const steps = inputs.steps as number;
    const every = inputs.preview_every as number;
    const source = inputs.image as ImageBatch | undefined;
    for (let i = 1; i <= steps; i++) {
      await abortableDelay(inputs.delay_ms as number, ctx.signal);
      const preview = every > 0 && i % every === 0 ? { pngBase64: encodePng(progressBar(i, steps, 32, 8, source)).toString('base64'), label: `${i}/${steps}` } : undefined;
      ctx.progress(i, steps, preview);
    }
    return { outputs: [steps, progressBar(steps, steps, 64, 16, source)] };
  },
});

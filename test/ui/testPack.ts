// A node pack for the editor test only: a node that streams a falling loss through `progress`
// events' `extra` (as trainers do), and one that writes an animated GIF (as video savers do), so
// the browser test can check the live loss plot and animated previews; and a slow node that is
// never cached, to keep the queue busy.
import * as fs from 'fs';
import * as path from 'path';
import type { NodePack } from '../../server/engine/nodeApi';
import { defineNode } from '../../server/engine/nodeApi';

export const LossStream = defineNode({
  type: 'LossStream',
  displayName: 'Loss Stream',
  category: 'testing',
  description: 'Reports loss = 2/step and a learning rate on every step, like a trainer.',
  inputs: {
    steps: { type: 'INT', default: 40, min: 1, max: 10000 },
    delay_ms: { type: 'INT', default: 30, min: 0, max: 1000 },
  },
  outputs: [],
  outputNode: true,
  async execute(inputs, ctx) {
    const steps = inputs.steps as number;
    for (let step = 1; step <= steps; step++) {
      await new Promise((r) => setTimeout(r, inputs.delay_ms as number));
      if (ctx.signal.aborted) throw new Error('cancelled');
      ctx.progress(step, steps, undefined, { loss: 2 / step, lr: 1e-3, step, samples_per_s: 100 });
    }
    return { outputs: [], ui: { text: [`final loss ${(2 / steps).toFixed(4)}`] } };
  },
});

/**
 * A GIF of solid frames (2-colour palette, 100 ms each, looping). LZW data is written uncompressed:
 * a clear code before every second pixel keeps all codes 3 bits wide.
 */
export function solidFramesGif(width: number, height: number, colours: [number, number, number][]): Buffer {
  const out: number[] = [];
  const u16 = (v: number) => out.push(v & 255, v >> 8);
  out.push(...Buffer.from('GIF89a'));
  u16(width);
  u16(height);
  out.push(0x80, 0, 0, ...colours[0], ...colours[1]); // global table of 2 colours
  out.push(0x21, 0xff, 11, ...Buffer.from('NETSCAPE2.0'), 3, 1, 0, 0, 0); // loop forever
  for (let f = 0; f < colours.length; f++) {
    out.push(0x21, 0xf9, 4, 0, 10, 0, 0, 0); // 10/100 s
    out.push(0x2c);
    u16(0);
    u16(0);
    u16(width);
    u16(height);
    out.push(0, 2); // no local table; LZW minimum code size 2
    const codes: number[] = [];
    for (let i = 0; i < width * height; i++) {
      if (i % 2 === 0) codes.push(4);
      codes.push(f);
    }
    codes.push(5);
    const bytes: number[] = [];
    let acc = 0;
    let bits = 0;
    for (const c of codes) {
      acc |= c << bits;
      bits += 3;
      while (bits >= 8) {
        bytes.push(acc & 255);
        acc >>= 8;
        bits -= 8;
      }
    }
    if (bits) bytes.push(acc & 255);
    for (let i = 0; i < bytes.length; i += 255) out.push(Math.min(255, bytes.length - i), ...bytes.slice(i, i + 255));
    out.push(0);
  }
  out.push(0x3b);
  return Buffer.from(out);
}

export const AnimatedGif = defineNode({
  type: 'AnimatedGif',
  displayName: 'Animated GIF',
  category: 'testing',
  description: 'Writes a red/blue blinking GIF to the output folder.',
  inputs: { size: { type: 'INT', default: 16, min: 2, max: 64 } },
  outputs: [],
  outputNode: true,
  alwaysRun: true,
  async execute(inputs, ctx) {
    const size = inputs.size as number;
    const filename = `blink_${ctx.promptId.slice(0, 8)}.gif`;
    fs.writeFileSync(path.join(ctx.paths.output, filename), solidFramesGif(size, size, [[230, 30, 30], [30, 30, 230]]));
    return { outputs: [], ui: { images: [{ filename, subfolder: '', type: 'output' }] } };
  },
});

/** Waits `ms` (in 50 ms steps with progress), never cached, and shows its seed: keeps a queue busy. */
export const SlowSeed = defineNode({
  type: 'SlowSeed',
  displayName: 'Slow Seed',
  category: 'testing',
  description: 'Waits, reporting progress, then shows its seed.',
  inputs: {
    seed: { type: 'INT', default: 0, min: 0, max: 2 ** 53 - 1, seed: true },
    ms: { type: 'INT', default: 500, min: 0, max: 60000 },
  },
  outputs: [],
  outputNode: true,
  alwaysRun: true,
  async execute(inputs, ctx) {
    const steps = Math.max(1, Math.ceil((inputs.ms as number) / 50));
    for (let i = 1; i <= steps; i++) {
      await new Promise((r) => setTimeout(r, 50));
      if (ctx.signal.aborted) throw new Error('cancelled');
      ctx.progress(i, steps);
    }
    return { outputs: [], ui: { text: [`seed ${inputs.seed as number}`] } };
  },
});

export const uiTestPack: NodePack = { name: 'ui-test', nodes: [LossStream, AnimatedGif, SlowSeed] };

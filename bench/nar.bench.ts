// NAR sampling benchmark: random-weights models on a 16×16 grid with guidance on; NAR from the
// corner, NAR from the centre and raster AR side by side, at batch 1 and 8.
// `npm run bench -- --nar-size tiny,small,base` (base = NAR-B: 12 layers, 768 wide); default tiny.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../models/backend';
import { buildNarConfig, NarModel, type NarConfigOptions } from '../models/nar';

const SIZES: Record<string, Pick<NarConfigOptions, 'dim' | 'nLayer' | 'nHead'>> = {
  tiny: { dim: 128, nLayer: 2, nHead: 4 },
  small: { dim: 384, nLayer: 6, nHead: 6 },
  base: { dim: 768, nLayer: 12, nHead: 12 },
};

interface Row {
  size: string;
  method: string;
  batch: number;
  passes: number;
  msPerImage: number;
  imagesPerSec: number;
  peakTensorMiB: number;
  peakRssMiB: number;
}

function argValue(argv: string[], name: string): string | undefined {
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  return argv[i].includes('=') ? argv[i].split('=')[1] : argv[i + 1];
}

async function measure(model: NarModel, method: string, size: string, batch: number, seedPosition: 'corner' | 'center'): Promise<Row> {
  const cond = { kind: 'class' as const, classIds: Array.from({ length: batch }, (_, i) => i % 10) };
  let peakBytes = 0;
  let peakRss = 0;
  const onStep = () => {
    peakBytes = Math.max(peakBytes, tf.memory().numBytes);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  };
  const opts = { cond, seedPosition, cfgScale: 2, temperature: 1, topK: 0, topP: 1, seed: 1, onStep };
  const t0 = performance.now();
  await model.generate(opts);
  const ms = performance.now() - t0;
  return {
    size,
    method,
    batch,
    passes: model.passes(seedPosition),
    msPerImage: ms / batch,
    imagesPerSec: (batch * 1000) / ms,
    peakTensorMiB: peakBytes / 2 ** 20,
    peakRssMiB: peakRss / 2 ** 20,
  };
}

export async function run(argv: string[]): Promise<void> {
  const backend = await initBackend((argValue(argv, 'device') as 'wasm' | 'auto' | undefined) ?? 'auto');
  const sizes = (argValue(argv, 'nar-size') ?? 'tiny').split(',');
  const batches = (argValue(argv, 'nar-batch') ?? '1,8').split(',').map(Number);
  const rows: Row[] = [];
  for (const size of sizes) {
    const s = SIZES[size];
    if (!s) throw new Error(`--nar-size: unknown size '${size}', expected ${Object.keys(SIZES).join(', ')}`);
    const common = { ...s, vocabSize: 16384, grid: [16, 16], condition: { kind: 'class' as const, numClasses: 1000 } };
    const variants: Array<[string, NarConfigOptions, 'corner' | 'center']> = [
      ['NAR corner', { ...common, heads: 'corner' }, 'corner'],
      ['NAR centre', { ...common, heads: 'all' }, 'center'],
      ['raster AR', { ...common, ordering: 'raster' }, 'corner'],
    ];
    for (const [method, options, seed] of variants) {
      const model = NarModel.random(buildNarConfig(options), 1);
      try {
        await measure(model, method, size, 1, seed); // warm-up (kernel compilation, allocations)
        for (const b of batches) rows.push(await measure(model, method, size, b, seed));
      } finally {
        model.dispose();
      }
    }
  }
  const header = ['size', 'method', 'batch', 'passes', 'ms/image', 'images/s', 'peak tensors MiB', 'peak RSS MiB'];
  const lines = rows.map((r) => [r.size, r.method, r.batch, r.passes, r.msPerImage.toFixed(1), r.imagesPerSec.toFixed(3), r.peakTensorMiB.toFixed(1), r.peakRssMiB.toFixed(0)].map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  process.stdout.write(`backend: ${backend.name} (${backend.reason}); ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}; 16×16 grid, vocab 16384, cfg 2.0\n`);
  process.stdout.write([fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...lines.map(fmt)].join('\n') + '\n');
  const out = path.join(__dirname, 'results', `nar-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), backend, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, rows }, null, 2));
  process.stdout.write(`wrote ${out}\n`);
}

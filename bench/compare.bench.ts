// The bundled comparison in one run: the NAR class-to-image models (trained from the corner, and
// from the centre when that model is there) against the raster-AR model of the same size trained
// on the same data — same class prompts, seeds and
// sampling settings — scored by ShapeEval and FID-shapes (vs Shapes generator images), with
// images/s at several batch sizes on each engine, and a calibration row of fresh Shapes generator
// images (what a perfect model scores at this N). Prints one table; writes JSON (and the table)
// under bench/results/.
//   npm run bench -- --compare-per-class 50 --compare-reference 2000 --compare-engines ort,tfjs
//   BENCH_ONLY=compare npm run bench
// Flags (all optional): --compare-per-class N, --compare-reference N, --compare-ref-seed S,
// --compare-seed S, --compare-cfg X, --compare-temperature X, --compare-top-k K, --compare-top-p P,
// --compare-engines ort,tfjs (the first one samples the quality run), --compare-batches 1,18,72,
// --compare-speed-images N, --compare-sample-batch B, --compare-nar F, --compare-raster F,
// --compare-center F (the centre-seed NAR model; 'none' leaves it out; skipped when the file is absent),
// --compare-tokenizer F, --compare-classifier F, --device wasm|auto.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../models/backend';
import { encodePng } from '../models/image/png';
import { type ImageBatch, imageBatch } from '../models/image/types';
import { loadNar, type NarModel } from '../models/nar';
import { compareNarModels, DEFAULT_SAMPLING, type SamplingSettings } from '../models/metrics/evaluator/narComparison';
import { narComparisonMarkdown } from '../models/metrics/evaluator/narComparisonTable';
import { shapesSource } from '../models/metrics/evaluator/imageSource';
import { ShapesFeatureExtractor } from '../models/metrics/shapesClassifier/extractor';
import { parseEngineChoice } from '../models/onnx/engineChoice';
import { loadTokenizer } from '../models/vq/io';
import { flag } from './flags';

const REPO = path.resolve(__dirname, '..');


function num(argv: string[], name: string, dflt: number, check: (v: number) => boolean, what: string): number {
  const raw = flag(argv, name, String(dflt));
  const v = Number(raw);
  if (!Number.isFinite(v) || !check(v)) throw new Error(`--${name}: expected ${what}, got '${raw}'`);
  return v;
}

const positiveInt = (v: number) => Number.isInteger(v) && v >= 1;

function list(argv: string[], name: string, dflt: string): string[] {
  return flag(argv, name, dflt)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Up to `cols` images of each class as one picture: a row per class (prompts come class by class). */
function sampleGrid(images: ImageBatch, perClass: number, cols: number): ImageBatch {
  const rows = images.batch / perClass;
  const n = Math.min(cols, perClass);
  const { height: H, width: W } = images;
  const gap = 2;
  const out = imageBatch(1, rows * (H + gap) - gap, n * (W + gap) - gap);
  const OW = out.width;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < n; c++) {
      const src = (r * perClass + c) * H * W * 3;
      for (let y = 0; y < H; y++) {
        const dst = ((r * (H + gap) + y) * OW + c * (W + gap)) * 3;
        out.data.set(images.data.subarray(src + y * W * 3, src + (y + 1) * W * 3), dst);
      }
    }
  }
  return out;
}

function loadModel(file: string, what: string): NarModel {
  if (!fs.existsSync(file)) throw new Error(`${what} not found: ${file} (train it with scripts/train-bundled.ts or pass --compare-${what === 'NAR model' ? 'nar' : 'raster'} FILE)`);
  return loadNar(file);
}

export async function run(argv: string[]): Promise<void> {
  const backend = await initBackend(flag(argv, 'device', 'wasm') as 'wasm' | 'auto');
  const perClass = num(argv, 'compare-per-class', 50, positiveInt, 'a positive integer');
  const refCount = num(argv, 'compare-reference', 2000, (v) => Number.isInteger(v) && v >= 8, 'an integer >= 8');
  const refSeed = num(argv, 'compare-ref-seed', 1234, Number.isInteger, 'an integer');
  const seed = num(argv, 'compare-seed', 0, Number.isInteger, 'an integer');
  const sampling: SamplingSettings = {
    cfgScale: num(argv, 'compare-cfg', DEFAULT_SAMPLING.cfgScale, (v) => v >= 0, 'a number >= 0'),
    temperature: num(argv, 'compare-temperature', DEFAULT_SAMPLING.temperature, (v) => v > 0, 'a number > 0'),
    topK: num(argv, 'compare-top-k', DEFAULT_SAMPLING.topK, (v) => Number.isInteger(v) && v >= 0, 'an integer >= 0 (0 = off)'),
    topP: num(argv, 'compare-top-p', DEFAULT_SAMPLING.topP, (v) => v > 0 && v <= 1, 'a number in (0, 1]'),
  };
  const engines = list(argv, 'compare-engines', 'ort,tfjs').map(parseEngineChoice);
  const batches = list(argv, 'compare-batches', '1,18,72').map((b) => {
    const v = Number(b);
    if (!positiveInt(v)) throw new Error(`--compare-batches: expected positive integers, got '${b}'`);
    return v;
  });
  const minImages = num(argv, 'compare-speed-images', 36, positiveInt, 'a positive integer');
  const sampleBatch = num(argv, 'compare-sample-batch', 72, positiveInt, 'a positive integer');
  const files = {
    nar: path.resolve(flag(argv, 'compare-nar', path.join(REPO, 'weights/nar/shapes-c2i.safetensors'))),
    raster: path.resolve(flag(argv, 'compare-raster', path.join(REPO, 'weights/nar/shapes-raster-c2i.safetensors'))),
    tokenizer: path.resolve(flag(argv, 'compare-tokenizer', path.join(REPO, 'weights/tokenizer/shapes-vq.safetensors'))),
    classifier: path.resolve(flag(argv, 'compare-classifier', path.join(REPO, 'weights/metrics/shapes-classifier.safetensors'))),
  };
  for (const [k, f] of Object.entries({ tokenizer: files.tokenizer, classifier: files.classifier })) if (!fs.existsSync(f)) throw new Error(`${k} not found: ${f}`);

  const nar = loadModel(files.nar, 'NAR model');
  const raster = loadModel(files.raster, 'raster model');
  // the centre-seed model is optional: 'none' leaves it out, the default file may be absent, a named one must exist
  const centerArg = flag(argv, 'compare-center', '');
  const centerFile = centerArg === 'none' ? null : path.resolve(centerArg || path.join(REPO, 'weights/nar/shapes-c2i-center.safetensors'));
  if (centerArg && centerFile && !fs.existsSync(centerFile)) throw new Error(`centre-seed NAR model not found: ${centerFile} (--compare-center none leaves it out)`);
  const center = centerFile && fs.existsSync(centerFile) ? loadModel(centerFile, 'centre-seed NAR model') : null;
  const tokenizer = loadTokenizer(files.tokenizer);
  const extractor = ShapesFeatureExtractor.load(files.classifier);
  const [h, w] = nar.config.grid;
  const size = h * tokenizer.downsample;
  if (w * tokenizer.downsample !== size) throw new Error(`the comparison expects square images; the NAR grid [${h}, ${w}] gives ${w * tokenizer.downsample}×${size}`);
  const reference = shapesSource({ count: refCount, seed: refSeed, size, objects: 1 });
  const stat = fs.statSync(files.classifier);
  const t0 = performance.now();
  const samples = new Map<string, ImageBatch>();
  try {
    const result = await compareNarModels({
      contenders: [
        { name: 'NAR (shapes-c2i)', model: nar, seedPosition: 'corner' },
        // sampled from where it was trained from (its config's trainedSeed)
        ...(center ? [{ name: `NAR-centre (${path.basename(centerFile!, '.safetensors')})`, model: center }] : []),
        { name: 'raster AR (shapes-raster-c2i)', model: raster, seedPosition: 'corner' },
      ],
      tokenizer,
      extractor,
      extractorFingerprint: `${files.classifier}:${stat.size}:${stat.mtimeMs}`,
      reference,
      perClass,
      sampling,
      seed,
      engine: engines[0] ?? 'ort',
      sampleBatch,
      speed: { engines, batches, minImages },
      dataRow: true,
      cacheDir: path.join(REPO, '.cache', 'reference-stats'),
      onProgress: (m) => process.stdout.write(`  ${m}\n`),
      onImages: (name, images) => samples.set(name, images),
    });
    const date = new Date();
    const cpu = os.cpus()[0]?.model?.trim() ?? 'cpu';
    const machine = `${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB; tfjs ${backend.name}, onnxruntime-node CPU`;
    const numClasses = (nar.config.condition as { numClasses: number }).numClasses;
    const table = narComparisonMarkdown(result, {
      date,
      machine,
      sampling,
      seed,
      perClass,
      classes: numClasses,
      referenceDescription: `Shapes generator, one object per image, seed ${refSeed}, ${size}×${size}`,
    });
    const seconds = (performance.now() - t0) / 1000;
    process.stdout.write(`${table}\n(run took ${seconds.toFixed(1)} s; load average ${os.loadavg()[0].toFixed(2)})\n`);
    const stamp = date.toISOString().replace(/[:.]/g, '-');
    const out = path.join(__dirname, 'results', `compare-${stamp}.json`);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    const weights = Object.fromEntries(Object.entries(center ? { ...files, center: centerFile! } : files).map(([k, f]) => [k, { file: path.relative(REPO, f), bytes: fs.statSync(f).size, modified: fs.statSync(f).mtime.toISOString() }]));
    fs.writeFileSync(
      out,
      JSON.stringify({ date: date.toISOString(), machine, backend, loadAverage: os.loadavg(), seconds, settings: { perClass, refCount, refSeed, seed, sampling, engines, batches, minImages, sampleBatch }, weights, ...result, prompts: undefined }, null, 2),
    );
    fs.writeFileSync(out.replace(/\.json$/, '.md'), table + '\n');
    const grids = [...samples].map(([name, images]) => {
      const file = out.replace(/\.json$/, `-${name.split(' ')[0].toLowerCase()}.png`);
      fs.writeFileSync(file, encodePng(sampleGrid(images, perClass, 8)));
      return path.basename(file);
    });
    process.stdout.write(`wrote ${out} (and .md; sample grids, a row per class: ${grids.join(', ')})\n`);
  } finally {
    nar.dispose();
    raster.dispose();
    center?.dispose();
    tokenizer.dispose();
    await extractor.dispose();
  }
}

if (require.main === module) {
  run(process.argv.slice(2)).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

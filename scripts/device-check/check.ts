// One entry point for the device check, bundled by pack.sh into a single file that runs on a bare
// node binary (no tsx, no jest on the GPU machine). Each command prints progress to stderr and
// writes its JSON result to --out (or stdout).
//   check list
//   check fixtures --tfjs webgpu          tfjs on a device: fixtures, training forward, gradients vs wasm
//   check fixtures --ort webgpu           onnxruntime on a provider: fixtures through the KV-cache engine
//   check bench --device webgpu --size B --batches 1,64 --engines tfjs,ort:webgpu,ort:cpu
//               --orderings corner,raster --budget-s 20 --deadline-s 240
// Runs from the repository too: npx tsx scripts/device-check/check.ts list
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { listDevices } from '../../models/device/listDevices';
import { selectDevice } from '../../models/device/select';
import { parseDeviceChoice } from '../../models/device/types';
import { NarModel } from '../../models/nar';
import { OrtNarEngine } from '../../models/onnx/narEngine';
import { loadNarFixture, maxAbsDiff, NAR_FIXTURES } from '../../test/onnx/fixtures';
import { checkEngineOnFixture, checkTrainingForward, engineReportOk, trainingGradients, trainTwoSteps } from '../../test/device/fixtureChecks';
import { BENCH_SIZES, runBench, type BenchOrdering, type BenchSize } from './bench';

const log = (line: string) => process.stderr.write(`[check] ${line}\n`);

function flag(argv: string[], name: string, dflt?: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : dflt;
}

async function tfjsFixtures(device: string) {
  const info = await selectDevice(parseDeviceChoice(device), { probeOrt: false, log });
  const gpu = info.name !== 'wasm' && info.name !== 'tfjs-cpu' && !info.adapter?.software;
  const tol = info.name === 'wasm' || info.name === 'tfjs-cpu' ? 1e-4 : 1e-3;
  const cases = [];
  for (const name of NAR_FIXTURES) {
    const f = loadNarFixture(name);
    const model = NarModel.fromStateDict(f.sd, f.config);
    const forward = await checkTrainingForward(f, model);
    const sampler = await checkEngineOnFixture(f, async () => {
      const engine = model.createEngine();
      return { engine, close: async () => engine.dispose() };
    }, tol);
    model.dispose();
    const grads = await trainingGradients(f);
    await selectDevice('wasm', { probeOrt: false });
    const ref = await trainingGradients(f);
    await selectDevice(info.choice, { probeOrt: false });
    const scale = ref.grads.reduce((m, g) => Math.max(m, Math.abs(g)), 0);
    const gradients = { lossDiff: Math.abs(grads.loss - ref.loss), relMaxDiff: maxAbsDiff(grads.grads, ref.grads) / scale, leakedTensors: grads.leakedTensors };
    const ok = forward.logitsMaxDiff < tol && forward.lossDiff < tol && engineReportOk(sampler, tol) && gradients.relMaxDiff < tol && gradients.leakedTensors === 0;
    log(`tfjs ${info.name} ${name}: ${ok ? 'ok' : 'FAILED'} (logits ${sampler.logitsMaxDiff.toExponential(2)}, forward ${forward.logitsMaxDiff.toExponential(2)}, grads ${gradients.relMaxDiff.toExponential(2)}, ${sampler.ms.toFixed(0)} ms)`);
    cases.push({ fixture: name, ok, forward, sampler, gradients });
  }
  let adamw: { ok: boolean; error?: string; lossDiff?: number; weightsMaxDiff?: number };
  try {
    const f = loadNarFixture('c2i-4x4');
    const here = await trainTwoSteps(f);
    await selectDevice('wasm', { probeOrt: false });
    const ref = await trainTwoSteps(f);
    await selectDevice(info.choice, { probeOrt: false });
    const weightsMaxDiff = maxAbsDiff(here.weights, ref.weights);
    adamw = { ok: weightsMaxDiff < 5e-5 && here.leakedTensors === 0, lossDiff: Math.abs(here.loss - ref.loss), weightsMaxDiff };
  } catch (e) {
    adamw = { ok: false, error: (e as Error).message };
  }
  log(`tfjs ${info.name} AdamW steps: ${adamw.ok ? 'ok' : `FAILED ${adamw.error ?? ''}`}`);
  return { engine: 'tfjs', device: info, gpu, tolerance: tol, ok: cases.every((c) => c.ok), cases, adamw };
}

async function ortFixtures(provider: string) {
  const tol = provider === 'cpu' ? 1e-4 : 1e-3;
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-device-onnx-'));
  const cases = [];
  try {
    for (const name of NAR_FIXTURES) {
      const f = loadNarFixture(name);
      const r = await checkEngineOnFixture(f, async () => {
        const engine = await OrtNarEngine.create(f.sd, f.config, { cacheDir, providers: provider === 'cpu' ? ['cpu'] : [provider, 'cpu'] });
        return { engine, close: () => engine.release() };
      }, tol);
      const ok = engineReportOk(r, tol);
      log(`ort ${provider} ${name}: ${ok ? 'ok' : 'FAILED'} (logits ${r.logitsMaxDiff.toExponential(2)}, ${r.ms.toFixed(0)} ms)`);
      cases.push({ ...r, ok });
    }
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
  return { engine: `ort:${provider}`, tolerance: tol, ok: cases.every((c) => c.ok), cases };
}

async function bench(argv: string[]) {
  const device = await selectDevice(parseDeviceChoice(flag(argv, 'device', 'auto')), { probeOrt: false, log });
  const size = flag(argv, 'size', 'tiny') as BenchSize;
  if (!(size in BENCH_SIZES)) throw new Error(`--size must be one of ${Object.keys(BENCH_SIZES).join(', ')}, got '${size}'`);
  const result = await runBench({
    size,
    batches: flag(argv, 'batches', '1,64')!.split(',').map(Number),
    engines: flag(argv, 'engines', 'tfjs,ort:webgpu,ort:cpu')!.split(','),
    orderings: flag(argv, 'orderings', 'corner,raster')!.split(',') as BenchOrdering[],
    budgetS: Number(flag(argv, 'budget-s', '20')),
    deadlineS: Number(flag(argv, 'deadline-s', '240')),
    log,
  });
  return { device, ...result };
}

async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  const t0 = performance.now();
  let result: unknown;
  if (command === 'list') result = await listDevices();
  else if (command === 'fixtures' && flag(argv, 'tfjs')) result = await tfjsFixtures(flag(argv, 'tfjs')!);
  else if (command === 'fixtures' && flag(argv, 'ort')) result = await ortFixtures(flag(argv, 'ort')!);
  else if (command === 'bench') result = await bench(argv);
  else {
    process.stderr.write('usage: check list | fixtures --tfjs DEVICE | fixtures --ort PROVIDER | bench [--device D --size tiny|B --batches 1,64 ...] [--out FILE]\n');
    return 2;
  }
  const json = JSON.stringify({ command: argv.join(' '), seconds: (performance.now() - t0) / 1000, result }, null, 1);
  const out = flag(argv, 'out');
  if (out) fs.writeFileSync(out, json + '\n');
  else process.stdout.write(json + '\n');
  return 0;
}

main(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((e: unknown) => {
    process.stderr.write(`[check] error: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });

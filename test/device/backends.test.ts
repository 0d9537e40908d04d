// The NAR fixtures on every backend this machine can run: tfjs on wasm / WebGPU (Dawn) /
// tfjs-node(-gpu), and onnxruntime on each execution provider that starts. Backends that are not
// available here are reported as skipped, with the reason in the test name and on the console.
// Logits within 1e-3 on GPU backends (1e-4 on CPU); greedy tokens equal where the logits allow.
//
// WebGPU here without a GPU: Mesa 25 lavapipe (scripts/device-check/lavapipe.sh), then
//   eval "$(scripts/device-check/lavapipe.sh --env)" && npx jest test/device
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { DeviceListing } from '../../models/device/listDevices';
import { selectDevice } from '../../models/device/select';
import { NarModel } from '../../models/nar';
import { OrtNarEngine } from '../../models/onnx/narEngine';
import { loadNarFixture, maxAbsDiff, NAR_FIXTURES } from '../onnx/fixtures';
import { checkEngineOnFixture, checkTrainingForward, engineReportOk, trainingGradients, trainTwoSteps } from './fixtureChecks';

const TFJS_BACKENDS = ['wasm', 'webgpu', 'tfjs-node-gpu', 'tfjs-node'] as const;
const ORT_PROVIDERS = ['cpu', 'webgpu', 'cuda'] as const;
const tolerance = (gpu: boolean) => (gpu ? 1e-3 : 1e-4);

/** The listing from a child process (jest declares tests synchronously; the probe is async). */
function listDevicesInChild(): DeviceListing {
  const script = path.resolve(__dirname, '../../scripts/device-check/list-devices.ts');
  const r = spawnSync(process.execPath, [require.resolve('tsx/cli'), script], { encoding: 'utf8', timeout: 60_000 });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !last.startsWith('{')) throw new Error(`list-devices failed (status ${r.status}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(last) as DeviceListing;
}

const listing = listDevicesInChild();
const fixtures = NAR_FIXTURES.map(loadNarFixture);

function skipped(title: string, why: string): void {
  console.log(`${title}: skipped — ${why}`);
  describe.skip(`${title} (skipped: ${why})`, () => it('runs the NAR fixtures', () => undefined));
}

for (const backend of TFJS_BACKENDS) {
  const title = `tfjs on ${backend}`;
  const why = listing.tfjs[backend];
  if (why) {
    skipped(title, why);
    continue;
  }
  const gpu = backend !== 'wasm' && !(backend === 'webgpu' && listing.webgpu.adapter === null);
  const tol = tolerance(gpu);
  describe(title, () => {
    beforeAll(async () => {
      const info = await selectDevice(backend, { probeOrt: false });
      console.log(`${title}: ${info.reason}`);
      expect(tf.getBackend()).toBe(info.tfjsBackend);
    });

    describe.each(fixtures)('fixture $name', (f) => {
      let model: NarModel;
      beforeAll(() => {
        model = NarModel.fromStateDict(f.sd, f.config);
      });
      afterAll(() => model.dispose());

      it(`training forward: merged logits within ${tol}, loss within ${tol}`, async () => {
        const r = await checkTrainingForward(f, model);
        expect(r.logitsMaxDiff).toBeLessThan(tol);
        expect(r.lossDiff).toBeLessThan(tol);
      });

      it(`KV-cache sampler: logits within ${tol}, greedy tokens equal where logits allow, no tensors left`, async () => {
        const before = tf.memory().numTensors;
        const r = await checkEngineOnFixture(f, async () => {
          const engine = model.createEngine();
          return { engine, close: async () => engine.dispose() };
        }, tol);
        console.log(`${title} ${f.name}: ${JSON.stringify(r)}`);
        expect(r.logitsMaxDiff).toBeLessThan(tol);
        for (const g of r.greedy) expect({ ...g, ok: g.mismatches === 0 && (g.sampledEqual || g.ties > 0) }).toMatchObject({ mismatches: 0, ok: true });
        expect(engineReportOk(r, tol)).toBe(true);
        expect(tf.memory().numTensors).toBe(before);
      });
    });

    if (backend === 'webgpu') {
      it('addN over more inputs than a shader stage may bind sums them all', async () => {
        const xs = Array.from({ length: 40 }, (_, i) => tf.fill([3, 5], i + 1));
        const y = tf.addN(xs);
        expect(Array.from(await y.data())).toEqual(new Array(15).fill((40 * 41) / 2));
        tf.dispose([...xs, y]);
      });
    }

    if (backend !== 'wasm') {
      it.each(fixtures.map((f) => [f.name, f] as const))('%s: training gradients agree with wasm (custom-gradient matmuls, gathers, norms)', async (_name, f) => {
        const here = await trainingGradients(f);
        await selectDevice('wasm', { probeOrt: false });
        const ref = await trainingGradients(f);
        await selectDevice(backend, { probeOrt: false });
        expect(here.leakedTensors).toBe(0);
        expect(Math.abs(here.loss - ref.loss)).toBeLessThan(tol);
        const scale = ref.grads.reduce((m, g) => Math.max(m, Math.abs(g)), 0);
        expect(maxAbsDiff(here.grads, ref.grads) / scale).toBeLessThan(tol);
      });

      it('two AdamW steps on c2i-4x4 agree with wasm', async () => {
        const f = fixtures.find((x) => x.name === 'c2i-4x4')!;
        const here = await trainTwoSteps(f);
        await selectDevice('wasm', { probeOrt: false });
        const ref = await trainTwoSteps(f);
        await selectDevice(backend, { probeOrt: false });
        expect(here.leakedTensors).toBe(0);
        expect(Math.abs(here.loss - ref.loss)).toBeLessThan(tol);
        expect(Math.abs(here.gradNorm - ref.gradNorm) / ref.gradNorm).toBeLessThan(tol);
        // AdamW moves a weight by at most ~lr = 1e-4 per step; measured 9.3e-6 on lavapipe
        expect(maxAbsDiff(here.weights, ref.weights)).toBeLessThan(5e-5);
      });
    }
  });
}

describe('onnxruntime', () => {
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'device-onnx-'));
  afterAll(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

  for (const provider of ORT_PROVIDERS) {
    const title = `onnxruntime ${provider}`;
    const why = provider in listing.ort ? listing.ort[provider] : `onnxruntime-node does not list the ${provider} provider`;
    if (why) {
      skipped(title, why);
      continue;
    }
    const tol = tolerance(provider !== 'cpu');
    describe(title, () => {
      it.each(fixtures.map((f) => [f.name, f] as const))(`%s: logits within ${tol}, greedy tokens equal where logits allow`, async (_name, f) => {
        const open = async () => {
          const engine = await OrtNarEngine.create(f.sd, f.config, { cacheDir, providers: [provider, 'cpu'] });
          return { engine, close: () => engine.release() };
        };
        const r = await checkEngineOnFixture(f, open, tol);
        console.log(`${title} ${f.name}: ${JSON.stringify(r)}`);
        expect(r.logitsMaxDiff).toBeLessThan(tol);
        for (const g of r.greedy) expect(g.mismatches).toBe(0);
        expect(engineReportOk(r, tol)).toBe(true);
      });
    });
  }
});

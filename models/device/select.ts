// Choosing the process's device: activates one tfjs backend and picks onnxruntime's execution
// providers to match, returning what was chosen and why. `auto` tries, in order: WebGPU on a
// hardware adapter (Dawn), tfjs-node-gpu, tfjs-node, then wasm with onnxruntime on CPU.
import { describeAdapter, requestDawnAdapter } from './dawn';
import { ortDeviceFor } from './ortProviders';
import { activateTfjsCpu, activateTfjsNode, activateWasm, activateWebgpu, webgpuBackendAdapter } from './tfjsBackends';
import { DeviceError, type DeviceChoice, type DeviceInfo, type OrtDevice, type TfjsBackendKind } from './types';

export interface SelectDeviceOptions {
  /** receives one line per step tried (what failed and why) and the final choice */
  log?: (line: string) => void;
  /**
   * `auto` skips software WebGPU adapters (lavapipe, SwiftShader): they are slower than wasm
   * (measured in docs/gpu.md). Set to accept them. An explicit `webgpu` always accepts them.
   */
  allowSoftwareAdapter?: boolean;
  /** Dawn instance toggles (e.g. 'backend=vulkan'); none by default */
  dawnFlags?: string[];
  /** pick onnxruntime's providers too (default true); false leaves them at ['cpu'] unprobed */
  probeOrt?: boolean;
}

interface Activated {
  name: TfjsBackendKind;
  tfjsBackend: string;
  what: string;
  adapter?: DeviceInfo['adapter'];
}

async function tryWebgpu(o: SelectDeviceOptions, explicit: boolean): Promise<Activated> {
  // once tfjs runs on an adapter it keeps it (a second Dawn instance would orphan the first's device)
  const dawn = webgpuBackendAdapter() ?? (await requestDawnAdapter(o.dawnFlags));
  if (dawn instanceof Error) throw new DeviceError(dawn.message);
  if (dawn.summary.software && !explicit && !o.allowSoftwareAdapter) {
    throw new DeviceError(`only a software WebGPU adapter was found (${describeAdapter(dawn.summary)}), which is slower than wasm`);
  }
  const tfjsBackend = await activateWebgpu(dawn);
  return { name: 'webgpu', tfjsBackend, what: `WebGPU on ${describeAdapter(dawn.summary)} (Dawn, tfjs-backend-webgpu)`, adapter: dawn.summary };
}

async function tryTfjsNode(pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node'): Promise<Activated> {
  const tfjsBackend = await activateTfjsNode(pkg);
  const name = pkg === '@tensorflow/tfjs-node-gpu' ? 'tfjs-node-gpu' : 'tfjs-node';
  return { name, tfjsBackend, what: `libtensorflow via ${pkg}` };
}

async function activate(choice: DeviceChoice, o: SelectDeviceOptions, notes: string[]): Promise<Activated> {
  switch (choice) {
    case 'webgpu':
      return tryWebgpu(o, true);
    case 'tfjs-node-gpu':
      return tryTfjsNode('@tensorflow/tfjs-node-gpu');
    case 'tfjs-node':
      return tryTfjsNode('@tensorflow/tfjs-node');
    case 'tfjs-cpu':
      return { name: 'tfjs-cpu', tfjsBackend: await activateTfjsCpu(), what: 'tfjs pure-JS cpu backend (slow; debugging only)' };
    case 'cpu':
    case 'wasm':
      return { name: 'wasm', tfjsBackend: await activateWasm(), what: 'tfjs wasm (SIMD) backend' };
    case 'auto': {
      const attempts: Array<[string, () => Promise<Activated>]> = [
        ['webgpu', () => tryWebgpu(o, false)],
        ['tfjs-node-gpu', () => tryTfjsNode('@tensorflow/tfjs-node-gpu')],
        ['tfjs-node', () => tryTfjsNode('@tensorflow/tfjs-node')],
      ];
      for (const [label, attempt] of attempts) {
        try {
          return await attempt();
        } catch (e) {
          if (!(e instanceof DeviceError)) throw e;
          notes.push(/is not installed$/.test(e.message) ? `${label}: not installed` : `${label}: ${e.message}`);
          o.log?.(`device auto: ${label} not used: ${e.message}`);
        }
      }
      return { name: 'wasm', tfjsBackend: await activateWasm(), what: 'tfjs wasm (SIMD) backend' };
    }
  }
}

/**
 * Activates the device for `choice` and returns what was chosen and why. Throws a DeviceError
 * when an explicitly requested device cannot run here. Not memoised: the process-wide, once-only
 * entry point is `initBackend` (models/backend.ts).
 */
export async function selectDevice(choice: DeviceChoice, o: SelectDeviceOptions = {}): Promise<DeviceInfo> {
  const notes: string[] = [];
  let chosen: Activated;
  try {
    chosen = await activate(choice, o, notes);
  } catch (e) {
    if (e instanceof DeviceError) throw new DeviceError(`device ${choice} requested but unavailable: ${e.message}`);
    throw e;
  }
  const ort: OrtDevice = o.probeOrt === false ? { providers: ['cpu'], reason: 'onnxruntime on CPU (not probed)' } : await ortDeviceFor(chosen.name);
  const asked = choice === 'auto' ? 'auto' : `requested ${choice}`;
  const reason = `${asked}: ${chosen.what}; ${ort.reason}${notes.length ? ` (not used: ${notes.join('; ')})` : ''}`;
  const info: DeviceInfo = { name: chosen.name, reason, choice, tfjsBackend: chosen.tfjsBackend, ort, ...(chosen.adapter ? { adapter: chosen.adapter } : {}) };
  o.log?.(`device: ${info.name} — ${info.reason}`);
  return info;
}

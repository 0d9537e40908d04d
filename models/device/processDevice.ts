// The one device choice of this process. tfjs holds one active backend per process and
// onnxruntime sessions are created all over the code base, so the choice is made once, at start-up
// (`initBackend` / `--device`), and read here by whoever creates sessions. This is the single
// piece of module-level state in models/device/, mirroring tfjs's own global backend registry.
import { selectDevice, type SelectDeviceOptions } from './select';
import type { DeviceChoice, DeviceInfo } from './types';

let pending: Promise<DeviceInfo> | null = null;
let settled: DeviceInfo | null = null;

/**
 * Chooses and activates the process's device once; later calls get the first call's result
 * (whatever they ask for), as tfjs cannot run two backends side by side.
 */
export function initProcessDevice(choice: DeviceChoice = 'auto', options: SelectDeviceOptions = {}): Promise<DeviceInfo> {
  if (pending) return pending;
  const started = selectDevice(choice, options).then((info) => (settled = info));
  // a failed explicit request may be retried with another choice
  pending = started.catch((e: unknown) => {
    pending = null;
    throw e;
  });
  return pending;
}

/** The chosen device once `initProcessDevice` has finished; null before (or if it failed). */
export function processDevice(): DeviceInfo | null {
  return settled;
}

/**
 * onnxruntime execution providers for new sessions: the chosen device's (e.g. ['webgpu', 'cpu']),
 * or ['cpu'] when no device was chosen. For `SessionConfig.providers`' default.
 */
export function ortExecutionProviders(): string[] {
  return settled ? [...settled.ort.providers] : ['cpu'];
}

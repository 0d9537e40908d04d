// Picks and initialises the process's compute device: the tfjs backend and onnxruntime's execution
// providers (see models/device/). Callers get the chosen device's name and the reason back.
import { initProcessDevice } from './device/processDevice';
import type { SelectDeviceOptions } from './device/select';
import { parseDeviceChoice, type DeviceChoice, type DeviceInfo } from './device/types';

export type { DeviceChoice } from './device/types';
export { DEVICE_CHOICES, DeviceError, parseDeviceChoice } from './device/types';
export { ortExecutionProviders, processDevice } from './device/processDevice';

/** What was chosen: `name`, `reason`, plus the tfjs backend, onnxruntime providers and adapter. */
export type BackendInfo = DeviceInfo;

/**
 * Initialise the device once per process (later calls return the first result).
 * `auto` prefers WebGPU on a hardware adapter, then tfjs-node-gpu, then tfjs-node, then wasm;
 * `cpu` (or `wasm`) is tfjs-wasm with onnxruntime on CPU. An unknown choice or an explicitly
 * requested device that cannot run here rejects with a DeviceError saying why.
 */
export function initBackend(choice: DeviceChoice = 'auto', options: SelectDeviceOptions = {}): Promise<BackendInfo> {
  let parsed: DeviceChoice;
  try {
    parsed = parseDeviceChoice(choice);
  } catch (e) {
    return Promise.reject(e);
  }
  return initProcessDevice(parsed, options);
}

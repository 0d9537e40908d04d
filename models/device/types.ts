// The process's compute device: what the user asks for (`--device`) and what was chosen, with the
// reason, for logs, /api/system_stats and the editor's status line.

/**
 * - `auto`: webgpu, then tfjs-node-gpu, then tfjs-node, then wasm (+ onnxruntime on CPU)
 * - `cpu` (alias `wasm`): tfjs-wasm (SIMD) and onnxruntime's CPU provider
 * - `webgpu`: tfjs-backend-webgpu on Dawn (the `webgpu` package) and onnxruntime's WebGPU provider
 * - `tfjs-node-gpu` / `tfjs-node`: libtensorflow through @tensorflow/tfjs-node(-gpu), when installed
 * - `tfjs-cpu`: tfjs's pure-JS cpu backend (about 35× slower than wasm; for debugging only)
 */
export const DEVICE_CHOICES = ['auto', 'cpu', 'wasm', 'webgpu', 'tfjs-node-gpu', 'tfjs-node', 'tfjs-cpu'] as const;
export type DeviceChoice = (typeof DEVICE_CHOICES)[number];

/** The tfjs backends a choice can end on (tfjs's own backend names, except 'tensorflow' split in two). */
export type TfjsBackendKind = 'webgpu' | 'tfjs-node-gpu' | 'tfjs-node' | 'wasm' | 'tfjs-cpu';

/** A WebGPU adapter as Dawn describes it. */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** true for software rasterisers (lavapipe/llvmpipe, SwiftShader) */
  software: boolean;
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
}

/** onnxruntime-node's execution providers for this process, in order of preference. */
export interface OrtDevice {
  providers: string[];
  reason: string;
}

export interface DeviceInfo {
  /** short name: 'webgpu', 'tfjs-node-gpu', 'tfjs-node', 'wasm' or 'tfjs-cpu' */
  name: TfjsBackendKind;
  /** one line saying why this device was chosen (and what was tried before it) */
  reason: string;
  /** what was asked for */
  choice: DeviceChoice;
  /** the backend name tfjs reports (`tf.getBackend()`) */
  tfjsBackend: string;
  ort: OrtDevice;
  /** the WebGPU adapter, when name is 'webgpu' */
  adapter?: AdapterSummary;
}

export class DeviceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeviceError';
  }
}

/** Parses a user's `--device` value (case-insensitive; undefined → 'auto'). */
export function parseDeviceChoice(value: string | undefined): DeviceChoice {
  const v = (value ?? 'auto').trim().toLowerCase();
  if ((DEVICE_CHOICES as readonly string[]).includes(v)) return v as DeviceChoice;
  throw new DeviceError(`--device must be one of ${DEVICE_CHOICES.join(', ')}, got '${value}'`);
}

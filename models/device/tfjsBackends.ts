// Activating one tfjs backend: wasm (SIMD), WebGPU on Dawn, libtensorflow via tfjs-node(-gpu), or
// the pure-JS cpu backend. Each returns the tfjs backend name, or throws a DeviceError saying why
// the backend cannot run here. tfjs keeps one active backend per process (its registry is global).
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { type DawnAdapter, exposeNavigatorGpu } from './dawn';
import { resolvable } from './nodeLoad';
import { DeviceError } from './types';
import { chunkWebgpuAddN, explainReadSync } from './webgpuKernels';

const DAWN = Symbol.for('narflow.webgpu.dawn');
type WithDawn = { [DAWN]?: DawnAdapter };

/** The Dawn adapter tfjs's initialised 'webgpu' backend runs on, or null. */
export function webgpuBackendAdapter(): DawnAdapter | null {
  const backend = tf.findBackend('webgpu') as (tf.KernelBackend & WithDawn) | null;
  return backend?.[DAWN] ?? null;
}

export async function activateWasm(): Promise<string> {
  if (!tf.findBackend('wasm')) {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
    wasm.setWasmPaths(path.join(dir, 'dist') + path.sep);
  }
  if (!(await tf.setBackend('wasm'))) throw new DeviceError('tfjs-backend-wasm failed to initialise');
  await tf.ready();
  return 'wasm';
}

export async function activateTfjsCpu(): Promise<string> {
  if (!(await tf.setBackend('cpu'))) throw new DeviceError('the tfjs cpu backend failed to initialise');
  return 'cpu';
}

/**
 * tfjs-backend-webgpu on the given Dawn adapter. The backend's kernels register when the package
 * loads; the backend itself is registered here with a device from this adapter (the package's own
 * registration needs `navigator.gpu` at load time and picks its own adapter).
 */
export async function activateWebgpu(dawn: DawnAdapter): Promise<string> {
  const live = webgpuBackendAdapter();
  if (live && live !== dawn) throw new DeviceError('tfjs-backend-webgpu already runs on another Dawn adapter (see webgpuBackendAdapter())');
  exposeNavigatorGpu(globalThis, dawn.gpu, dawn.globals);
  const pkg = (await import('@tensorflow/tfjs-backend-webgpu')) as typeof import('@tensorflow/tfjs-backend-webgpu');
  if (!tf.findBackend('webgpu')) {
    // a factory the package registered at load (it asks for its own adapter): ours uses this one
    if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
    const adapter = dawn.adapter;
    tf.registerBackend(
      'webgpu',
      async () => {
        const limits = adapter.limits;
        const features: GPUFeatureName[] = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
        const device = await adapter.requestDevice({
          requiredFeatures: features,
          requiredLimits: {
            maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
            maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
            maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
            maxBufferSize: limits.maxBufferSize,
            maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
            maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
            maxStorageBuffersPerShaderStage: limits.maxStorageBuffersPerShaderStage,
          },
        });
        const backend = new pkg.WebGPUBackend(device, (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info);
        // the backend holds the Dawn instance: once it is garbage-collected, Dawn tears the device down
        (backend as WithDawn)[DAWN] = dawn;
        return backend;
      },
      3,
    );
  }
  // AddN binds every input and the output as storage buffers
  chunkWebgpuAddN(Math.max(2, dawn.adapter.limits.maxStorageBuffersPerShaderStage - 1));
  explainReadSync(pkg.WebGPUBackend);
  if (!(await tf.setBackend('webgpu'))) throw new DeviceError('tfjs-backend-webgpu failed to initialise on the Dawn adapter');
  await tf.ready();
  return 'webgpu';
}

/**
 * libtensorflow through @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node. The package must be
 * installed (neither is a dependency: tfjs-node-gpu downloads libtensorflow 2.9.1 at install and
 * needs CUDA 11.2 + cuDNN 8.1). Loading it registers the 'tensorflow' backend.
 */
export async function activateTfjsNode(pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node'): Promise<string> {
  if (!resolvable(pkg)) throw new DeviceError(`${pkg} is not installed`);
  try {
    // plain require: the package must register with this module system's copy of tfjs-core
    require(pkg);
  } catch (e) {
    throw new DeviceError(`${pkg} is installed but does not load: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!tf.findBackendFactory('tensorflow')) {
    throw new DeviceError(`${pkg} loaded but registered no 'tensorflow' backend with this copy of @tensorflow/tfjs (versions differ?)`);
  }
  if (!(await tf.setBackend('tensorflow'))) throw new DeviceError(`${pkg}: the 'tensorflow' backend failed to initialise`);
  return 'tensorflow';
}

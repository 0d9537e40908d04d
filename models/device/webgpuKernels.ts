// Two adjustments to tfjs-backend-webgpu 4.22 for Node:
//  - AddN binds one storage buffer per input, so an addN of more inputs than the device's
//    maxStorageBuffersPerShaderStage (8 by default, 16 on lavapipe) fails pipeline validation
//    (seen: the global gradient norm over 28 parameters). It is re-registered here to sum in
//    chunks that fit.
//  - readSync (dataSync/arraySync) of GPU-resident data goes through an OffscreenCanvas, which
//    Node lacks; it now fails with an error saying to use the async reads instead of a
//    ReferenceError.
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { DeviceError } from './types';

const CHUNKED = Symbol.for('narflow.webgpu.chunkedAddN');
const CLEAR_READSYNC = Symbol.for('narflow.webgpu.readSyncMessage');

type KernelFunc = tf.KernelConfig['kernelFunc'];

/** Re-registers the webgpu AddN kernel so that no call binds more than `maxInputs` inputs. */
export function chunkWebgpuAddN(maxInputs: number): void {
  if (maxInputs < 2) throw new Error(`chunkWebgpuAddN: maxInputs must be at least 2, got ${maxInputs}`);
  const current = tf.getKernel('AddN', 'webgpu');
  if (!current) throw new Error('tfjs-backend-webgpu is not loaded: no AddN kernel for webgpu');
  const marked = current.kernelFunc as KernelFunc & { [CHUNKED]?: KernelFunc };
  const original = marked[CHUNKED] ?? current.kernelFunc;
  const chunked: KernelFunc & { [CHUNKED]?: KernelFunc } = (args) => {
    let inputs = args.inputs as unknown as tf.TensorInfo[];
    if (inputs.length <= maxInputs) return original(args);
    const backend = args.backend as unknown as WebGPUBackend;
    const partials: tf.TensorInfo[] = [];
    while (inputs.length > maxInputs) {
      const sums: tf.TensorInfo[] = [];
      for (let i = 0; i < inputs.length; i += maxInputs) {
        const part = inputs.slice(i, i + maxInputs);
        sums.push(part.length === 1 ? part[0] : (original({ ...args, inputs: part as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo));
        if (part.length > 1) partials.push(sums[sums.length - 1]);
      }
      inputs = sums;
    }
    const out = original({ ...args, inputs: inputs as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo;
    for (const p of partials) backend.disposeData(p.dataId);
    return out;
  };
  chunked[CHUNKED] = original;
  tf.unregisterKernel('AddN', 'webgpu');
  tf.registerKernel({ ...current, kernelFunc: chunked });
}

/** Makes synchronous reads of GPU data fail with a message that names the fix. */
export function explainReadSync(backendClass: typeof WebGPUBackend): void {
  const proto = backendClass.prototype as WebGPUBackend & { [CLEAR_READSYNC]?: boolean };
  if (proto[CLEAR_READSYNC]) return;
  const readSync = proto.readSync;
  proto.readSync = function (this: WebGPUBackend, dataId: object) {
    try {
      return readSync.call(this, dataId);
    } catch (e) {
      if (e instanceof ReferenceError && /OffscreenCanvas/.test(e.message)) {
        throw new DeviceError('dataSync()/arraySync() cannot read WebGPU memory in Node (tfjs reads it through an OffscreenCanvas); use await data()/array()');
      }
      throw e;
    }
  };
  proto[CLEAR_READSYNC] = true;
}

// Picks and initialises the tfjs backend. Nothing here is module-level state beyond tfjs's own
// registry: callers get the chosen backend's name and the reason back.
import * as tf from '@tensorflow/tfjs';
import * as path from 'path';

export type DeviceChoice = 'auto' | 'cpu' | 'wasm' | 'webgpu' | 'tfjs-node-gpu' | 'tfjs-node';

export interface BackendInfo {
  name: string;
  reason: string;
}

let ready: Promise<BackendInfo> | null = null;

async function initWasm(): Promise<BackendInfo> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  wasm.setWasmPaths(path.join(dir, 'dist') + path.sep);
  await tf.setBackend('wasm');
  await tf.ready();
  return { name: 'wasm', reason: 'tfjs wasm (SIMD) backend' };
}

function tryRequire(name: string): boolean {
  try {
    require(name);
    return true;
  } catch {
    return false;
  }
}

/** Initialise tfjs once per process. `auto` prefers tfjs-node-gpu, then tfjs-node, then wasm. */
export function initBackend(choice: DeviceChoice = 'auto'): Promise<BackendInfo> {
  if (ready) return ready;
  ready = (async () => {
    if (choice === 'cpu') {
      await tf.setBackend('cpu');
      return { name: 'cpu', reason: 'requested pure-JS cpu backend (slow)' };
    }
    if (choice === 'tfjs-node-gpu' || choice === 'auto') {
      if (tryRequire('@tensorflow/tfjs-node-gpu')) {
        await tf.setBackend('tensorflow');
        return { name: 'tensorflow', reason: '@tensorflow/tfjs-node-gpu is installed' };
      }
      if (choice === 'tfjs-node-gpu') throw new Error('device tfjs-node-gpu requested but @tensorflow/tfjs-node-gpu is not installed');
    }
    if (choice === 'tfjs-node' || choice === 'auto') {
      if (tryRequire('@tensorflow/tfjs-node')) {
        await tf.setBackend('tensorflow');
        return { name: 'tensorflow', reason: '@tensorflow/tfjs-node is installed' };
      }
      if (choice === 'tfjs-node') throw new Error('device tfjs-node requested but @tensorflow/tfjs-node is not installed');
    }
    const info = await initWasm();
    return choice === 'auto' ? { ...info, reason: 'no GPU backend installed; ' + info.reason } : info;
  })();
  return ready;
}

// What this machine offers, without choosing anything: the WebGPU adapter Dawn finds, which tfjs
// backends are installed, and which onnxruntime execution providers start. Activates no tfjs
// backend (so it can run before or beside initBackend).
import { requestDawnAdapter } from './dawn';
import { resolvable } from './nodeLoad';
import { ortProviderList, probeOrtProvider } from './ortProviders';
import type { AdapterSummary } from './types';

export interface DeviceListing {
  webgpu: { adapter: AdapterSummary | null; error: string | null };
  /** tfjs backends: null = can be tried here, else why not */
  tfjs: Record<'wasm' | 'webgpu' | 'tfjs-node-gpu' | 'tfjs-node', string | null>;
  /** onnxruntime providers: null = a session runs on it here, else why not */
  ort: Record<string, string | null>;
  /** how long the listing took */
  ms: number;
}

export async function listDevices(o: { dawnFlags?: string[]; ortProviders?: string[] } = {}): Promise<DeviceListing> {
  const t0 = performance.now();
  const dawn = await requestDawnAdapter(o.dawnFlags);
  const webgpu = dawn instanceof Error ? { adapter: null, error: dawn.message } : { adapter: dawn.summary, error: null };
  const installed = (pkg: string) => (resolvable(pkg) ? null : `${pkg} is not installed`);
  const tfjs = {
    wasm: installed('@tensorflow/tfjs-backend-wasm'),
    webgpu: installed('@tensorflow/tfjs-backend-webgpu') ?? webgpu.error,
    'tfjs-node-gpu': installed('@tensorflow/tfjs-node-gpu'),
    'tfjs-node': installed('@tensorflow/tfjs-node'),
  };
  const names = o.ortProviders ?? (ortProviderList().map((p) => p.name).length ? ortProviderList().map((p) => p.name) : ['cpu']);
  const ort: Record<string, string | null> = {};
  for (const name of names) ort[name] = await probeOrtProvider(name);
  return { webgpu, tfjs, ort, ms: performance.now() - t0 };
}

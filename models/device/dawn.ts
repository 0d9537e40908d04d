// WebGPU in Node through Dawn (the `webgpu` npm package, a prebuilt `dawn.node`): loading it,
// asking for an adapter, and exposing `navigator.gpu` the way tfjs-backend-webgpu expects it.
//
// Dawn runs on Vulkan on Linux: it needs the Vulkan loader (Debian `libvulkan1`) and a driver
// (the NVIDIA driver's ICD on a GPU server; Mesa's lavapipe as a software stand-in; Dawn refuses
// the lavapipe of Mesa 22.x, which lacks shaderSampledImageArrayDynamicIndexing, and accepts
// Mesa 25's). See docs/gpu.md.
import * as path from 'path';
import type { AdapterSummary } from './types';
import { nodeLoad } from './nodeLoad';

/** The two exports of the `webgpu` package. */
export interface DawnModule {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}

/** A Dawn instance with the adapter it found. */
export interface DawnAdapter {
  gpu: GPU;
  adapter: GPUAdapter;
  summary: AdapterSummary;
  globals: Record<string, unknown>;
}

/**
 * The `webgpu` package, or an Error saying why it does not load. Loaded with Node's own module
 * loader (the package is an ES module; Node ≥ 20.19 requires it synchronously), falling back to
 * the platform's `dawn.node` directly.
 */
export function loadDawn(): DawnModule | Error {
  try {
    return nodeLoad('webgpu') as DawnModule;
  } catch (first) {
    try {
      const dir = path.dirname(require.resolve('webgpu/package.json'));
      const platform = process.platform === 'darwin' ? 'darwin-universal' : `${process.platform}-${process.arch}`;
      return nodeLoad(path.join(dir, 'dist', platform, 'dawn.node')) as DawnModule;
    } catch {
      return new Error(`the 'webgpu' package (Dawn) does not load here: ${(first as Error).message.split('\n')[0]}`);
    }
  }
}

const SOFTWARE = /llvmpipe|lavapipe|swiftshader|software/i;

export function summariseAdapter(adapter: GPUAdapter): AdapterSummary {
  const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
  const text = (k: keyof GPUAdapterInfo) => String((info as unknown as Record<string, unknown> | undefined)?.[k] ?? '');
  const fallback = Boolean((adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter);
  return {
    vendor: text('vendor'),
    architecture: text('architecture'),
    device: text('device'),
    description: text('description'),
    software: fallback || SOFTWARE.test(`${text('architecture')} ${text('description')} ${text('device')}`),
    maxBufferSize: adapter.limits.maxBufferSize,
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
  };
}

/** One line naming an adapter. */
export function describeAdapter(a: AdapterSummary): string {
  const name = a.description || a.device || a.vendor || 'unnamed adapter';
  return `${name}${a.software ? ' (software)' : ''}`;
}

/**
 * A Dawn instance and its high-performance adapter, or an Error saying what is missing (the
 * package, the Vulkan loader or driver). `flags` are Dawn's instance toggles (e.g.
 * 'backend=vulkan'); none are needed normally.
 */
export async function requestDawnAdapter(flags: string[] = []): Promise<DawnAdapter | Error> {
  const dawn = loadDawn();
  if (dawn instanceof Error) return dawn;
  let gpu: GPU;
  try {
    gpu = dawn.create(flags);
  } catch (e) {
    return new Error(`Dawn could not create a WebGPU instance: ${(e as Error).message}`);
  }
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    return new Error('Dawn found no WebGPU adapter (needs the Vulkan loader libvulkan1 and a Vulkan driver: the NVIDIA driver, or Mesa ≥ 23 lavapipe)');
  }
  return { gpu, adapter, summary: summariseAdapter(adapter), globals: dawn.globals };
}

/**
 * Makes `navigator.gpu` and the WebGPU constants (GPUBufferUsage, GPUMapMode, …) global, as
 * tfjs-backend-webgpu reads them. This writes to the global object, which is process-wide by
 * nature (like tfjs's backend registry); names already defined are left alone.
 */
export function exposeNavigatorGpu(target: typeof globalThis, gpu: GPU, globals: Record<string, unknown>): void {
  const g = target as unknown as Record<string, unknown>;
  for (const [name, value] of Object.entries(globals)) if (g[name] === undefined) g[name] = value;
  const nav = g.navigator as Record<string, unknown> | undefined;
  if (nav && typeof nav === 'object') {
    Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true, writable: true });
  } else {
    Object.defineProperty(target, 'navigator', { value: { gpu }, configurable: true, writable: true });
  }
}

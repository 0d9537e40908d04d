// WebGPU in Node through Dawn (the `webgpu` npm package, a prebuilt `dawn.node`): loading it,
// asking for an adapter, and exposing `navigator.gpu` the way tfjs-backend-webgpu expects it.
//
// Dawn runs on Vulkan on Linux: it needs the Vulkan loader (Debian `libvulkan1`) and a driver
// (the NVIDIA driver's ICD on a GPU server; Mesa's lavapipe as a software stand-in; Dawn refuses
// the lavapipe of Mesa 22.x, which lacks shaderSampledImageArrayDynamicIndexing, and accepts
// Mesa 25's). See docs/gpu.md.
import { spawn } from 'child_process';
import * as path from 'path';
import type { AdapterSummary } from './types';
import { nodeLoad, resolvable } from './nodeLoad';

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
      return nodeLoad(dawnNodeFile()) as DawnModule;
    } catch {
      return new Error(`the 'webgpu' package (Dawn) does not load here: ${(first as Error).message.split('\n')[0]}`);
    }
  }
}

/** The platform's prebuilt `dawn.node` inside the `webgpu` package (throws when it is not installed). */
function dawnNodeFile(): string {
  const dir = path.dirname(require.resolve('webgpu/package.json'));
  const platform = process.platform === 'darwin' ? 'darwin-universal' : `${process.platform}-${process.arch}`;
  return path.join(dir, 'dist', platform, 'dawn.node');
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
export async function requestDawnAdapter(flags: string[] = [], opts: { probe?: boolean } = {}): Promise<DawnAdapter | Error> {
  if (opts.probe !== false && resolvable('webgpu/package.json')) {
    // asked in a child first: where there is no usable adapter this process loads neither Dawn nor a driver
    const probe = await probeDawnAdapter(flags);
    if (probe.error) return new Error(probe.error);
    if (!probe.found) return new Error(NO_ADAPTER);
  }
  const dawn = loadDawn();
  if (dawn instanceof Error) return dawn;
  let gpu: GPU;
  try {
    gpu = dawn.create(flags);
  } catch (e) {
    return new Error(`Dawn could not create a WebGPU instance: ${(e as Error).message}`);
  }
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return new Error(NO_ADAPTER);
  return { gpu, adapter, summary: summariseAdapter(adapter), globals: dawn.globals };
}

const NO_ADAPTER = "Dawn found no WebGPU adapter (needs the Vulkan loader libvulkan1 and a Vulkan driver: the NVIDIA driver, or Mesa's lavapipe — 25.0 is taken, 22.3 refused)";

export interface DawnProbe {
  /** Dawn answered with an adapter */
  found: boolean;
  /** the probe itself failed (the module did not load, the child crashed or hung) */
  error?: string;
  /** what the driver stack printed while probing (kept out of this process's output) */
  log: string;
}

/** Where the `webgpu` package's entry is, for a child process to import. */
function dawnEntry(): string {
  try {
    return require.resolve('webgpu');
  } catch {
    return dawnNodeFile();
  }
}

const PROBE_SCRIPT = `
const [entry, flags] = JSON.parse(process.argv[1]);
const answer = (o) => { process.stdout.write(JSON.stringify(o)); process.exit(0); };
(async () => {
  const m = entry.endsWith('.node') ? require(entry) : await import(require('url').pathToFileURL(entry).href);
  const dawn = typeof m.create === 'function' ? m : m.default;
  const adapter = await dawn.create(flags).requestAdapter({ powerPreference: 'high-performance' });
  answer({ found: !!adapter });
})().catch((e) => answer({ error: String((e && e.message) || e).split('\\n')[0] }));
`;

/**
 * Asks a child Node process whether Dawn finds an adapter. What the driver stack prints while it
 * probes (Mesa's "XDG_RUNTIME_DIR is invalid", Dawn's warnings about adapters it refuses) stays in
 * the child's output instead of every narflow command's, and a driver that crashes or hangs takes
 * the child down, not the server. `entry` replaces the `webgpu` package (tests).
 */
export function probeDawnAdapter(flags: string[] = [], o: { entry?: string; timeoutMs?: number } = {}): Promise<DawnProbe> {
  const entry = o.entry ?? dawnEntry();
  const timeoutMs = o.timeoutMs ?? 30_000;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', PROBE_SCRIPT, JSON.stringify([entry, flags])], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    let out = '';
    let log = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-8192)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ found: false, error: `the WebGPU adapter probe could not start: ${e.message}`, log });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      try {
        const r = JSON.parse(out) as { found?: boolean; error?: string };
        if (r.error) return resolve({ found: false, error: `Dawn could not look for a WebGPU adapter: ${r.error}`, log });
        return resolve({ found: !!r.found, log });
      } catch {
        const how = signal === 'SIGKILL' ? `did not answer in ${timeoutMs / 1000} s` : signal ? `was killed by ${signal}` : `exited with code ${code}`;
        const last = log.trim().split('\n').pop();
        return resolve({ found: false, error: `the WebGPU adapter probe ${how} (a broken GPU driver?)${last ? `: ${last}` : ''}`, log });
      }
    });
  });
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

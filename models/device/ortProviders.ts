// onnxruntime-node execution providers: which ones this build bundles, whether one actually starts
// here (a tiny session run on it), and the list to use for a chosen tfjs device.
//
// onnxruntime-node 1.30's linux-x64 binary bundles the CPU and WebGPU providers (WebGPU runs on
// its own statically linked Dawn, over Vulkan); CUDA and TensorRT come only from an extra download
// at install (`ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci`, or the `--onnxruntime-node-install=cuda12`
// flag; the older `--onnxruntime-node-install-cuda`), which unpacks
// libonnxruntime_providers_{cuda,shared,tensorrt}.so beside the binding (CUDA 12, cuDNN 9).
import * as fs from 'fs';
import * as path from 'path';
import { GraphBuilder } from '../onnx/builder';
import { nodeLoad } from './nodeLoad';
import type { OrtDevice, TfjsBackendKind } from './types';

interface OrtLike {
  listSupportedBackends?: () => Array<{ name: string; bundled: boolean }>;
  InferenceSession: {
    create(model: Uint8Array, options: Record<string, unknown>): Promise<{
      run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown }>>;
      release(): Promise<void>;
    }>;
  };
}

function loadOrtModule(): OrtLike | Error {
  try {
    return nodeLoad('onnxruntime-node') as OrtLike;
  } catch (e) {
    return new Error(`onnxruntime-node does not load here: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** The providers this onnxruntime-node build lists, with whether each is bundled. */
export function ortProviderList(): Array<{ name: string; bundled: boolean }> {
  const ort = loadOrtModule();
  if (ort instanceof Error || !ort.listSupportedBackends) return [];
  return ort.listSupportedBackends();
}

/** Whether the provider's shared library (an extra download) sits beside the native binding. */
function providerLibraryPresent(provider: string): boolean {
  try {
    const root = path.dirname(require.resolve('onnxruntime-node/package.json'));
    const dir = path.join(root, 'bin', 'napi-v6', process.platform, process.arch);
    const ext = process.platform === 'win32' ? 'dll' : process.platform === 'darwin' ? 'dylib' : 'so';
    const prefix = process.platform === 'win32' ? '' : 'lib';
    return fs.existsSync(path.join(dir, `${prefix}onnxruntime_providers_${provider}.${ext}`));
  } catch {
    return false;
  }
}

/** [[1,2],[3,4]]·[[1,0],[1,1]] with no inputs (so no host tensors are needed) and no folding. */
function probeGraph(): Uint8Array {
  const g = new GraphBuilder();
  const a = g.initializer('a', Float32Array.of(1, 2, 3, 4), [2, 2]);
  const b = g.initializer('b', Float32Array.of(1, 0, 1, 1), [2, 2]);
  g.output(g.op('MatMul', [a, b]), 'y', 'float', [2, 2]);
  return g.toBytes();
}

const PROBE_EXPECTED = [3, 2, 7, 4];

/**
 * Starts a session on `provider` alone (ORT adds its CPU provider for what the first cannot run)
 * and checks a matmul's result; null when it works, else the reason it does not.
 */
export async function probeOrtProvider(provider: string): Promise<string | null> {
  const ort = loadOrtModule();
  if (ort instanceof Error) return ort.message;
  const listed = ort.listSupportedBackends?.().find((p) => p.name === provider);
  if (ort.listSupportedBackends && !listed) return `onnxruntime-node does not know the '${provider}' provider`;
  if (listed && !listed.bundled && !providerLibraryPresent(provider)) {
    return `the ${provider} provider is not installed (onnxruntime-node downloads it with ONNXRUNTIME_NODE_INSTALL=cuda12 at install)`;
  }
  try {
    const session = await ort.InferenceSession.create(probeGraph(), {
      executionProviders: [provider],
      graphOptimizationLevel: 'disabled',
      logSeverityLevel: 3,
    });
    try {
      const y = Array.from((await session.run({})).y.data as Float32Array);
      if (y.some((v, i) => Math.abs(v - PROBE_EXPECTED[i]) > 1e-5)) return `the ${provider} provider computed [${y}] for a matmul, expected [${PROBE_EXPECTED}]`;
      return null;
    } finally {
      await session.release();
    }
  } catch (e) {
    // drop ORT's source-location prefix ("/onnxruntime_src/…cc:136 … was false. ")
    const msg = (e as Error).message.split('\n')[0].replace(/^\/onnxruntime_src\/.*? was false\. /, '');
    return `the ${provider} provider does not start: ${msg.length > 240 ? msg.slice(0, 240) + '…' : msg}`;
  }
}

/**
 * The providers for a tfjs device: WebGPU beside tfjs-webgpu; CUDA (if the extra download is
 * installed), else WebGPU, beside tfjs-node-gpu; the CPU provider otherwise and as the fallback.
 */
export async function ortDeviceFor(tfjsDevice: TfjsBackendKind): Promise<OrtDevice> {
  const candidates = tfjsDevice === 'webgpu' ? ['webgpu'] : tfjsDevice === 'tfjs-node-gpu' ? ['cuda', 'webgpu'] : [];
  const notes: string[] = [];
  for (const provider of candidates) {
    const why = await probeOrtProvider(provider);
    if (why === null) return { providers: [provider, 'cpu'], reason: `onnxruntime ${provider} execution provider${notes.length ? ` (${notes.join('; ')})` : ''}` };
    notes.push(why);
  }
  const base = tfjsDevice === 'webgpu' || tfjsDevice === 'tfjs-node-gpu' ? 'onnxruntime on CPU' : 'onnxruntime CPU execution provider';
  return { providers: ['cpu'], reason: notes.length ? `${base}: ${notes.join('; ')}` : base };
}

// onnxruntime-node sessions: loading the runtime lazily (so that code which never runs ONNX
// still loads where the native binding is missing), creating sessions from bytes or files,
// and small helpers to build input tensors.
//
// The runtime is loaded with Node's own module loader (`Module._load`, which jest does not
// replace, unlike `require` and `createRequire`) and input arrays are re-viewed (no copy) with
// the typed-array constructors of Node's main context. Under jest (whose test files run in a
// separate context) this keeps onnxruntime's `instanceof Float32Array` checks true both for the
// arrays we pass in and for the arrays the native binding hands back. Outside jest it is a no-op.
import * as NodeModule from 'module';
import * as vm from 'vm';
import type * as Ort from 'onnxruntime-node';
import { ortExecutionProviders } from '../device/processDevice';

export type OrtModule = typeof Ort;
export type OrtSession = Ort.InferenceSession;
export type OrtTensor = Ort.Tensor;

export interface SessionConfig {
  /** intra-op threads (default: ORT's choice, i.e. the physical cores) */
  threads?: number;
  /** 'all' by default */
  optimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /** execution providers in order of preference; default ['cpu'] */
  providers?: string[];
  /**
   * Let idle intra-op threads spin-wait for work (ORT's own default). Off by default here: on a
   * shared or busy machine spinning burns CPU that the matmuls need (measured: a NAR-B step at
   * 128 token rows took 1.5× the CPU time with spinning on, at no gain in wall time).
   */
  spinning?: boolean;
  /** ORT log level: 0 verbose … 3 errors only (default), 4 fatal */
  logLevel?: 0 | 1 | 2 | 3 | 4;
  /** where ORT writes the optimised graph (for inspection) */
  optimizedModelFile?: string;
  /** write ORT's per-node profile (JSON) to `<prefix>_<date>.json` when the session ends profiling */
  profileFilePrefix?: string;
}

/** The onnxruntime-node module, or an Error explaining why it does not load. */
export function loadOrt(): OrtModule | Error {
  try {
    const loader = (NodeModule as unknown as { _load?: (id: string, parent: NodeModule, isMain: boolean) => unknown })._load;
    if (typeof loader === 'function') return loader('onnxruntime-node', module, false) as OrtModule;
    return require('onnxruntime-node') as OrtModule;
  } catch (e) {
    return new Error(`onnxruntime-node does not load here: ${(e as Error).message}`);
  }
}

/** The onnxruntime-node module; throws a clear error when it is not usable. */
export function requireOrt(): OrtModule {
  const ort = loadOrt();
  if (ort instanceof Error) throw ort;
  return ort;
}

/** True when onnxruntime-node loads on this machine. */
export function ortAvailable(): boolean {
  return !(loadOrt() instanceof Error);
}

/** Creates an inference session from ONNX bytes or a model file path (external data beside it). */
export async function createSession(model: Uint8Array | string, config: SessionConfig = {}): Promise<OrtSession> {
  const ort = requireOrt();
  const options: Ort.InferenceSession.SessionOptions = {
    executionProviders: (config.providers ?? ortExecutionProviders()) as Ort.InferenceSession.SessionOptions['executionProviders'],
    graphOptimizationLevel: config.optimization ?? 'all',
    logSeverityLevel: config.logLevel ?? 3,
    ...(config.threads ? { intraOpNumThreads: config.threads, interOpNumThreads: 1 } : {}),
    ...(config.optimizedModelFile ? { optimizedModelFilePath: config.optimizedModelFile } : {}),
    ...(config.profileFilePrefix ? { enableProfiling: true, profileFilePrefix: config.profileFilePrefix } : {}),
    extra: { session: { intra_op: { allow_spinning: config.spinning ? '1' : '0' } } },
  };
  return typeof model === 'string' ? ort.InferenceSession.create(model, options) : ort.InferenceSession.create(model, options);
}

type OrtData = Float32Array | BigInt64Array | Int32Array | Uint8Array | Uint16Array | Int8Array | Float64Array;
type TypedCtor<T> = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): T };

/** `data` viewed (no copy) through the same-named constructor of Node's main context. */
export function mainRealmView<T extends OrtData>(data: T): T {
  const name = Object.prototype.toString.call(data).slice(8, -1);
  const Ctor = vm.runInThisContext(name) as TypedCtor<T>;
  if (data instanceof (Ctor as unknown as typeof Float32Array)) return data;
  return new Ctor(data.buffer, data.byteOffset, data.length);
}

/** A tensor over `data` (no copy); checks the element count. */
export function ortTensor(
  type: 'float32' | 'int64' | 'int32' | 'uint8' | 'bool' | 'float16' | 'int8' | 'float64',
  data: OrtData,
  dims: readonly number[],
): OrtTensor {
  const ort = requireOrt();
  const n = dims.reduce((a, b) => a * b, 1);
  if (data.length !== n) throw new Error(`${type} tensor [${dims}] needs ${n} values, got ${data.length}`);
  return new ort.Tensor(type, mainRealmView(data) as Float32Array, dims);
}

/** A float32 tensor over `data` (no copy); checks the element count. */
export function floatTensor(data: Float32Array, dims: readonly number[]): OrtTensor {
  return ortTensor('float32', data, dims);
}

/** An int64 tensor from numbers. */
export function int64Tensor(values: ArrayLike<number>, dims: readonly number[]): OrtTensor {
  return ortTensor('int64', BigInt64Array.from(Array.from(values, (v) => BigInt(v))), dims);
}

/** Runs `session` once and returns each output as a Float32Array with its dims. */
export async function runFloat(
  session: OrtSession,
  feeds: Record<string, OrtTensor>,
): Promise<Record<string, { data: Float32Array; dims: number[] }>> {
  const out = await session.run(feeds);
  const result: Record<string, { data: Float32Array; dims: number[] }> = {};
  for (const [name, t] of Object.entries(out)) {
    if (t.type !== 'float32') throw new Error(`output '${name}' is ${t.type}, expected float32`);
    result[name] = { data: t.data as Float32Array, dims: [...t.dims] };
  }
  return result;
}

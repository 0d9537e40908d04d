// On-disk cache of compiled ONNX graphs. A graph is keyed by sha256 over the checkpoint's
// content hash, the config and the graph version; the first use builds and writes it
// (`<dir>/<key>/model.onnx` + `model.onnx.data`), later uses only load the files.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { StateDict } from '../checkpoint/safetensors';
import type { GraphBuilder } from './builder';

export const DEFAULT_ONNX_CACHE_DIR = path.join('.cache', 'onnx');

/** sha256 over a state dict's keys (sorted), shapes and float32 bytes. */
export function stateDictHash(sd: StateDict): string {
  const h = crypto.createHash('sha256');
  for (const key of [...sd.keys()].sort()) {
    const t = sd.get(key)!;
    h.update(`${key}:${t.shape.join('x')};`);
    h.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return h.digest('hex');
}

/** The cache key of one graph. */
export function graphCacheKey(checkpointHash: string, config: unknown, graphVersion: string): string {
  return crypto.createHash('sha256').update(JSON.stringify({ checkpointHash, config, graphVersion })).digest('hex').slice(0, 32);
}

export interface CachedGraph {
  /** the model file to load (its external data sits beside it) */
  file: string;
  /** true when this call built and wrote the graph; false when it was already on disk */
  compiled: boolean;
  /** set when the folder asked for could not be written and another was used */
  cacheNote?: string;
}

/**
 * Returns the cached graph for `key` under `dir`, building it with `build()` only when absent.
 * Writes into a temporary folder and renames it, so a crash never leaves a half-written graph.
 */
export function compileOrLoad(dir: string, key: string, build: () => GraphBuilder, metadata: Record<string, string> = {}): CachedGraph {
  const folder = path.join(dir, key);
  const file = path.join(folder, 'model.onnx');
  const whole = () => fs.existsSync(file) && fs.existsSync(`${file}.data`);
  if (whole()) return { file, compiled: false };
  let tmp: string;
  try {
    fs.mkdirSync(dir, { recursive: true });
    tmp = fs.mkdtempSync(path.join(dir, `.tmp-${key}-`));
  } catch (e) {
    // a cache folder that cannot be written (a read-only install, the default relative to a working
    // directory that is not ours): the graphs go to the system's temp folder instead of failing
    const fallback = path.join(os.tmpdir(), 'narflow-onnx-cache');
    if (path.resolve(dir) === path.resolve(fallback)) throw e;
    return { ...compileOrLoad(fallback, key, build, metadata), cacheNote: `cannot write ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); compiled graphs cached in ${fallback}` };
  }
  try {
    build().writeFiles(path.join(tmp, 'model.onnx'), { metadata: { ...metadata, cacheKey: key } });
    // Another process (a second server, a test worker) may have stored the same graph meanwhile
    // and be loading it: its folder stays, and this copy goes. Only a folder without a whole graph
    // in it (not written by this cache) is replaced.
    if (!whole()) {
      if (fs.existsSync(folder)) fs.rmSync(folder, { recursive: true, force: true });
      fs.renameSync(tmp, folder);
    }
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    // the rename lost the race to another process storing the same graph: use its copy
    if (whole()) return { file, compiled: true };
    throw e;
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  return { file, compiled: true };
}

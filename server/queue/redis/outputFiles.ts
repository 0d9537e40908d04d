// Output files travel from a worker to the server through Redis: the worker stores the bytes of
// each file its output nodes report in a per-prompt hash before it publishes the `executed` event;
// the server writes them into its own output/temp folders (under workers/<name>/) and deletes them.
// File references in UI results are {filename, subfolder, type} objects (ComfyUI's convention).
import * as fs from 'fs';
import * as path from 'path';
import type { Redis } from 'ioredis';
import type { HostPaths, Logger, UiResult } from '../../engine/nodeApi';
import { resolveInside } from '../../http/safePath';
import type { RedisNames } from './names';

export interface FileRef {
  filename: string;
  subfolder: string;
  type: 'output' | 'temp';
}

/** Worker outputs live under <output>/workers/<worker name>/ on the server. */
export const WORKER_OUTPUT_ROOT = 'workers';

/** Uploaded files are kept this long when no server picks them up. */
const FILE_TTL_S = 7 * 24 * 3600;

function isFileRef(v: unknown): v is FileRef {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return typeof r.filename === 'string' && typeof r.subfolder === 'string' && (r.type === 'output' || r.type === 'temp');
}

/** Every file reference in a UI result (in arrays under any key). */
export function fileRefs(ui: UiResult): FileRef[] {
  return Object.values(ui).flatMap((v) => (Array.isArray(v) ? v.filter(isFileRef) : []));
}

/** A copy of the UI result with `prefix/` put before every file reference's subfolder. */
export function prefixFileRefs(ui: UiResult, prefix: string): UiResult {
  if (!prefix) return ui;
  const out: UiResult = {};
  for (const [k, v] of Object.entries(ui)) {
    out[k] = Array.isArray(v) ? v.map((x) => (isFileRef(x) ? { ...x, subfolder: x.subfolder ? `${prefix}/${x.subfolder}` : prefix } : x)) : v;
  }
  return out;
}

const fieldOf = (r: FileRef) => JSON.stringify([r.type, r.subfolder, r.filename]);

/** Worker side: stores the files of a UI result in Redis under the names the server will use. */
export class OutputUploader {
  constructor(
    private readonly redis: Redis,
    private readonly names: RedisNames,
    /** The worker's own folders (where its nodes wrote the files). */
    private readonly paths: HostPaths,
    /** Subfolder on the server, e.g. 'workers/gpu-1'. */
    private readonly prefix: string,
    private readonly log: Logger,
    private readonly maxFileBytes = 256 * 1024 * 1024,
  ) {}

  /** Uploads the files of `ui`, returns `ui` with its references pointing at the server's copies. */
  async upload(promptId: string, ui: UiResult): Promise<UiResult> {
    const moved = prefixFileRefs(ui, this.prefix);
    const pairs: (string | Buffer)[] = [];
    const local = fileRefs(ui);
    fileRefs(moved).forEach((target, i) => {
      const src = local[i];
      let file: string;
      try {
        file = resolveInside(this.paths[src.type], src.subfolder, src.filename);
      } catch (e) {
        this.log.warn(`output ${src.filename} not uploaded: ${(e as Error).message}`);
        return;
      }
      if (!fs.existsSync(file)) return void this.log.warn(`output ${file} not uploaded: the file does not exist`);
      const size = fs.statSync(file).size;
      if (size > this.maxFileBytes) return void this.log.warn(`output ${file} not uploaded: ${size} bytes is over the ${this.maxFileBytes}-byte limit`);
      pairs.push(fieldOf(target), fs.readFileSync(file));
    });
    if (pairs.length) await this.redis.multi().hset(this.names.files(promptId), ...pairs).expire(this.names.files(promptId), FILE_TTL_S).exec();
    return moved;
  }
}

/** Server side: writes uploaded files into the server's folders. */
export class OutputReceiver {
  constructor(
    private readonly redis: Redis,
    private readonly names: RedisNames,
    private readonly paths: HostPaths,
    private readonly log: Logger,
  ) {}

  /** Stores the files uploaded for a prompt; returns how many. */
  async receive(promptId: string): Promise<number> {
    const key = this.names.files(promptId);
    const all = await this.redis.hgetallBuffer(key);
    let n = 0;
    for (const [field, bytes] of Object.entries(all)) {
      try {
        const [type, subfolder, filename] = JSON.parse(field) as [FileRef['type'], string, string];
        if (type !== 'output' && type !== 'temp') throw new Error(`unknown folder type ${JSON.stringify(type)}`);
        if (subfolder.split('/')[0] !== WORKER_OUTPUT_ROOT) throw new Error(`${JSON.stringify(subfolder)} is not under ${WORKER_OUTPUT_ROOT}/`);
        const file = resolveInside(this.paths[type], subfolder, filename);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const same = fs.existsSync(file) && fs.statSync(file).size === bytes.length && fs.readFileSync(file).equals(bytes);
        if (!same) fs.writeFileSync(file, bytes);
        n++;
      } catch (e) {
        this.log.warn(`an uploaded output of prompt ${promptId} was refused: ${(e as Error).message}`);
      }
      await this.redis.hdel(key, field);
    }
    return n;
  }

  /** Stores files left in Redis by prompts that finished while no server was listening. */
  async sweep(): Promise<number> {
    let cursor = '0';
    let n = 0;
    const head = this.names.files('');
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', this.names.filesPattern, 'COUNT', 200);
      cursor = next;
      for (const k of keys) n += await this.receive(k.slice(head.length));
    } while (cursor !== '0');
    return n;
  }
}

// Input files travel from the server to workers through Redis: when a prompt is queued, every
// string constant naming a file in the server's input folder (an uploaded image for LoadImage)
// is stored once by content hash; before a worker runs the prompt it writes any such file it
// lacks (or holds a different version of) into its own input folder.
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { Redis } from 'ioredis';
import type { Logger } from '../../engine/nodeApi';
import type { ApiWorkflow } from '../../engine/workflow/schema';
import { resolveInside } from '../../http/safePath';
import type { RedisNames } from './names';

/** Relative input path → sha256 of its content. */
export type InputManifest = Record<string, string>;

const INPUT_TTL_S = 7 * 24 * 3600;
const MAX_INPUT_BYTES = 64 * 1024 * 1024;

/** The input file a constant names, or undefined. */
function inputFile(inputDir: string, value: string): string | undefined {
  if (!value || value.length > 500 || !/\.\w{1,8}$/.test(value)) return undefined;
  const rel = value.replace(/\\/g, '/');
  try {
    const file = resolveInside(inputDir, path.posix.dirname(rel) === '.' ? '' : path.posix.dirname(rel), path.posix.basename(rel));
    return fs.existsSync(file) && fs.statSync(file).isFile() ? file : undefined;
  } catch {
    return undefined;
  }
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Server side: stores the input files a prompt names; returns the manifest for the job. */
export async function shareInputs(redis: Redis, names: RedisNames, prompt: ApiWorkflow, inputDir: string): Promise<InputManifest> {
  const manifest: InputManifest = {};
  for (const node of Object.values(prompt)) {
    for (const v of Object.values(node.inputs)) {
      if (typeof v !== 'string' || manifest[v]) continue;
      const file = inputFile(inputDir, v);
      if (!file || fs.statSync(file).size > MAX_INPUT_BYTES) continue;
      const bytes = fs.readFileSync(file);
      const hash = sha256(bytes);
      await redis.set(names.input(hash), bytes, 'EX', INPUT_TTL_S);
      manifest[v] = hash;
    }
  }
  return manifest;
}

/** Worker side: makes the worker's input folder hold the files of the manifest. Returns how many it wrote. */
export async function receiveInputs(redis: Redis, names: RedisNames, manifest: InputManifest, inputDir: string, log: Logger): Promise<number> {
  let written = 0;
  for (const [rel, hash] of Object.entries(manifest)) {
    const clean = rel.replace(/\\/g, '/');
    let file: string;
    try {
      file = resolveInside(inputDir, path.posix.dirname(clean) === '.' ? '' : path.posix.dirname(clean), path.posix.basename(clean));
    } catch (e) {
      log.warn(`input ${JSON.stringify(rel)} refused: ${(e as Error).message}`);
      continue;
    }
    if (fs.existsSync(file) && sha256(fs.readFileSync(file)) === hash) continue;
    const bytes = await redis.getBuffer(names.input(hash));
    if (!bytes) {
      log.warn(`input ${rel} is no longer in Redis (expired); the node reading it will report it missing`);
      continue;
    }
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, bytes);
    written++;
  }
  return written;
}

// GET /api/view (files of the output, input and temp folders only) and POST /api/upload/image.
import express, { Router } from 'express';
import * as fs from 'fs';
import * as path from 'path';
import type { UploadResponse } from '../../api/protocol';
import { declaredSize, oversizeReason } from '../../../models/image/dimensions';
import type { HostPaths } from '../../engine/nodeApi';
import { badRequest, HttpError, notFound } from '../httpError';
import { boundaryOf, imageKind, parseMultipart } from '../multipart';
import { checkRequestPath, checkUploadName, resolveInside } from '../safePath';
import { asyncRoute } from './asyncRoute';

const FOLDER_TYPES = ['output', 'input', 'temp'] as const;
// .gif and .apng are videos for LoadVideo (nodes/nar/loadVideo.ts); a .png may be either.
const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg', '.webp', '.gif', '.apng']);

function queryString(v: unknown, name: string, dflt: string): string {
  if (v === undefined) return dflt;
  if (typeof v !== 'string') throw badRequest(`query parameter '${name}' must be given once as a string`);
  return v;
}

/** A free name in dir: "name.png", else "name (1).png", "name (2).png", ... */
/**
 * The name an upload is stored under: the file of that name (or of a renamed copy, "name (1).png",
 * …) that already holds the same bytes, as ComfyUI reuses one — dropping the same picture twice
 * selects the same file — else the first free name. `existing`: nothing needs writing.
 */
function uploadName(dir: string, filename: string, data: Buffer): { name: string; existing: boolean } {
  const ext = path.extname(filename);
  const stem = filename.slice(0, filename.length - ext.length);
  for (let i = 0; ; i++) {
    const candidate = i === 0 ? filename : `${stem} (${i})${ext}`;
    const file = path.join(dir, candidate);
    let size: number;
    try {
      size = fs.statSync(file).size;
    } catch {
      return { name: candidate, existing: false };
    }
    if (size === data.length && fs.readFileSync(file).equals(data)) return { name: candidate, existing: true };
  }
}

/**
 * Why a picture's bytes are cut short, or undefined: a PNG without its IEND chunk, a WebP shorter
 * than its RIFF header says. (JPEG and GIF are left to the decoders: phones append data after a
 * JPEG's end marker, and a GIF's trailer byte may stand anywhere near its end.)
 */
function truncation(kind: string, data: Buffer): string | undefined {
  if (kind === 'png' && data.lastIndexOf('IEND', undefined, 'latin1') < 8) return 'a PNG without its IEND chunk';
  if (kind === 'webp' && data.readUInt32LE(4) + 8 > data.length) return `a WebP of ${data.length} bytes whose header says ${data.readUInt32LE(4) + 8}`;
  return undefined;
}

/** Free space an upload must leave on the input folder's disk by default (uploads may not fill it). */
export const UPLOAD_MIN_FREE_BYTES = 256 * 1024 * 1024;

/** Why writing `bytes` more into `dir` is refused for the disk's free space, or undefined. */
function diskRefusal(dir: string, bytes: number, minFree: number): string | undefined {
  let free: number;
  try {
    const s = fs.statfsSync(dir);
    free = s.bavail * s.bsize;
  } catch {
    return undefined; // no statfs here: the write itself reports a full disk
  }
  if (free - bytes >= minFree) return undefined;
  return `the server's disk is nearly full: ${Math.floor(free / 1048576)} MiB free, and uploads leave at least ${Math.floor(minFree / 1048576)} MiB; delete files from the input folder or free space`;
}

export function fileRoutes(paths: HostPaths, uploadLimitBytes: number, uploadMinFreeBytes = UPLOAD_MIN_FREE_BYTES): Router {
  const r = Router();

  r.get('/view', (req, res, next) => {
    try {
      const type = queryString(req.query.type, 'type', 'output');
      if (!(FOLDER_TYPES as readonly string[]).includes(type)) throw badRequest(`type must be one of ${FOLDER_TYPES.join(', ')}, got ${JSON.stringify(type)}`);
      const filename = queryString(req.query.filename, 'filename', '');
      const subfolder = queryString(req.query.subfolder, 'subfolder', '');
      const root = paths[type as (typeof FOLDER_TYPES)[number]];
      const full = resolveInside(root, subfolder, filename);
      const real = fs.existsSync(full) ? fs.realpathSync(full) : undefined;
      if (!real || !fs.statSync(real).isFile()) throw notFound(`no file ${JSON.stringify(path.join(subfolder, filename))} in ${type}`);
      // Symlinks must not lead out of the folder either.
      const rel = path.relative(fs.realpathSync(root), real);
      if (rel.startsWith('..') || path.isAbsolute(rel)) throw badRequest(`${JSON.stringify(filename)} resolves outside the ${type} folder`);
      // a file shown in a tab runs no script, whatever its type (an .svg or .html a node wrote)
      res.sendFile(real, { dotfiles: 'allow', headers: { 'Cache-Control': 'no-cache', 'Content-Security-Policy': "sandbox; frame-ancestors 'self'" } }, (err) => err && next(err));
    } catch (e) {
      next(e);
    }
  });

  r.post(
    '/upload/image',
    express.raw({ type: 'multipart/form-data', limit: uploadLimitBytes }),
    asyncRoute(async (req, res) => {
      const body = req.body as unknown;
      if (!Buffer.isBuffer(body)) throw badRequest('expected a multipart/form-data body with an "image" file field');
      const parts = parseMultipart(body, boundaryOf(req.headers['content-type']));
      const image = parts.find((p) => p.name === 'image' && p.filename !== undefined);
      if (!image) throw badRequest(`no "image" file field in the upload (fields: ${parts.map((p) => p.name).join(', ') || 'none'})`);
      const field = (n: string) => parts.find((p) => p.name === n && p.filename === undefined)?.data.toString('utf8');
      const type = field('type') ?? 'input';
      if (type !== 'input') throw badRequest(`uploads go to the input folder only, got type ${JSON.stringify(type)}`);
      const subfolder = field('subfolder') ?? '';
      const filename = image.filename ?? '';
      checkRequestPath('filename', filename, false);
      checkRequestPath('subfolder', subfolder, true);
      checkUploadName(subfolder, filename);
      if (!IMAGE_EXT.has(path.extname(filename).toLowerCase())) {
        throw badRequest(`file ${JSON.stringify(filename)} must end in ${[...IMAGE_EXT].join(', ')}`);
      }
      const kind = imageKind(image.data);
      if (!kind) throw new HttpError(415, 'bad_request', `file ${JSON.stringify(filename)} is not a PNG, JPEG, WebP or GIF image (bad magic bytes)`);
      const cut = truncation(kind, image.data);
      if (cut) throw badRequest(`file ${JSON.stringify(filename)} is cut short: ${cut} (was the upload or the file itself interrupted?)`);
      // a small file may declare a canvas that takes gigabytes to decode: refused before it is stored
      const tooBig = oversizeReason(declaredSize(image.data, kind), `file ${JSON.stringify(filename)}`);
      if (tooBig) throw new HttpError(413, 'payload_too_large', tooBig);
      const dir = path.dirname(resolveInside(paths.input, subfolder, filename));
      fs.mkdirSync(dir, { recursive: true });
      const { name, existing } = field('overwrite') === 'true' ? { name: filename, existing: false } : uploadName(dir, filename, image.data);
      if (!existing) {
        const full = diskRefusal(dir, image.data.length, uploadMinFreeBytes);
        if (full) throw new HttpError(507, 'insufficient_storage', full);
        fs.writeFileSync(resolveInside(paths.input, subfolder, name), image.data);
      }
      const out: UploadResponse = { name, subfolder, type: 'input' };
      res.json(out);
    }),
  );
  return r;
}

// Paths taken from requests: normalised, checked to stay inside their folder, or refused.
import * as path from 'path';
import { HttpError } from './httpError';

function refuse(what: string, value: string, why: string): HttpError {
  return new HttpError(400, 'bad_request', `${what} ${JSON.stringify(value)} refused: ${why}`);
}

/** Checks one name component taken from a request (a filename or a subfolder path). */
export function checkRequestPath(what: string, value: string, allowSeparators: boolean): void {
  if (value.includes('\0')) throw refuse(what, value, 'contains a NUL byte');
  let decoded = value;
  try {
    for (let i = 0; i < 3 && /%[0-9a-f]{2}/i.test(decoded); i++) decoded = decodeURIComponent(decoded);
  } catch {
    throw refuse(what, value, 'bad percent-encoding');
  }
  for (const v of [value, decoded]) {
    if (path.isAbsolute(v) || path.win32.isAbsolute(v) || /^[a-zA-Z]:/.test(v)) throw refuse(what, value, 'absolute paths are not allowed');
    const parts = v.split(/[\\/]+/);
    if (parts.some((p) => p === '..')) throw refuse(what, value, "'..' is not allowed");
    if (!allowSeparators && parts.length > 1) throw refuse(what, value, 'must be a plain file name');
  }
}

/** Bytes one file or folder name may have (ext4, APFS, NTFS: 255). */
export const MAX_NAME_BYTES = 255;
/** Folders deep an upload may go: the input lists (LoadImage, LoadVideo) show files no deeper. */
export const MAX_UPLOAD_DEPTH = 2;

/**
 * The stricter rules for a name an upload creates (after checkRequestPath): each part of
 * subfolder/filename at most MAX_NAME_BYTES, no control characters nor bidirectional-text
 * controls (a name that displays as another: '\u202eevil\u202dgnp.png'), not hidden (a leading
 * '.' keeps it out of every list), no empty or '.' parts, at most MAX_UPLOAD_DEPTH folders deep.
 */
export function checkUploadName(subfolder: string, filename: string): void {
  if (subfolder.includes('\\')) throw refuse('subfolder', subfolder, "uses '\\': separate folders with '/'");
  const parts = subfolder ? subfolder.split('/') : [];
  for (const [what, name] of [...parts.map((p): [string, string] => ['subfolder', p]), ['filename', filename] as [string, string]]) {
    const shown = what === 'filename' ? filename : subfolder;
    if (name === '' || name === '.') throw refuse(what, shown, "has an empty or '.' part");
    if (Buffer.byteLength(name) > MAX_NAME_BYTES) throw refuse(what, shown, `a name is ${Buffer.byteLength(name)} bytes long, more than the ${MAX_NAME_BYTES} a file system takes`);
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/.test(name)) throw refuse(what, shown, 'contains control or bidirectional-text characters');
    if (name.startsWith('.')) throw refuse(what, shown, "starts with '.', which would hide it from every list");
  }
  if (parts.length > MAX_UPLOAD_DEPTH) throw refuse('subfolder', subfolder, `is ${parts.length} folders deep, more than the ${MAX_UPLOAD_DEPTH} the input lists show`);
}

/** Resolves root/subfolder/filename, guaranteeing the result is inside root. */
export function resolveInside(root: string, subfolder: string, filename: string): string {
  checkRequestPath('subfolder', subfolder, true);
  checkRequestPath('filename', filename, false);
  if (!filename) throw new HttpError(400, 'bad_request', 'filename is empty');
  const base = path.resolve(root);
  const full = path.resolve(base, subfolder, filename);
  const rel = path.relative(base, full);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) throw refuse('path', path.join(subfolder, filename), 'resolves outside its folder');
  return full;
}

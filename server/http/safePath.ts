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

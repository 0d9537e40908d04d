// JSON request bodies, parsed whatever their Content-Type, as ComfyUI does: its own example
// scripts post JSON as application/x-www-form-urlencoded (urllib) and browsers' fetch() without
// headers posts it as text/plain. Multipart bodies (uploads) are left to their routes.
import express, { type RequestHandler } from 'express';
import { badRequest } from './httpError';

function isMultipart(contentType: string | undefined): boolean {
  return /^\s*multipart\//i.test(contentType ?? '');
}

/** Describes a parsed JSON value for an error message: "null", "an array", "a number". */
function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

/**
 * Parses every non-multipart body as JSON (at most `limit`, express syntax) and refuses one that
 * is not a JSON object: every JSON route takes an object. An empty body reads as {}.
 */
export function jsonBody(limit: string): RequestHandler[] {
  const parse = express.json({ limit, strict: false, type: (req) => !isMultipart(req.headers['content-type']) });
  const requireObject: RequestHandler = (req, _res, next) => {
    const b: unknown = req.body;
    if (isMultipart(req.headers['content-type']) || (typeof b === 'object' && b !== null && !Array.isArray(b))) return next();
    next(badRequest(`the request body must be a JSON object {...}, got ${kindOf(b)}`));
  };
  return [parse, requireObject];
}

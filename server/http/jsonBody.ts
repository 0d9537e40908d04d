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
 * How deep a request body may nest. Workflows, subgraphs inside subgraphs included, stay far
 * below; a deeper body (a few bytes per level: '[[[[…') overflowed the stack of the code that walks
 * it, answering 500 after the work of parsing megabytes.
 */
export const MAX_JSON_DEPTH = 256;

/** Whether `v` nests more than `limit` arrays/objects deep (walked without recursion). */
export function nestsDeeper(v: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length) {
    const [x, depth] = stack.pop()!;
    if (typeof x !== 'object' || x === null) continue;
    if (depth + 1 > limit) return true;
    for (const child of Array.isArray(x) ? x : Object.values(x)) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Parses every non-multipart body as JSON (at most `limit`, express syntax) and refuses one that
 * is not a JSON object (every JSON route takes an object) or that nests deeper than
 * MAX_JSON_DEPTH. An empty body reads as {}.
 */
export function jsonBody(limit: string): RequestHandler[] {
  const parse = express.json({ limit, strict: false, type: (req) => !isMultipart(req.headers['content-type']) });
  const requireObject: RequestHandler = (req, _res, next) => {
    const b: unknown = req.body;
    if (isMultipart(req.headers['content-type'])) return next();
    if (!(typeof b === 'object' && b !== null && !Array.isArray(b))) return next(badRequest(`the request body must be a JSON object {...}, got ${kindOf(b)}`));
    if (nestsDeeper(b, MAX_JSON_DEPTH)) return next(badRequest(`the request body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep`));
    next();
  };
  return [parse, requireObject];
}

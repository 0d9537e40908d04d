// The one error type of the HTTP boundary, mapped to a JSON response in one place.
import { randomBytes } from 'crypto';
import type { ErrorRequestHandler } from 'express';
import type { ErrorResponse, ErrorType } from '../api/protocol';
import type { Logger } from '../engine/nodeApi';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly type: ErrorType,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string) => new HttpError(400, 'bad_request', message);
export const notFound = (message: string) => new HttpError(404, 'not_found', message);

/** express error handler: HttpError → its status; body-parser errors → 400 (not JSON) / 413; anything else → 500. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    let status = 500;
    let body: ErrorResponse & Record<string, unknown>;
    if (err instanceof HttpError) {
      status = err.status;
      body = { error: { type: err.type, message: err.message }, ...err.extra };
    } else if (err && typeof err === 'object' && (err as { type?: string }).type === 'entity.too.large') {
      status = 413;
      body = { error: { type: 'payload_too_large', message: `request body over the limit of ${(err as { limit?: number }).limit} bytes` } };
    } else if (err && typeof err === 'object' && (err as { type?: string }).type === 'entity.parse.failed') {
      status = 400;
      body = { error: { type: 'bad_request', message: `the request body is not JSON: ${(err as Error).message}` } };
    } else if (err && typeof err === 'object' && typeof (err as { status?: number }).status === 'number' && (err as { status: number }).status < 500) {
      status = (err as { status: number }).status;
      body = { error: { type: 'bad_request', message: (err as Error).message } };
    } else {
      // the message may name the server's files (absolute paths) or its internals: it goes to the
      // log, and the client gets a reference to it
      const ref = randomBytes(4).toString('hex');
      log.error(`request failed (ref ${ref}): ${(err as Error)?.stack ?? String(err)}`);
      body = { error: { type: 'internal_error', message: `internal error; the server's log has the details (ref ${ref})` } };
    }
    if (res.headersSent) return;
    res.status(status).json(body);
  };
}

// Bind and token rules: loopback by default; a non-loopback bind needs a token; with a token every
// /api request needs `Authorization: Bearer <token>` (or ?token= for <img src> GETs) and every
// socket.io connection `auth: {token}`.
import { createHash, timingSafeEqual } from 'crypto';
import type { RequestHandler } from 'express';
import { HttpError } from './httpError';

export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1';
}

export class BindRefused extends Error {
  constructor(host: string) {
    super(`refusing to listen on ${host} without a token: a non-loopback address needs --token (or bind 127.0.0.1)`);
    this.name = 'BindRefused';
  }
}

/** Throws BindRefused for a non-loopback host without a token. */
export function checkBind(host: string, token: string | undefined): void {
  if (!isLoopbackHost(host) && !token) throw new BindRefused(host);
}

/** Compares digests in constant time, so neither the token's bytes nor its length show in the timing. */
export function tokenMatches(expected: string, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(expected), digest(given));
}

export function bearerOf(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  return m ? m[1].trim() : undefined;
}

export function requireToken(token: string | undefined): RequestHandler {
  return (req, _res, next) => {
    if (!token) return next();
    const given = bearerOf(req.headers.authorization) ?? (req.method === 'GET' ? req.query.token : undefined);
    if (tokenMatches(token, given)) return next();
    next(new HttpError(401, 'unauthorized', 'missing or wrong token: send Authorization: Bearer <token>'));
  };
}

// Cross-site protection for a server without a token. Such a server listens on loopback only, but
// a browser on the same machine reaches loopback for any web page: a page on another site could
// POST a prompt (fetch with a text/plain body needs no preflight, and the JSON routes parse any
// Content-Type), open the WebSockets (not subject to CORS) and read every event, or point its own
// domain at 127.0.0.1 (DNS rebinding) and then read the API as same-origin. So, without a token:
//  - the Host header must name loopback (localhost, 127.x.x.x, [::1]): a rebound domain is refused;
//  - an Origin header, when sent, must be this server's own origin (as ComfyUI's origin check does,
//    and for every Host, not only loopback ones), and Sec-Fetch-Site must not be cross-site;
// for the API routes and both WebSocket endpoints (the editor's static files are public).
// With a token none of this applies: a page elsewhere cannot know it, and the browser sends no
// ambient credential (the editor keeps its token in the tab, not in a cookie).
import type { IncomingHttpHeaders } from 'http';
import type { RequestHandler } from 'express';
import { isLoopbackHost } from './auth';
import { HttpError } from './httpError';

const WITH_TOKEN = 'start the server with --token to reach it from elsewhere';

function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** The authority (host[:port]) of a Host header, normalised as URLs do, or undefined if malformed. */
function authorityOf(host: string): { host: string; hostname: string } | undefined {
  if (!host || /[\s/?#@\\]/.test(host)) return undefined;
  try {
    const u = new URL(`http://${host}`);
    return { host: u.host, hostname: u.hostname };
  } catch {
    return undefined;
  }
}

/** Why a request whose Host names another machine is refused, or undefined (used for every request). */
export function hostRefusal(headers: IncomingHttpHeaders, token: string | undefined): string | undefined {
  if (token) return undefined;
  const host = one(headers.host);
  if (host === undefined) return undefined; // not a browser (HTTP/1.0 clients may omit it)
  const a = authorityOf(host);
  if (!a) return `malformed Host header ${JSON.stringify(host)}`;
  if (!isLoopbackHost(a.hostname)) {
    return (
      `Host ${JSON.stringify(host)} refused: a server without a token answers only to localhost, 127.0.0.1 or [::1] ` +
      `(another name may be a web page's domain pointed at this machine); ${WITH_TOKEN}`
    );
  }
  return undefined;
}

/** Why a request sent by a page of another site is refused, or undefined (API routes and WebSockets). */
export function crossSiteRefusal(headers: IncomingHttpHeaders, token: string | undefined): string | undefined {
  if (token) return undefined;
  const byHost = hostRefusal(headers, token);
  if (byHost) return byHost;
  const origin = one(headers.origin);
  const host = one(headers.host);
  if (origin !== undefined) {
    let originHost: string | undefined;
    try {
      const u = new URL(origin);
      originHost = /^https?:$/.test(u.protocol) ? u.host : undefined;
    } catch {
      originHost = undefined;
    }
    const own = host === undefined ? undefined : authorityOf(host)?.host;
    if (!originHost || originHost !== own) {
      return `cross-origin request refused: Origin ${JSON.stringify(origin)} is not this server's (Host ${JSON.stringify(host ?? '')}); a page of another site cannot drive a server without a token; ${WITH_TOKEN}`;
    }
  }
  if (one(headers['sec-fetch-site']) === 'cross-site') {
    return `cross-site request refused (Sec-Fetch-Site: cross-site): a page of another site cannot drive a server without a token; ${WITH_TOKEN}`;
  }
  return undefined;
}

/** express: 403 for a rebound Host on every route. */
export function requireLoopbackHost(token: string | undefined): RequestHandler {
  return (req, _res, next) => {
    const why = hostRefusal(req.headers, token);
    next(why ? new HttpError(403, 'forbidden', why) : undefined);
  };
}

/** express: 403 for requests from pages of other sites (mount on the API). */
export function requireSameOrigin(token: string | undefined): RequestHandler {
  return (req, _res, next) => {
    const why = crossSiteRefusal(req.headers, token);
    next(why ? new HttpError(403, 'forbidden', why) : undefined);
  };
}

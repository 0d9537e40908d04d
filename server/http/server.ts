// The HTTP + socket.io server over a Host.
import express from 'express';
import * as http from 'http';
import type { AddressInfo } from 'net';
import type { Host } from '../host/host';
import { checkBind, requireToken } from './auth';
import { crossSiteRefusal, requireLoopbackHost, requireSameOrigin } from './origin';
import { errorHandler, notFound } from './httpError';
import { jsonBody } from './jsonBody';
import { fileRoutes } from './routes/fileRoutes';
import { infoRoutes } from './routes/infoRoutes';
import { promptRoutes } from './routes/promptRoutes';
import { runRoutes } from './routes/runRoutes';
import { workflowRoutes } from './routes/workflowRoutes';
import { attachComfyWs, type ComfyWsLayer } from './comfyWs';
import { attachSocket, SocketLayer } from './socket';
import { staticUi } from './staticUi';

export interface ServerOptions {
  host?: string;
  port?: number;
  token?: string;
  /** JSON body limit (express syntax). */
  bodyLimit?: string;
  uploadLimitBytes?: number;
  /** socket.io clients, and /ws clients, connected at once (default 1000 each). */
  maxSocketClients?: number;
  /** Free disk space an upload must leave (default 256 MiB), so uploads cannot fill the disk. */
  uploadMinFreeBytes?: number;
  /** The built editor folder, or why there is none. */
  ui?: { dir?: string; reason?: string };
}

export interface RunningServer {
  url: string;
  port: number;
  host: string;
  socket: SocketLayer;
  close(): Promise<void>;
}

/**
 * On every response: no Referer (the editor's address may hold ?token=, which a link or a resource
 * of another site would otherwise receive), no MIME sniffing, and no framing by pages of other
 * sites (a framed editor would take clicks meant for them: Queue, Clear).
 */
const securityHeaders: express.RequestHandler = (_req, res, next) => {
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'SAMEORIGIN');
  res.setHeader('Content-Security-Policy', "frame-ancestors 'self'");
  next();
};

/** Routes ComfyUI clients also call without the /api prefix. */
const COMFY_ROOT_ROUTES = /^\/(prompt|queue|interrupt|history|object_info|view|upload\/image|system_stats)(\/|$)/;

export function createApp(host: Host, opts: ServerOptions, hooks: { beforeQueue(promptId: string, clientId?: string): void }): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(securityHeaders);
  // without a token: no rebound Host anywhere, no request from another site's page to the API
  app.use(requireLoopbackHost(opts.token));
  const api = express.Router();
  api.use(requireSameOrigin(opts.token));
  api.use(requireToken(opts.token));
  // uploads read their multipart bodies themselves; every other route takes JSON
  api.use(fileRoutes(host.config.paths, opts.uploadLimitBytes ?? 32 * 1024 * 1024, opts.uploadMinFreeBytes));
  api.use(jsonBody(opts.bodyLimit ?? '8mb'));
  api.use(promptRoutes(host, hooks));
  api.use(infoRoutes(host));
  api.use(runRoutes(host, hooks));
  api.use(workflowRoutes(host.workflows));
  api.use((req, _res, next) => next(notFound(`no route ${req.method} /api${req.path}`)));
  // ComfyUI serves its API both under /api and at the root: clients written for it use either
  app.use((req, _res, next) => {
    if (COMFY_ROOT_ROUTES.test(req.path)) req.url = `/api${req.url}`;
    next();
  });
  app.use('/api', api);
  app.use(staticUi(opts.ui ?? { reason: 'no editor configured' }));
  app.use(errorHandler(host.config.log));
  return app;
}

/** Listens (127.0.0.1:8188 by default), starts the queue; refuses a non-loopback bind without a token. */
export async function startServer(host: Host, opts: ServerOptions = {}): Promise<RunningServer> {
  const bind = opts.host ?? '127.0.0.1';
  checkBind(bind, opts.token);
  let socket: SocketLayer | undefined;
  let comfy: ComfyWsLayer | undefined;
  const app = createApp(host, opts, {
    beforeQueue: (id, clientId) => {
      if (!clientId) return;
      socket?.subscribeClient(id, clientId);
      comfy?.track(id, clientId);
    },
  });
  const server = http.createServer(app);
  const status = async () => {
    const s = await host.queue.snapshot();
    return { queue_remaining: s.pending.length + s.running.length, running: s.running[0]?.id ?? null };
  };
  socket = attachSocket(server, host.bus, { token: opts.token, log: host.config.log, status, maxClients: opts.maxSocketClients });
  comfy = attachComfyWs(server, host.bus, { token: opts.token, log: host.config.log, status, maxClients: opts.maxSocketClients });
  const comfyLayer = comfy;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8188, bind, () => {
      server.off('error', reject);
      resolve();
    });
  });
  host.queue.start();
  const addr = server.address() as AddressInfo;
  const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const layer = socket;
  return {
    url: `http://${shown}:${addr.port}`,
    port: addr.port,
    host: addr.address,
    socket: layer,
    async close() {
      await layer.close();
      await comfyLayer.close();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

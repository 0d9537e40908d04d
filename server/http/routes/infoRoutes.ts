// /api/object_info, /api/system_stats, /api/models/:kind, /api/workflow_templates, /api/default_workflow.
import { Router } from 'express';
import * as os from 'os';
import type { SystemStatsResponse } from '../../api/protocol';
import type { Host } from '../../host/host';
import { defaultTemplateName, listModelFiles, listTemplates, readTemplate, templateDescriptions } from '../../host/templates';
import { badRequest, notFound } from '../httpError';
import { own } from '../../engine/workflow/ownProps';
import { asyncRoute } from './asyncRoute';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const VERSION = (require('../../../package.json') as { version: string }).version;

/**
 * The server's command line as system_stats shows it, secrets masked: the value of --token (or
 * --token=) and the password of any URL (a Redis URL's user:password@).
 */
export function shownArgv(argv: string[]): string[] {
  return argv.map((a, i) => {
    if (i > 0 && argv[i - 1] === '--token') return '***';
    if (a.startsWith('--token=')) return '--token=***';
    return a.replace(/(\/\/[^/@\s:]*):[^/@\s]*@/g, '$1:***@');
  });
}

export function infoRoutes(host: Host): Router {
  const r = Router();
  const { paths } = host.config;

  r.get('/object_info', (_req, res) => void res.json(host.objectInfo()));
  r.get('/object_info/:type', (req, res, next) => {
    const info = host.objectInfo();
    const entry = own(info, req.params.type);
    if (!entry) return next(notFound(`unknown node type ${JSON.stringify(req.params.type)}`));
    res.json({ [req.params.type]: entry });
  });

  r.get(
    '/system_stats',
    asyncRoute(async (_req, res) => {
      const s = await host.queue.snapshot();
      const out: SystemStatsResponse = {
        system: { os: process.platform, node_version: process.version, narflow_version: VERSION, ram_total: os.totalmem(), ram_free: os.freemem(), process_rss: process.memoryUsage().rss, process_heap_used: process.memoryUsage().heapUsed, argv: shownArgv(process.argv.slice(2)) },
        backend: host.config.backend,
        devices: [{ name: `${host.config.backend.name} (${os.cpus()[0]?.model ?? 'cpu'})`, type: host.config.backend.name, index: 0, vram_total: 0, vram_free: 0 }],
        queue: { remaining: s.pending.length, running: s.running.length },
      };
      res.json(out);
    }),
  );

  r.get('/models', (_req, res) => void res.json(Object.keys(paths.models).sort()));
  r.get('/models/:kind', (req, res, next) => {
    const kind = req.params.kind;
    if (!/^[\w-]{1,64}$/.test(kind)) return next(badRequest(`model kind must be letters, digits, '_' or '-', got ${JSON.stringify(kind)}`));
    const dirs = own(paths.models, kind);
    if (!dirs) return next(notFound(`no model kind ${JSON.stringify(kind)}; known kinds: ${Object.keys(paths.models).sort().join(', ') || 'none'}`));
    // a kind a pack's loaders read: what their COMBOs offer (loadable files only, no training side files)
    res.json(host.registry.modelList(kind, paths) ?? listModelFiles(dirs));
  });

  r.get('/workflow_templates', (_req, res) =>
    void res.json({
      templates: listTemplates(host.config.workflowsDir),
      default: defaultTemplateName(host.config.workflowsDir) ?? null,
      descriptions: templateDescriptions(host.config.workflowsDir),
    }),
  );
  r.get('/workflow_templates/:name', (req, res, next) => {
    try {
      const wf = readTemplate(host.config.workflowsDir, req.params.name, host.objectInfo());
      if (!wf) return next(notFound(`no workflow template ${JSON.stringify(req.params.name)}`));
      res.json(wf);
    } catch (e) {
      next(e);
    }
  });

  r.get('/default_workflow', (_req, res, next) => {
    try {
      const name = defaultTemplateName(host.config.workflowsDir);
      const wf = name && readTemplate(host.config.workflowsDir, name, host.objectInfo());
      if (!wf) return next(notFound(`no workflow templates in ${host.config.workflowsDir}`));
      res.json(wf);
    } catch (e) {
      next(e);
    }
  });
  return r;
}

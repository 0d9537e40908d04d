// Saved editor workflows: GET /api/workflows, GET|PUT|DELETE /api/workflows/:name (revisioned).
import { Router } from 'express';
import type { SaveWorkflowRequest } from '../../api/protocol';
import { parseEditorWorkflow, WorkflowFormatError } from '../../engine/workflow/convert';
import { RevisionConflict, WORKFLOW_NAME, WorkflowStore } from '../../store/workflowStore';
import { badRequest, HttpError, notFound } from '../httpError';

function checkName(name: string): string {
  if (!WORKFLOW_NAME.test(name)) throw badRequest(`workflow name must be 1–100 letters, digits, spaces, '.', '-' or '_' (not starting with '.'), got ${JSON.stringify(name)}`);
  return name;
}

export function workflowRoutes(store: WorkflowStore): Router {
  const r = Router();
  r.get('/workflows', (_req, res) => void res.json({ workflows: store.list() }));

  r.get('/workflows/:name', (req, res, next) => {
    try {
      const wf = store.get(checkName(req.params.name));
      if (!wf) throw notFound(`no saved workflow ${JSON.stringify(req.params.name)}`);
      res.json(wf);
    } catch (e) {
      next(e);
    }
  });

  r.put('/workflows/:name', (req, res, next) => {
    try {
      const name = checkName(req.params.name);
      const body = (req.body ?? {}) as SaveWorkflowRequest;
      if (body.revision !== undefined && !(Number.isInteger(body.revision) && body.revision >= 0)) {
        throw badRequest(`revision must be a non-negative integer, got ${JSON.stringify(body.revision)}`);
      }
      if (body.workflow === undefined) throw badRequest("the body has no 'workflow': expected {workflow: <editor-form workflow>, revision?: number}");
      let workflow;
      try {
        workflow = parseEditorWorkflow(body.workflow);
      } catch (e) {
        if (e instanceof WorkflowFormatError) throw badRequest(e.message);
        throw e;
      }
      res.json(store.put(name, workflow, body.revision ?? 0));
    } catch (e) {
      if (e instanceof RevisionConflict) {
        return next(new HttpError(409, 'conflict', e.message, { current_revision: e.currentRevision }));
      }
      next(e);
    }
  });

  r.delete('/workflows/:name', (req, res, next) => {
    try {
      if (!store.delete(checkName(req.params.name))) throw notFound(`no saved workflow ${JSON.stringify(req.params.name)}`);
      res.json({ ok: true });
    } catch (e) {
      next(e);
    }
  });
  return r;
}

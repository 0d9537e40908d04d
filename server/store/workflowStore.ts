// Saved editor workflows with a revision number: a write must name the revision it read, so a
// stale write (someone saved in between) is refused instead of silently overwriting.
import type { SavedWorkflow, SavedWorkflowInfo } from '../api/protocol';
import type { EditorWorkflow } from '../engine/workflow/schema';
import type { Db } from './database';

export class RevisionConflict extends Error {
  constructor(
    readonly name_: string,
    readonly currentRevision: number,
    readonly sentRevision: number,
  ) {
    super(`workflow '${name_}' is at revision ${currentRevision}, the write was based on revision ${sentRevision}`);
    this.name = 'RevisionConflict';
  }
}

/** Names are file-like: letters, digits, space, dot, dash, underscore; 1–100 chars, not starting with a dot. */
export const WORKFLOW_NAME = /^(?!\.)[\w .-]{1,100}$/;

export class WorkflowStore {
  constructor(private readonly db: Db) {}

  list(): SavedWorkflowInfo[] {
    return this.db.prepare('SELECT name, revision, updated_at FROM workflows ORDER BY name').all() as SavedWorkflowInfo[];
  }

  get(name: string): SavedWorkflow | undefined {
    const row = this.db.prepare('SELECT name, revision, workflow, updated_at FROM workflows WHERE name = ?').get(name) as
      | { name: string; revision: number; workflow: string; updated_at: number }
      | undefined;
    return row && { ...row, workflow: JSON.parse(row.workflow) as EditorWorkflow };
  }

  /** Creates (revision absent or 0) or updates (revision = current) a workflow; returns its new info. */
  put(name: string, workflow: EditorWorkflow, revision = 0): SavedWorkflowInfo {
    return this.db.transaction(() => {
      const cur = this.db.prepare('SELECT revision FROM workflows WHERE name = ?').get(name) as { revision: number } | undefined;
      const current = cur?.revision ?? 0;
      if (revision !== current) throw new RevisionConflict(name, current, revision);
      const info = { name, revision: current + 1, updated_at: Date.now() };
      this.db
        .prepare(
          'INSERT INTO workflows (name, revision, workflow, updated_at) VALUES (?, ?, ?, ?) ' +
            'ON CONFLICT(name) DO UPDATE SET revision = excluded.revision, workflow = excluded.workflow, updated_at = excluded.updated_at',
        )
        .run(name, info.revision, JSON.stringify(workflow), info.updated_at);
      return info;
    })();
  }

  delete(name: string): boolean {
    return this.db.prepare('DELETE FROM workflows WHERE name = ?').run(name).changes > 0;
  }
}

// Undo / redo and the tab's saved copy of the graph. After each gesture (pointer up, key up,
// click) and each editor action the graph is serialised and compared with the last state; a
// difference is one undo step. Panning and zooming (the view, `extra.ds`), bringing a node to the
// front and a node growing to fit its picture are not changes.
// Every new state is handed to `persist`, so a reload or a crashed tab loses nothing.
import type { EditorWorkflow } from '../../../server/api/protocol';

export interface ChangeTrackerDeps {
  serialize(): EditorWorkflow;
  /** The workflow's name now: an undo step puts it back with its graph (renaming alone is no step). */
  name?(): string;
  /** Puts a state back on the canvas (keeping the view), with the name it had. */
  restore(workflow: EditorWorkflow, name?: string): void;
  /** Keeps the current state (e.g. in localStorage). */
  persist(workflow: EditorWorkflow): void;
}

/** Undo steps kept. */
export const MAX_UNDO = 50;

/**
 * The graph without the view, the drawing order of its nodes (a click brings a node to the front,
 * which reorders them) and their sizes (the editor grows a node to fit the picture it shows): what
 * counts as a change.
 */
export function comparable(workflow: EditorWorkflow): string {
  const { extra, nodes, ...rest } = workflow as EditorWorkflow & { extra?: Record<string, unknown> };
  const { ds: _view, ...keptExtra } = extra ?? {};
  const byId = [...nodes]
    .sort((a, b) => String(a.id).localeCompare(String(b.id), undefined, { numeric: true }))
    .map(({ size: _size, ...node }) => node);
  return JSON.stringify({ ...rest, nodes: byId, ...(extra ? { extra: keptExtra } : {}) });
}

/** One undo step: the graph, and the workflow's name when it was taken. */
interface State {
  workflow: EditorWorkflow;
  name?: string;
}

export class ChangeTracker {
  private undoStack: State[] = [];
  private redoStack: State[] = [];
  private current: State | null = null;
  private currentKey = '';
  /** Called after every change of the stacks (e.g. to enable the toolbar's buttons). */
  onStacksChanged: () => void = () => {};
  /** Called when the graph changed: an edit (`cause` 'edit'), an undo or redo, or seeds a Queue moved on ('queue'). */
  onGraphChanged: (cause: 'edit' | 'undo' | 'queue') => void = () => {};

  constructor(
    private readonly d: ChangeTrackerDeps,
    private readonly maxUndo = MAX_UNDO,
  ) {}

  get canUndo(): boolean {
    return this.undoStack.length > 0;
  }

  get canRedo(): boolean {
    return this.redoStack.length > 0;
  }

  /**
   * Compares the graph with the last state; a difference becomes one undo step. True when it
   * changed. `cause` 'queue': the change is the seeds a Queue moved on.
   */
  check(cause: 'edit' | 'queue' = 'edit'): boolean {
    const now = this.d.serialize();
    const key = comparable(now);
    if (this.current !== null && key === this.currentKey) return false;
    if (this.current !== null) {
      this.undoStack.push(this.current);
      if (this.undoStack.length > this.maxUndo) this.undoStack.shift();
    }
    this.redoStack = [];
    const first = this.current === null;
    this.take(now, key);
    this.onStacksChanged();
    if (!first) this.onGraphChanged(cause);
    return true;
  }

  /** Saves the current state again (e.g. after the workflow was renamed). */
  persistCurrent(): void {
    if (!this.current) return;
    this.current.name = this.d.name?.();
    this.d.persist(this.current.workflow);
  }

  undo(): boolean {
    this.check(); // an edit not yet seen is a step of its own
    const previous = this.undoStack.pop();
    if (!previous) return false;
    if (this.current) this.redoStack.push(this.current);
    this.apply(previous);
    return true;
  }

  redo(): boolean {
    const next = this.redoStack.pop();
    if (!next) return false;
    if (this.current) this.undoStack.push(this.current);
    this.apply(next);
    return true;
  }

  private apply(state: State): void {
    this.d.restore(state.workflow, state.name);
    this.take(state.workflow);
    this.onStacksChanged();
    this.onGraphChanged('undo');
  }

  private take(workflow: EditorWorkflow, key = comparable(workflow)): void {
    this.current = { workflow, name: this.d.name?.() };
    this.currentKey = key;
    this.d.persist(workflow);
  }
}

/** Where a tab keeps its graph between reloads. */
export const SAVED_GRAPH_KEY = 'narflow-current-workflow';

export interface SavedGraph {
  name: string;
  workflow: EditorWorkflow;
  /** The server revision of `name` this graph was last loaded from or saved as (Save to server's check). */
  revision?: number;
}

/** Reads the saved graph; anything unreadable counts as none (and is left for inspection). */
export function readSavedGraph(storage: Pick<Storage, 'getItem'>): SavedGraph | null {
  try {
    const raw = storage.getItem(SAVED_GRAPH_KEY);
    if (!raw) return null;
    const v = JSON.parse(raw) as Partial<SavedGraph>;
    if (typeof v.name !== 'string' || !v.workflow || !Array.isArray((v.workflow as { nodes?: unknown }).nodes)) return null;
    return { name: v.name, workflow: v.workflow, ...(Number.isInteger(v.revision) ? { revision: v.revision } : {}) };
  } catch {
    return null;
  }
}

/** Saves the graph; false when the storage refused it (full or disabled). */
export function writeSavedGraph(storage: Pick<Storage, 'setItem'>, graph: SavedGraph): boolean {
  try {
    storage.setItem(SAVED_GRAPH_KEY, JSON.stringify(graph));
    return true;
  } catch {
    return false;
  }
}

// A readable form of the scores an output node reports (Evaluate images / videos, ShapeEval, a
// plugin's): `table` rows of {metric, value, note}, or a `metrics` object. The node and the queue
// panel show these as "label  value" lines instead of the JSON text the node also sends (which the
// CLI prints for scripts).
import type { UiResult } from '../../../server/api/protocol';

export interface ScoreRow {
  label: string;
  value: string;
}

export interface Scores {
  rows: ScoreRow[];
  /** Longer remarks (what the features are, what could not be scored), shown under the rows. */
  notes: string[];
}

/** A note this short goes on its row, after the value; a longer one goes under the rows. */
const SHORT_NOTE = 40;

/** A number to 4 significant digits (integers as they are); null: "—". */
export function formatScore(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return String(v);
    if (Number.isInteger(v)) return String(v);
    return Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3 ? v.toExponential(3) : v.toPrecision(4);
  }
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return String(v);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fromTable(table: Record<string, unknown>[]): Scores {
  const rows: ScoreRow[] = [];
  const notes: string[] = [];
  let lastNote = '';
  for (const r of table) {
    const note = typeof r.note === 'string' ? r.note.trim() : '';
    if ((r.value === null || r.value === undefined) && note) {
      notes.push(`${String(r.metric)}: ${note}`);
      continue;
    }
    let value = formatScore(r.value);
    if (note && note.length <= SHORT_NOTE) {
      if (note !== lastNote) value += `  ${note}`;
    } else if (note && !notes.includes(note)) notes.push(note);
    lastNote = note;
    rows.push({ label: String(r.metric), value });
  }
  return { rows, notes };
}

function fromObject(metrics: Record<string, unknown>): Scores {
  const rows: ScoreRow[] = [];
  const notes: string[] = [];
  const visit = (prefix: string, v: unknown): void => {
    if (typeof v === 'number' || typeof v === 'boolean' || v === null) rows.push({ label: prefix, value: formatScore(v) });
    else if (typeof v === 'string') {
      if (v.length <= SHORT_NOTE) rows.push({ label: prefix, value: v });
      else notes.push(v);
    } else if (isPlainObject(v)) for (const [k, x] of Object.entries(v)) visit(prefix ? `${prefix}.${k}` : k, x);
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) notes.push(...(v as string[]));
    // other arrays (per-item lists) are too long for a node: the JSON keeps them
  };
  visit('', metrics);
  return { rows, notes };
}

/**
 * The scores in an output node's UI result: its `table` when every row names a `metric`, else its
 * `metrics` object flattened (nested keys joined by "."); null when it reports neither.
 */
export function scoresOf(out: UiResult): Scores | null {
  const table = out.table;
  if (Array.isArray(table) && table.length && table.every((r) => isPlainObject(r) && 'metric' in r)) return fromTable(table as Record<string, unknown>[]);
  if (isPlainObject(out.metrics)) {
    const s = fromObject(out.metrics);
    if (s.rows.length) return s;
  }
  return null;
}

/** One line for a list (the queue panel): "label value · label value". */
export function scoresLine(s: Scores): string {
  return s.rows.map((r) => `${r.label} ${r.value}`).join(' · ');
}

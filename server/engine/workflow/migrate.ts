// Editor-form migrations: bring any earlier serialisation up to EDITOR_WORKFLOW_VERSION before
// the zod schema checks it. Pure (no Node imports).
import { EDITOR_WORKFLOW_VERSION } from './schema';

type Json = Record<string, unknown>;

/** One step: applies to workflows whose version is below `below`. */
interface Migration {
  below: number;
  describe: string;
  apply(wf: Json): void;
}

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** litegraph.js 0.7 wrote Float32Array positions as {"0": x, "1": y}. */
function vecFromObject(v: unknown): unknown {
  if (isObj(v) && '0' in v && '1' in v) return [Number(v['0']), Number(v['1'])];
  return v;
}

/** Link objects {id, origin_id, origin_slot, target_id, target_slot, type} → tuples. */
function linkToTuple(l: unknown): unknown {
  if (!isObj(l)) return l;
  return [l.id, l.origin_id, l.origin_slot, l.target_id, l.target_slot, l.type ?? '*'];
}

const MIGRATIONS: Migration[] = [
  {
    below: 0.4,
    describe: 'typed-array positions and sizes become [x, y] arrays',
    apply(wf) {
      for (const n of Array.isArray(wf.nodes) ? wf.nodes : []) {
        if (!isObj(n)) continue;
        n.pos = vecFromObject(n.pos);
        n.size = vecFromObject(n.size);
      }
      for (const g of Array.isArray(wf.groups) ? wf.groups : []) {
        if (isObj(g) && isObj(g.bounding)) g.bounding = Object.values(g.bounding).map(Number);
      }
    },
  },
];

/**
 * Returns a migrated deep copy of an editor-form workflow (never mutates its argument).
 * Handles: missing version (treated as 0.3), typed-array vectors, link objects (the
 * litegraph "schema 1" form with version 1) → tuples. Unknown future versions pass through.
 */
export function migrateEditorWorkflow(input: unknown): unknown {
  if (!isObj(input)) return input;
  const wf = JSON.parse(JSON.stringify(input)) as Json;
  // litegraph schema version 1 keeps links as objects; convert to the 0.4 tuple form.
  if (Array.isArray(wf.links) && wf.links.some(isObj)) {
    wf.links = wf.links.map(linkToTuple);
    if (typeof wf.version === 'number' && wf.version >= 1) wf.version = EDITOR_WORKFLOW_VERSION;
  }
  let version = typeof wf.version === 'number' ? wf.version : 0.3;
  for (const m of MIGRATIONS) {
    if (version < m.below) {
      m.apply(wf);
      version = m.below;
    }
  }
  // Vectors may still be objects in files that claim the current version.
  MIGRATIONS[0].apply(wf);
  wf.version = Math.max(version, EDITOR_WORKFLOW_VERSION);
  if (wf.links === undefined) wf.links = [];
  return wf;
}

export function migrationSteps(): { below: number; describe: string }[] {
  return MIGRATIONS.map(({ below, describe }) => ({ below, describe }));
}

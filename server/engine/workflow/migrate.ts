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
  const schema1 = typeof wf.version === 'number' && wf.version >= 1;
  if ((Array.isArray(wf.links) && wf.links.some(isObj)) || schema1) fromSchema1(wf);
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

/**
 * litegraph's schema 1 (version 1: link objects, `reroutes` and `state` at the top) → the 0.4 form
 * ComfyUI also writes: link tuples, the native reroutes in `extra.reroutes` and the reroute each link
 * passes through in `extra.linkExtensions` (as litegraph's LGraph.serialize), so they survive a save.
 */
function fromSchema1(wf: Json): void {
  const links = Array.isArray(wf.links) ? wf.links : [];
  const extensions = links.filter((l): l is Json => isObj(l) && typeof l.parentId === 'number').map((l) => ({ id: l.id, parentId: l.parentId }));
  wf.links = links.map(linkToTuple);
  const extra: Json = isObj(wf.extra) ? wf.extra : {};
  if (Array.isArray(wf.reroutes)) {
    if (wf.reroutes.length && !Array.isArray(extra.reroutes)) extra.reroutes = wf.reroutes;
    delete wf.reroutes;
  }
  if (extensions.length && !Array.isArray(extra.linkExtensions)) extra.linkExtensions = extensions;
  if (Object.keys(extra).length || isObj(wf.extra)) wf.extra = extra;
  if (isObj(wf.state)) {
    if (typeof wf.last_node_id !== 'number' && typeof wf.state.lastNodeId === 'number') wf.last_node_id = wf.state.lastNodeId;
    if (typeof wf.last_link_id !== 'number' && typeof wf.state.lastLinkId === 'number') wf.last_link_id = wf.state.lastLinkId;
  }
  if (typeof wf.version === 'number' && wf.version >= 1) wf.version = EDITOR_WORKFLOW_VERSION;
}

export function migrationSteps(): { below: number; describe: string }[] {
  return MIGRATIONS.map(({ below, describe }) => ({ below, describe }));
}

// Writes the shipped NAR workflows (workflows/*.json, editor form) from workflowSpecs.ts.
// Usage: npx tsx test/workflows/generate.ts [--check]   (--check: exit 1 when a file is out of date)
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { objectInfo } from '../../server/engine/registry/objectInfo';
import { apiToEditor } from '../../server/engine/workflow/apiToEditor';
import type { EditorWorkflow } from '../../server/engine/workflow/schema';
import { narRegistry } from '../nodes/helpers';
import { apiForm, EDITOR_ONLY, WORKFLOW_DESCRIPTIONS, WORKFLOW_MODELS, WORKFLOW_SPECS, type WorkflowSpec } from './workflowSpecs';

export const WORKFLOWS_DIR = path.resolve(__dirname, '../../workflows');

export function editorForm(spec: WorkflowSpec, description?: string): EditorWorkflow {
  const paths = { output: os.tmpdir(), input: os.tmpdir(), temp: os.tmpdir(), models: {} };
  const wf = apiToEditor(apiForm(spec), objectInfo(narRegistry(), paths));
  for (const [id, n] of Object.entries(spec)) {
    if (!EDITOR_ONLY.has(n.type)) continue;
    wf.nodes.push({ id: Number(id), type: n.type, pos: [0, 0], size: [0, 0], flags: {}, order: wf.nodes.length, mode: 0, inputs: [], outputs: [], properties: {}, widgets_values: [n.inputs.text], color: '#432', bgcolor: '#653' });
    wf.last_node_id = Math.max(wf.last_node_id ?? 0, Number(id));
  }
  for (const node of wf.nodes) {
    const laid = spec[String(node.id)];
    node.pos = [...laid.pos];
    node.size = [...laid.size];
  }
  if (description) wf.extra = { ...wf.extra, description };
  return wf;
}

/** The file text of a shipped workflow (with its description, for the Templates list). */
export function workflowText(name: keyof typeof WORKFLOW_SPECS): string {
  const wf = editorForm(WORKFLOW_SPECS[name], WORKFLOW_DESCRIPTIONS[name]);
  const models = WORKFLOW_MODELS[name];
  return JSON.stringify(models ? { ...wf, models } : wf, null, 2) + '\n';
}

if (require.main === module) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const name of Object.keys(WORKFLOW_SPECS)) {
    const file = path.join(WORKFLOWS_DIR, `${name}.json`);
    const text = workflowText(name);
    const same = fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text;
    if (check) {
      if (!same) stale++;
      process.stdout.write(`${same ? 'ok     ' : 'STALE  '} ${file}\n`);
    } else {
      fs.writeFileSync(file, text);
      process.stdout.write(`wrote ${file}\n`);
    }
  }
  process.exitCode = stale ? 1 : 0;
}

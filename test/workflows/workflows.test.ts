// Every workflow in workflows/ validates against the registry (core + NAR packs) through the
// engine's validation, converts editor → API without problems and without losing anything, is
// laid out without overlaps; the NAR ones match their specs (test/workflows/generate.ts).
import * as fs from 'fs';
import * as path from 'path';
import { validatePrompt } from '../../server/engine/graph/validate';
import { objectInfo } from '../../server/engine/registry/objectInfo';
import { apiToEditor } from '../../server/engine/workflow/apiToEditor';
import { editorToApi, NOTE_TYPES } from '../../server/engine/workflow/convert';
import { isApiLink, type EditorWorkflow } from '../../server/engine/workflow/schema';
import { widgetSlots } from '../../server/engine/workflow/widgets';
import { hostConfig, silentLogger } from '../../server/host/hostConfig';
import { hostPaths, narRegistry, tempRoot, tinyWeights } from '../nodes/helpers';
import { WORKFLOWS_DIR, workflowText } from './generate';
import { WORKFLOW_MODELS, WORKFLOW_SPECS } from './workflowSpecs';

const registry = narRegistry();
const root = tempRoot('narflow-workflows-');
const paths = hostPaths(root, tinyWeights(path.join(root, 'weights')));
// files of workflows that name published checkpoints (WORKFLOW_MODELS), as empty stand-ins: validation reads names
for (const list of Object.values(WORKFLOW_MODELS)) for (const m of list ?? []) fs.writeFileSync(path.join(paths.models[m.directory][0], m.name), '');
const info = objectInfo(registry, paths);
const files = fs.readdirSync(WORKFLOWS_DIR).filter((f) => f.endsWith('.json')).sort();
const read = (f: string) => JSON.parse(fs.readFileSync(path.join(WORKFLOWS_DIR, f), 'utf8')) as EditorWorkflow;

/** Nodes that show pictures grow in the editor; they need this much free room below them. */
const PICTURE_ROOM = 300;
const SHOWS_PICTURES = new Set(['NARSampler', 'SaveImage', 'PreviewImage', 'SaveVideo', 'TrainNAR', 'TrainTokenizer', 'SlowCounter']);

describe('shipped workflows', () => {
  it('include the six NAR workflows', () => {
    for (const name of Object.keys(WORKFLOW_SPECS)) expect(files).toContain(`${name}.json`);
  });

  it.each(files)('%s converts editor → API without problems and validates', (file) => {
    const { prompt, problems } = editorToApi(read(file), info);
    expect(problems).toEqual([]);
    const v = validatePrompt(prompt, registry, paths);
    expect(v.nodeErrors).toEqual({});
    expect(v.ok).toBe(true);
    expect(v.outputs.length).toBeGreaterThan(0);
  });

  // Against the repository's own weights folders once the bundled models are there.
  const host = hostConfig({ log: silentLogger });
  const modelNames = (file: string) =>
    Object.values(editorToApi(read(file), info).prompt).flatMap((n) =>
      (['model_name', 'tokenizer_name', 'encoder_name'] as const).flatMap((k) => (typeof n.inputs[k] === 'string' ? [n.inputs[k] as string] : [])),
    );
  const bundled = (file: string) => modelNames(file).every((name) => Object.values(host.paths.models).some((dirs) => dirs.some((d) => fs.existsSync(path.join(d, name)))));
  const withBundled = files.filter(bundled);
  const withoutBundled = files.filter((f) => !bundled(f));
  if (withoutBundled.length) process.stdout.write(`not validated against weights/ yet (bundled models missing): ${withoutBundled.join(', ')}\n`);
  (withBundled.length ? it.each(withBundled) : it.skip.each(['(none)']))('%s validates against the repository weights folders', (file) => {
    const v = validatePrompt(editorToApi(read(file), objectInfo(registry, host.paths)).prompt, registry, host.paths);
    expect(v.nodeErrors).toEqual({});
  });

  it.each(files)('%s converts losslessly: every widget value and link arrives in the API form, and back', (file) => {
    const wf = read(file);
    const { prompt } = editorToApi(wf, info);
    // notes are comments: everything else runs
    expect(Object.keys(prompt).sort()).toEqual(wf.nodes.filter((n) => !NOTE_TYPES.has(n.type)).map((n) => String(n.id)).sort());
    let linkInputs = 0;
    for (const node of wf.nodes.filter((n) => !NOTE_TYPES.has(n.type))) {
      const api = prompt[String(node.id)];
      expect(api.class_type).toBe(node.type);
      const values = node.widgets_values as unknown[];
      for (const slot of widgetSlots(info[node.type])) {
        const linked = (node.inputs ?? []).some((i) => i.name === slot.name && i.link != null);
        if (!linked) expect(api.inputs[slot.name]).toEqual(values[slot.index]);
      }
      for (const input of node.inputs ?? []) {
        if (input.link == null) continue;
        const link = wf.links.find((l) => l[0] === input.link)!;
        expect(api.inputs[input.name]).toEqual([String(link[1]), link[2]]);
        linkInputs++;
      }
    }
    expect(Object.values(prompt).flatMap((n) => Object.values(n.inputs).filter(isApiLink))).toHaveLength(linkInputs);
    expect(linkInputs).toBe(wf.links.length);
    expect(editorToApi(apiToEditor(prompt, info), info).prompt).toEqual(prompt);
  });

  it.each(files)('%s is laid out without overlaps, leaving room under nodes that show pictures', (file) => {
    const boxes = read(file).nodes.map((n) => {
      const [x, y] = n.pos as number[];
      const [w, h] = n.size as number[];
      return { id: n.id, x, y, w, h: h + (SHOWS_PICTURES.has(n.type) ? PICTURE_ROOM : 0) };
    });
    for (const a of boxes) {
      for (const b of boxes) {
        if (a.id === b.id) continue;
        const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
        if (overlap) throw new Error(`${file}: node ${a.id} overlaps node ${b.id}`);
      }
    }
  });

  it.each(Object.keys(WORKFLOW_SPECS))('%s.json is what test/workflows/generate.ts writes', (name) => {
    expect(fs.readFileSync(path.join(WORKFLOWS_DIR, `${name}.json`), 'utf8')).toBe(workflowText(name));
  });

  it('the default text-to-image workflow is the one described: t2i model, text encoder, prompt, sampler, decode, save', () => {
    const { prompt } = editorToApi(read('text-to-image.json'), info);
    const types = Object.values(prompt).map((n) => n.class_type).sort();
    expect(types).toEqual(['LoadNARModel', 'LoadTextEncoder', 'LoadTokenizer', 'NARSampler', 'SaveImage', 'TextEncode', 'TokenizerDecode']);
    const byType = (t: string) => Object.values(prompt).find((n) => n.class_type === t)!;
    expect(byType('LoadNARModel').inputs.model_name).toBe('shapes-t2i.safetensors');
    expect(byType('TextEncode').inputs.prompt).toBe('a red circle at the top left');
  });
});

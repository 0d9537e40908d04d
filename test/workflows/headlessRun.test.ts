// `narflow run workflows/text-to-image.json --out DIR` headless, as a user runs it: it prints the PNG
// it wrote, and the PNG carries the workflow (editor form, as in the file) and its API form. Uses
// the bundled weights; until weights/nar/shapes-t2i.safetensors exists, a tiny random t2i model
// fitting the bundled tokenizer and text encoder is given through --models.
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { promisify } from 'util';
import { initBackend } from '../../models/backend';
import { readPngText } from '../../models/image/png';
import { NarModel } from '../../models/nar';
import { readSmallEncoderBundle } from '../../models/text';
import { shapesModelConfig } from '../../models/training';
import { loadTokenizer } from '../../models/vq/io';
import type { ApiWorkflow } from '../../server/engine/workflow/schema';
import { TINY_SIZE, tempRoot, tinyWeights } from '../nodes/helpers';
import { sharedDir } from '../nar/fixtures';
import { PNG } from 'pngjs';

const REPO = path.resolve(__dirname, '../..');
const BUNDLED = path.join(REPO, 'weights');
const run = promisify(execFile);

/** A models root for --models, or none when the bundled t2i model is there. */
function extraModels(root: string): string[] {
  if (fs.existsSync(path.join(BUNDLED, 'nar', 'shapes-t2i.safetensors'))) return [];
  const extra = path.join(root, 'models');
  const tiny = tinyWeights(extra);
  const pick = (kind: string, name: string) => (fs.existsSync(path.join(BUNDLED, kind, name)) ? path.join(BUNDLED, kind, name) : path.join(tiny[kind][0], name));
  const tok = loadTokenizer(pick('tokenizer', 'shapes-vq.safetensors'));
  const { h, w } = tok.grid(32, 32);
  const captionDim = readSmallEncoderBundle(pick('text_encoder', 'shapes-text.safetensors')).config.dim;
  const config = shapesModelConfig('t2i', { grid: [h, w], vocabSize: tok.codebookSize, condition: { kind: 'text', captionDim, tokens: 120 } }, TINY_SIZE);
  tok.dispose();
  const model = NarModel.random(config, 4);
  model.save(path.join(tiny.nar[0], 'shapes-t2i.safetensors'));
  model.dispose();
  return ['--models', extra];
}

beforeAll(async () => {
  await initBackend('wasm');
});

it('narflow run workflows/text-to-image.json writes a PNG that carries the workflow', async () => {
  const root = tempRoot('narflow-headless-');
  const out = path.join(root, 'out');
  const file = path.join(REPO, 'workflows', 'text-to-image.json');
  const args = [path.join(REPO, 'bin', 'narflow.js'), 'run', file, '--out', out, '--data-dir', root, ...extraModels(root)];
  const { stdout } = await run(process.execPath, args, { cwd: REPO, timeout: 180_000 });
  const pngs = stdout.split('\n').filter((l) => l.endsWith('.png'));
  expect(pngs).toHaveLength(1);
  expect(path.dirname(pngs[0])).toBe(out);
  const text = readPngText(fs.readFileSync(pngs[0]));
  expect(JSON.parse(text.workflow)).toEqual(JSON.parse(fs.readFileSync(file, 'utf8')));
  const prompt = JSON.parse(text.prompt) as ApiWorkflow;
  const sampler = Object.values(prompt).find((n) => n.class_type === 'NARSampler')!;
  expect(sampler.inputs.model).toEqual(['1', 0]);
  expect(Object.values(prompt).find((n) => n.class_type === 'TextEncode')!.inputs.prompt).toBe('a red circle at the top left');
});

it('narflow run --only runs the named output nodes alone and refuses a node that is not one', async () => {
  const root = tempRoot('narflow-headless-only-');
  const out = path.join(root, 'out');
  const file = path.join(REPO, 'workflows', 'inpaint.json');
  const base = [path.join(REPO, 'bin', 'narflow.js'), 'run', file, '--out', out, '--data-dir', root];
  const { stdout } = await run(process.execPath, [...base, '--only', '11'], { cwd: REPO, timeout: 180_000 });
  const pngs = stdout.split('\n').filter((l) => l.endsWith('.png'));
  expect(pngs.map((p) => path.relative(out, p))).toEqual([path.join('inpaint', 'outpainted_00001_.png')]);
  expect(fs.existsSync(path.join(out, 'inpaint', 'inpainted_00001_.png'))).toBe(false);
  await expect(run(process.execPath, [...base, '--only', '7'], { cwd: REPO, timeout: 180_000 })).rejects.toMatchObject({
    code: 1,
    stderr: expect.stringMatching(/partial_execution_targets: 7 \(NARSampler\) is not an output node/),
  });
});

it('narflow run of a workflow shared without its model names each missing file, its folder and the link the workflow gives', async () => {
  const root = tempRoot('narflow-headless-missing-');
  const wf = JSON.parse(fs.readFileSync(path.join(REPO, 'workflows', 'text-to-image.json'), 'utf8'));
  const loader = wf.nodes.find((n: { type: string }) => n.type === 'LoadNARModel');
  loader.widgets_values = ['c2i_B.pt'];
  wf.models = [{ name: 'c2i_B.pt', url: 'https://example.org/nar/c2i_B.pt', directory: 'checkpoints' }];
  const file = path.join(root, 'shared.json');
  fs.writeFileSync(file, JSON.stringify(wf));
  const out = path.join(root, 'out');
  const args = [path.join(REPO, 'bin', 'narflow.js'), 'run', file, '--out', out, '--data-dir', root];
  const failed = await run(process.execPath, args, { cwd: REPO, timeout: 180_000 }).then(
    () => null,
    (e: { code: number; stderr: string }) => e,
  );
  expect(failed?.code).toBe(1);
  expect(failed?.stderr).toContain("input 'model_name' is \"c2i_B.pt\"");
  expect(failed?.stderr).toContain(`missing files (put each in its folder and run again):\n  weights/nar/c2i_B.pt (node ${loader.id}, Load NAR Model: model_name) from https://example.org/nar/c2i_B.pt\n`);
  expect(fs.existsSync(out) ? fs.readdirSync(out) : []).toEqual([]);
});

it('narflow run workflows/imagenet-nar-b.json runs once files of the published formats are in place (stand-ins: the published .pt layout of a tiny c2i model, a LlamaGen VQ)', async () => {
  const root = tempRoot('narflow-headless-imagenet-');
  const models = path.join(root, 'models');
  fs.mkdirSync(path.join(models, 'nar'), { recursive: true });
  fs.mkdirSync(path.join(models, 'tokenizer'), { recursive: true });
  // named as the template names the published files; the fixture model has 10 classes, so other ids
  fs.copyFileSync(path.join(sharedDir(), 'fixtures', 'pt', 'ddp-checkpoint.pt'), path.join(models, 'nar', 'c2i_B.pt'));
  fs.copyFileSync(path.join(sharedDir(), 'fixtures', 'vq', 'vq-tiny-16', 'model.safetensors'), path.join(models, 'tokenizer', 'vq_ds16_c2i.pt'));
  const out = path.join(root, 'out');
  const file = path.join(REPO, 'workflows', 'imagenet-nar-b.json');
  const args = [path.join(REPO, 'bin', 'narflow.js'), 'run', file, '--out', out, '--data-dir', root, '--models', models, '--set', '3.class_ids=7, 3, 9, 0'];
  const { stdout } = await run(process.execPath, args, { cwd: REPO, timeout: 180_000 });
  const pngs = stdout.split('\n').filter((l) => l.endsWith('.png'));
  expect(pngs.map((p) => path.basename(p))).toEqual(['imagenet-nar-b_00001_.png']);
  const grid = PNG.sync.read(fs.readFileSync(pngs[0]));
  expect(grid.width).toBeGreaterThan(3 * grid.height); // four pictures in one row
});

it('narflow run --check says what would run without running it, and exits 1 naming what is missing', async () => {
  const root = tempRoot('narflow-headless-check-');
  const out = path.join(root, 'out');
  const base = [path.join(REPO, 'bin', 'narflow.js'), 'run', '--out', out, '--data-dir', root, '--check'];
  const ok = await run(process.execPath, [...base, path.join(REPO, 'workflows', 'class-to-image.json')], { cwd: REPO, timeout: 120_000 });
  expect(ok.stdout).toBe('ok: 8 nodes would run, output nodes 6 (SaveImage), 8 (SaveImage)\n');
  expect(fs.existsSync(out) ? fs.readdirSync(out) : []).toEqual([]);
  const bad = await run(process.execPath, [...base, path.join(REPO, 'workflows', 'imagenet-nar-b.json')], { cwd: REPO, timeout: 120_000 }).then(
    () => null,
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
  expect(bad?.code).toBe(1);
  expect(bad?.stdout).toBe('');
  expect(bad?.stderr).toContain('missing files (put each in its folder and run again):\n  weights/nar/c2i_B.pt (node 1, Load NAR Model: model_name) from https://huggingface.co/collections/');
});

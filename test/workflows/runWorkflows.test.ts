// The shipped workflows run end to end in-process on tiny random models (under the bundled names in
// a temp weights folder), with the trainers cut to a few steps: every output file is written and
// PNGs carry the workflow.
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../../models/backend';
import { generateShapesImages } from '../../models/data/shapes';
import { decodePng, readPngText } from '../../models/image/png';
import { objectInfo } from '../../server/engine/registry/objectInfo';
import { editorToApi } from '../../server/engine/workflow/convert';
import type { ApiWorkflow, EditorWorkflow } from '../../server/engine/workflow/schema';
import { nodeHarness, type NodeHarness } from '../nodes/helpers';
import { WORKFLOWS_DIR } from './generate';

let h: NodeHarness;
beforeAll(async () => {
  await initBackend('wasm');
  h = nodeHarness();
});
afterAll(() => fs.rmSync(h.root, { recursive: true, force: true }));

function load(name: string, overrides: Record<string, Record<string, unknown>> = {}): { prompt: ApiWorkflow; workflow: EditorWorkflow } {
  const workflow = JSON.parse(fs.readFileSync(path.join(WORKFLOWS_DIR, `${name}.json`), 'utf8')) as EditorWorkflow;
  const { prompt } = editorToApi(workflow, objectInfo(h.registry, h.paths));
  for (const [type, values] of Object.entries(overrides)) {
    for (const node of Object.values(prompt)) if (node.class_type === type) Object.assign(node.inputs, values);
  }
  return { prompt, workflow };
}

async function run(name: string, overrides: Record<string, Record<string, unknown>> = {}) {
  const { prompt, workflow } = load(name, overrides);
  const r = await h.run(prompt, { pngText: { prompt: JSON.stringify(prompt), workflow: JSON.stringify(workflow) } });
  if (r.status !== 'success') throw new Error(`${name}: ${r.status} ${JSON.stringify(r.error)}`);
  const written = Object.values(r.outputs).flatMap((ui) => (ui.images ?? []).map((i) => path.join(i.type === 'temp' ? h.paths.temp : h.paths.output, i.subfolder, i.filename)));
  for (const f of written) expect(fs.existsSync(f)).toBe(true);
  return { r, written, workflow };
}

describe('shipped workflows run', () => {
  it('text-to-image (engine as shipped): one PNG carrying both workflow forms', async () => {
    const { written, workflow } = await run('text-to-image');
    expect(written).toHaveLength(1);
    const text = readPngText(fs.readFileSync(written[0]));
    expect(JSON.parse(text.workflow)).toEqual(workflow);
    expect(Object.values(JSON.parse(text.prompt) as ApiWorkflow).map((n) => n.class_type)).toContain('NARSampler');
  });

  it('class-to-image: one image per Shapes class, and all of them in one grid (a row per shape)', async () => {
    const { written } = await run('class-to-image', { NARSampler: { engine: 'tfjs' } });
    expect(written.filter((f) => path.basename(f).startsWith('class-to-image_'))).toHaveLength(18);
    const grids = written.filter((f) => path.basename(f).startsWith('class-to-image-grid_'));
    expect(grids).toHaveLength(1);
    const grid = decodePng(fs.readFileSync(grids[0]));
    expect([grid.width, grid.height]).toEqual([6 * 32 * 4 + 7 * 2, 3 * 32 * 4 + 4 * 2]);
  });

  it('video: a GIF per video class and the film strips', async () => {
    const { written } = await run('video', { NARSampler: { engine: 'tfjs' }, SaveVideo: { scale: 1 } });
    expect(written.filter((f) => f.endsWith('.gif'))).toHaveLength(12);
    expect(written.filter((f) => f.endsWith('.png'))).toHaveLength(12);
  });

  it('image-to-video: clips that start from the held-out clip\'s first frame, and the film strips with the clip first', async () => {
    const { r, written } = await run('image-to-video', { NARSampler: { engine: 'tfjs' }, SaveVideo: { scale: 1 } });
    expect(written.filter((f) => f.includes('/image-to-video/animated_') && f.endsWith('.gif'))).toHaveLength(4);
    const strips = written.filter((f) => f.includes('/image-to-video/strips_'));
    expect(strips).toHaveLength(1);
    const grid = decodePng(fs.readFileSync(strips[0]));
    expect([grid.width, grid.height]).toEqual([4 * 32 * 4 + 2 * 2, 5 * 32 * 4 + 6 * 2]); // 5 strips of 4 frames
    const executed = r.events.find((e) => e.type === 'executed' && e.data.node === '7') as { data: { output: { text: string[] } } };
    expect(executed.data.output.text.join('\n')).toMatch(/continuing the first frame: 16 tokens kept, 32 regenerated per image$/m);
  });

  it('nar-vs-raster: the three samplers save their images; raster takes the most passes, the centre-trained model (seed auto) the fewest', async () => {
    const { r, written } = await run('nar-vs-raster', { NARSampler: { engine: 'tfjs' } });
    expect(written.filter((f) => f.includes('/nar-vs-raster/nar_'))).toHaveLength(4);
    expect(written.filter((f) => f.includes('/nar-vs-raster/raster_'))).toHaveLength(4);
    expect(written.filter((f) => f.includes('/nar-vs-raster/nar-center_'))).toHaveLength(4);
    const maxPasses = (node: string) => Math.max(...r.events.filter((e) => e.type === 'progress' && e.data.node === node).map((e) => (e.data as { max: number }).max));
    expect(maxPasses('6')).toBeGreaterThan(maxPasses('5'));
    expect(maxPasses('12')).toBeLessThan(maxPasses('5')); // 'auto' starts at the model's trained seed, the centre
  });

  it('inpaint: outpainted and inpainted grids show the original, then results that keep its pixels outside each mask and vary inside it', async () => {
    const { r, written } = await run('inpaint', { NARSampler: { engine: 'tfjs' } });
    const original = generateShapesImages(1, 40, { size: 32, objects: 1 }).images;
    const check = (prefix: string, kept: (y: number, x: number) => boolean) => {
      const files = written.filter((f) => f.includes(`/inpaint/${prefix}_`));
      expect(files).toHaveLength(1);
      const grid = decodePng(fs.readFileSync(files[0]));
      expect([grid.width, grid.height]).toEqual([5 * 128 + 6 * 2, 128 + 2 * 2]);
      const tile = (b: number) => {
        const px: number[] = [];
        for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) for (let c = 0; c < 3; c++) px.push(grid.data[((2 + y * 4) * grid.width + 2 + b * 130 + x * 4) * 3 + c]);
        return px;
      };
      // tile 0 is the original; tiles 1–4 the results
      for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) for (let c = 0; c < 3; c++) expect(Math.abs(tile(0)[(y * 32 + x) * 3 + c] - original.data[(y * 32 + x) * 3 + c])).toBeLessThanOrEqual(1 / 255 + 1e-6);
      const tiles = [1, 2, 3, 4].map(tile);
      const regenerated: string[] = [];
      for (const t of tiles) {
        const inside: number[] = [];
        for (let y = 0; y < 32; y++) {
          for (let x = 0; x < 32; x++) {
            for (let c = 0; c < 3; c++) {
              const v = t[(y * 32 + x) * 3 + c];
              if (kept(y, x)) expect(Math.abs(v - original.data[(y * 32 + x) * 3 + c])).toBeLessThanOrEqual(1 / 255 + 1e-6);
              else inside.push(Math.round(v * 255));
            }
          }
        }
        regenerated.push(inside.join(','));
      }
      expect(new Set(regenerated).size).toBeGreaterThan(1);
    };
    check('outpainted', (y, x) => y >= 8 && y < 24 && x >= 8 && x < 24);
    check('inpainted', (_y, x) => x < 16);
    const text = (node: string) => (r.outputs[node]?.text ?? []).join('\n');
    expect(text('7')).toMatch(/inpainting: 4 tokens kept, 12 regenerated per image$/m);
    expect(text('14')).toMatch(/inpainting: 8 tokens kept, 8 regenerated per image$/m);
  });

  it('train-tokenizer (a few steps): writes the tokenizer and its round trip', async () => {
    const { written } = await run('train-tokenizer', { TrainTokenizer: { warmup_steps: 2, steps: 3, batch: 4, codebook_size: 16, patch_size: 8, checkpoint_every: 0, preview_every: 3 } });
    expect(fs.existsSync(path.join(h.paths.models.tokenizer[0], 'my-shapes-vq.safetensors'))).toBe(true);
    expect(written).toHaveLength(16);
  });

  it('train-nar (a few steps): writes the checkpoint and samples from the trained model', async () => {
    const { written } = await run('train-nar', { TrainNAR: { steps: 3, batch: 2, dim: 32, layers: 1, heads: 2, preview_every: 3, checkpoint_every: 0 }, NARSampler: { engine: 'tfjs' } });
    expect(fs.existsSync(path.join(h.paths.models.nar[0], 'my-shapes-c2i.safetensors'))).toBe(true);
    expect(written).toHaveLength(18);
  });
});

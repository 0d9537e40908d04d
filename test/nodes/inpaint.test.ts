// Masks and NAR inpainting / outpainting: the MASK nodes, pixel mask → token mask, and the sampler
// keeping init_tokens outside the mask, through a real executor over tiny models.
import * as fs from 'fs';
import * as path from 'path';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../models/backend';
import { imageBatch, maskBatch, type ImageBatch, type MaskBatch } from '../../models/image/types';
import { buildNarConfig } from '../../models/nar';
import { orderingFor } from '../../models/nar/ordering';
import { LoadImage } from '../../nodes/core/imageIo';
import { BatchImages } from '../../nodes/core/imageOps';
import { GrowMask, ImageCompositeMasked, ImageToMask, InvertMask, MaskToImage, RectangleMask } from '../../nodes/core/mask';
import { ClassLabel } from '../../nodes/nar/conditioning';
import { keepPlan, tokenMask } from '../../nodes/nar/inpaint';
import { LoadNARModel, LoadTokenizer } from '../../nodes/nar/loaders';
import { NARSampler } from '../../nodes/nar/sampler';
import { ShapesData } from '../../nodes/nar/shapesData';
import { TokenizerEncode } from '../../nodes/nar/tokenizerNodes';
import type { TokenGrid } from '../../nodes/nar/values';
import type { ExecContext } from '../../server/engine/nodeApi';
import type { ApiWorkflow } from '../../server/engine/workflow/schema';
import { BUNDLED_C2I_CENTER, BUNDLED_NAR, TINY_GRID, nodeHarness, type NodeHarness } from './helpers';

let h: NodeHarness;
beforeAll(async () => {
  await initBackend('wasm');
  h = nodeHarness();
});
afterAll(() => fs.rmSync(h.root, { recursive: true, force: true }));

const ctx = {} as ExecContext;
const SAMPLING = { seed_position: 'auto', cfg: 2, cfg_interval: -1, temperature: 1, top_k: 0, top_p: 1, greedy: false, seed: 1, batch: 1, engine: 'tfjs', preview: 'decoded' };
const rect = async (inputs: Record<string, unknown>) =>
  (await RectangleMask.execute({ width: 32, height: 32, x: 16, y: 0, w: 16, h: 32, invert: false, ...inputs }, ctx)).outputs[0] as MaskBatch;

describe('mask nodes', () => {
  it('Rectangle Mask marks the rectangle (or, inverted, everything around it)', async () => {
    const m = await rect({ width: 6, height: 4, x: 1, y: 2, w: 3, h: 5 });
    expect([m.batch, m.height, m.width]).toEqual([1, 4, 6]);
    expect(Array.from(m.data)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0]);
    const inv = await rect({ width: 6, height: 4, x: 1, y: 2, w: 3, h: 5, invert: true });
    expect(Array.from(inv.data)).toEqual(Array.from(m.data, (v) => 1 - v));
    const again = (await InvertMask.execute({ mask: m }, ctx)).outputs[0] as MaskBatch;
    expect(Array.from(again.data)).toEqual(Array.from(inv.data));
  });

  it('Grow Mask grows the marked area by whole pixels (square or diamond) and shrinks it when negative', async () => {
    const dot = maskBatch(1, 5, 5);
    dot.data[12] = 1; // the centre
    const grown = async (m: MaskBatch, expand: number, tapered: boolean) => {
      const out = (await GrowMask.execute({ mask: m, expand, tapered_corners: tapered }, ctx)).outputs[0] as MaskBatch;
      return Array.from({ length: 5 }, (_, y) => Array.from(out.data.subarray(y * 5, y * 5 + 5)).join(''));
    };
    expect(await grown(dot, 1, false)).toEqual(['00000', '01110', '01110', '01110', '00000']);
    expect(await grown(dot, 1, true)).toEqual(['00000', '00100', '01110', '00100', '00000']);
    expect(await grown(dot, 2, true)).toEqual(['00100', '01110', '11111', '01110', '00100']);
    const block = maskBatch(1, 5, 5, Float32Array.from({ length: 25 }, (_, i) => (Math.floor(i / 5) >= 1 && Math.floor(i / 5) <= 3 && i % 5 >= 1 && i % 5 <= 3 ? 1 : 0)));
    expect(await grown(block, -1, false)).toEqual(['00000', '00000', '00100', '00000', '00000']);
    expect(await grown(block, 0, false)).toEqual(['00000', '01110', '01110', '01110', '00000']);
  });

  it('Image to Mask reads a channel or the luminance; Mask to Image shows it grey', async () => {
    const img = imageBatch(1, 1, 2, Float32Array.from([1, 0, 0, 0.2, 0.4, 1]));
    const of = async (channel: string) => Array.from(((await ImageToMask.execute({ image: img, channel }, ctx)).outputs[0] as MaskBatch).data);
    expect(await of('red')).toEqual([1, Math.fround(0.2)]);
    expect(await of('blue')).toEqual([0, 1]);
    const lum = await of('luminance');
    expect(lum[0]).toBeCloseTo(0.299, 5);
    expect(lum[1]).toBeCloseTo(0.299 * 0.2 + 0.587 * 0.4 + 0.114, 5);
    const grey = (await MaskToImage.execute({ mask: maskBatch(1, 1, 2, Float32Array.from([0.25, 1])) }, ctx)).outputs[0] as ImageBatch;
    expect(Array.from(grey.data)).toEqual([0.25, 0.25, 0.25, 1, 1, 1]);
    await expect(InvertMask.execute({ mask: img }, ctx)).rejects.toThrow(/input 'mask' expects a MASK/);
  });

  it('Batch Images puts image2 after image1, scaled to its size', async () => {
    const a = imageBatch(1, 2, 2, new Float32Array(12).fill(0.25));
    const b = imageBatch(2, 4, 4, new Float32Array(96).fill(0.75));
    const out = (await BatchImages.execute({ image1: a, image2: b }, ctx)).outputs[0] as ImageBatch;
    expect([out.batch, out.height, out.width]).toEqual([3, 2, 2]);
    expect(Array.from(out.data.subarray(0, 12))).toEqual(new Array(12).fill(0.25));
    expect(Array.from(out.data.subarray(12))).toEqual(new Array(24).fill(0.75));
  });

  it('Composite Images (masked) takes the source where the mask is 1, broadcasting batches of one', async () => {
    const dst = imageBatch(1, 1, 2, new Float32Array(6).fill(0.5));
    const src = imageBatch(2, 1, 2, Float32Array.from([1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]));
    const mask = maskBatch(1, 1, 2, Float32Array.from([0, 1]));
    const out = (await ImageCompositeMasked.execute({ destination: dst, source: src, mask }, ctx)).outputs[0] as ImageBatch;
    expect(out.batch).toBe(2);
    expect(Array.from(out.data)).toEqual([0.5, 0.5, 0.5, 1, 1, 1, 0.5, 0.5, 0.5, 0, 0, 0]);
    await expect(ImageCompositeMasked.execute({ destination: dst, source: imageBatch(1, 2, 2), mask }, ctx)).rejects.toThrow(/destination \(2×1\), source \(2×2\) and mask \(2×1\) must have the same size/);
    const three = imageBatch(3, 1, 2);
    await expect(ImageCompositeMasked.execute({ destination: three, source: src, mask }, ctx)).rejects.toThrow(/batches must be equal or 1: destination 3, source 2, mask 1/);
  });
});

describe('Load Image MASK', () => {
  it('is 1 where the PNG is transparent and 0 where opaque; all 0 for a JPEG', async () => {
    const png = new PNG({ width: 4, height: 2 });
    for (let i = 0; i < 8; i++) png.data.set([200, 100, 50, i % 4 >= 2 ? 0 : 255], i * 4); // right half transparent
    fs.writeFileSync(path.join(h.paths.input, 'erased.png'), PNG.sync.write(png));
    const run = { paths: h.paths } as ExecContext;
    const [image, mask] = (await LoadImage.execute({ image: 'erased.png' }, run)).outputs as [ImageBatch, MaskBatch];
    expect([mask.batch, mask.height, mask.width]).toEqual([1, 2, 4]);
    expect(Array.from(mask.data)).toEqual([0, 0, 1, 1, 0, 0, 1, 1]);
    expect(image.data[0]).toBeCloseTo(200 / 255, 5);
    const jpg = jpeg.encode({ width: 4, height: 2, data: Buffer.alloc(32, 128) }, 90);
    fs.writeFileSync(path.join(h.paths.input, 'photo.jpg'), jpg.data);
    const [, jpegMask] = (await LoadImage.execute({ image: 'photo.jpg' }, run)).outputs as [ImageBatch, MaskBatch];
    expect(Array.from(jpegMask.data)).toEqual(new Array(8).fill(0));
    await expect(LoadImage.execute({ image: 'missing.png' }, run)).rejects.toThrow(/image file .*missing\.png does not exist/);
    // errors name the file as the input folder knows it, not where the server keeps that folder
    const whole = fs.readFileSync(path.join(h.paths.input, 'erased.png'));
    fs.mkdirSync(path.join(h.paths.input, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(h.paths.input, 'sub', 'cut.png'), whole.subarray(0, whole.length - 30));
    const errors = await Promise.all(['sub/cut.png', 'sub/missing.png'].map((image) => LoadImage.execute({ image }, run).then(() => '', (e: Error) => e.message)));
    for (const [i, name] of ['sub/cut.png', 'sub/missing.png'].entries()) {
      expect(errors[i]).toContain(name);
      expect(errors[i]).not.toContain(h.paths.input);
    }
  });
});

describe('pixel mask → tokens to keep', () => {
  it('regenerates a token when any pixel of its cell is marked', () => {
    const m = maskBatch(1, 8, 8);
    m.data[3 * 8 + 5] = 1; // pixel (3, 5) → token (1, 2) of a 4×4 grid
    m.data[7 * 8 + 0] = 0.49; // below one half: kept
    expect(Array.from(tokenMask(m, [4, 4]))).toEqual([0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(() => tokenMask(maskBatch(1, 2, 8), [4, 4])).toThrow(/the mask is 8×2 pixels, smaller than the token grid 4×4/);
  });

  it('counts the regenerated tokens that come before every kept one and refuses mismatched grids', () => {
    const config = buildNarConfig({ dim: 32, nLayer: 1, nHead: 2, vocabSize: 16, grid: [4, 4], condition: { kind: 'class', numClasses: 2 } });
    const rank = orderingFor(config, 'corner').rank;
    const init: TokenGrid = { grid: [4, 4], batch: 1, tokens: new Int32Array(16).fill(3), vocabSize: 16 };
    const left = maskBatch(1, 4, 4, Float32Array.from({ length: 16 }, (_, i) => (i % 4 < 2 ? 1 : 0))); // regenerate the left half
    const plan = keepPlan(init, left, config, 2, rank);
    expect([plan.kept, plan.regenerated]).toEqual([16, 16]);
    // from the corner (ring = r + c), the first kept token (0, 2) is in ring 2: rings 0 and 1 of the left half are blind
    expect(plan.blind).toBe(2 * 3);
    expect(Array.from(plan.fixed.keep).slice(0, 4)).toEqual([0, 0, 1, 1]);
    const right = maskBatch(1, 4, 4, Float32Array.from(left.data, (v) => 1 - v));
    expect(keepPlan(init, right, config, 1, rank).blind).toBe(0);
    expect(() => keepPlan({ ...init, grid: [2, 8] }, left, config, 1, rank)).toThrow(/init_tokens are \[2×8\] grids but the model samples \[4×4\]/);
    expect(() => keepPlan({ ...init, batch: 3, tokens: new Int32Array(48) }, left, config, 2, rank)).toThrow(/init_tokens hold 3 grids; the sampler makes 2 images/);
    expect(() => keepPlan(init, maskBatch(3, 4, 4), config, 2, rank)).toThrow(/the mask holds 3 masks; the sampler makes 2 images/);
    expect(() => keepPlan({ ...init, tokens: new Int32Array(16).fill(40) }, left, config, 1, rank)).toThrow(/init_tokens hold code 40 but the model samples codes 0..15/);
  });
});

/** ShapesData → encode → sampler (init_tokens + rectangle mask) → decode; the sampler's tokens are the output. */
function inpaintPrompt(sampler: Record<string, unknown>, maskInputs: Record<string, unknown>, model = BUNDLED_NAR.c2i): ApiWorkflow {
  return {
    '1': { class_type: 'LoadNARModel', inputs: { model_name: model } },
    '2': { class_type: 'LoadTokenizer', inputs: { tokenizer_name: 'shapes-vq.safetensors' } },
    '3': { class_type: 'ClassLabel', inputs: { label: 'red circle', class_ids: '0' } },
    '4': { class_type: 'ShapesData', inputs: { count: 1, seed: 4, size: 32, objects: '1', frames: 2 } },
    '5': { class_type: 'TokenizerEncode', inputs: { tokenizer: ['2', 0], images: ['4', 0] } },
    '6': { class_type: 'RectangleMask', inputs: { width: 32, height: 32, x: 16, y: 0, w: 16, h: 32, invert: false, ...maskInputs } },
    '7': {
      class_type: 'NARSampler',
      inputs: {
        model: ['1', 0], conditioning: ['3', 0], tokenizer: ['2', 0], init_tokens: ['5', 0], mask: ['6', 0],
        ...SAMPLING,
        batch: 3,
        ...sampler,
      },
    },
    '8': { class_type: 'TokenizerDecode', inputs: { tokenizer: ['2', 0], tokens: ['7', 0], fps: 8 } },
    '9': { class_type: 'PreviewImage', inputs: { images: ['8', 0] } },
  };
}

/** The sampler node's text lines of a run, joined. */
function samplerText(r: Awaited<ReturnType<NodeHarness['run']>>): string {
  const executed = r.events.find((e) => e.type === 'executed' && e.data.node === '7') as { data: { output: { text: string[] } } };
  return executed.data.output.text.join('\n');
}

describe('NARSampler inpainting', () => {
  it('keeps the encoded picture outside the mask and samples inside it, every sample its own', async () => {
    const warnings: string[] = [];
    const run: ExecContext = { promptId: 't', nodeId: '7', progress: () => undefined, signal: new AbortController().signal, log: { info: () => undefined, warn: (m: string) => void warnings.push(m), error: () => undefined }, paths: h.paths };
    const model = (await LoadNARModel.execute({ model_name: BUNDLED_NAR.c2i }, run)).outputs[0];
    const tokenizer = (await LoadTokenizer.execute({ tokenizer_name: 'shapes-vq.safetensors' }, run)).outputs[0];
    const conditioning = (await ClassLabel.execute({ label: 'red circle', class_ids: '0' }, run)).outputs[0];
    const images = (await ShapesData.execute({ count: 1, seed: 4, size: 32, objects: '1', frames: 2 }, run)).outputs[0];
    const init = (await TokenizerEncode.execute({ tokenizer, images }, run)).outputs[0] as TokenGrid;
    const mask = await rect({});
    const before = tf.memory().numTensors;
    const inputs = { model, tokenizer, conditioning, init_tokens: init, mask, ...SAMPLING, batch: 3 };
    const result = await NARSampler.execute(inputs, run);
    expect(tf.memory().numTensors).toBe(before);
    const out = result.outputs[0] as TokenGrid;
    expect(out.batch).toBe(3);
    const [H, W] = TINY_GRID;
    const N = H * W;
    const inside = (q: number) => q % W >= W / 2;
    for (let b = 0; b < 3; b++) for (let q = 0; q < N; q++) if (!inside(q)) expect(out.tokens[b * N + q]).toBe(init.tokens[q]);
    // the right half is sampled: the three samples do not all agree there
    const rightOf = (b: number) => Array.from(out.tokens.subarray(b * N, (b + 1) * N)).filter((_, q) => inside(q)).join(',');
    expect(new Set([0, 1, 2].map(rightOf)).size).toBeGreaterThan(1);
    expect(result.ui?.text).toContain('inpainting: 8 tokens kept, 8 regenerated per image');
    expect(warnings).toEqual([]);
    // the same seed gives the same images; the tokens kept do not depend on it
    expect((await NARSampler.execute(inputs, run)).outputs[0]).toEqual(out);
    const other = (await NARSampler.execute({ ...inputs, seed: 2 }, run)).outputs[0] as TokenGrid;
    expect(other.tokens).not.toEqual(out.tokens);
    for (let q = 0; q < N; q++) if (!inside(q)) expect(other.tokens[q]).toBe(init.tokens[q]);
  });

  it('warns when regenerated tokens come before every kept one, and the centre seed on a four-head model avoids it', async () => {
    const outpaint = { x: 8, y: 8, w: 16, h: 16, invert: true }; // keep the centre 2×2 tokens, regenerate the border
    const corner = await h.run(inpaintPrompt({ batch: 1 }, outpaint));
    expect(corner.status).toBe('success');
    expect(samplerText(corner)).toMatch(/4 tokens kept, 12 regenerated; 3 of them come before every kept token and cannot see it \(this model only grows from the corner: keep the top-left part/);
    const centre = await h.run(inpaintPrompt({ batch: 1 }, outpaint, BUNDLED_C2I_CENTER));
    expect(centre.status).toBe('success');
    expect(samplerText(centre)).toMatch(/4 tokens kept, 12 regenerated$/m);
    const fromCorner = await h.run(inpaintPrompt({ batch: 1, seed_position: 'corner' }, outpaint, BUNDLED_C2I_CENTER));
    expect(samplerText(fromCorner)).toMatch(/3 of them come before every kept token and cannot see it \(seed the sampler inside the kept area\)/);
  });

  it('refuses a mask without init_tokens and init_tokens without a mask, by name', async () => {
    const noMask = inpaintPrompt({}, {});
    delete (noMask['7'].inputs as Record<string, unknown>).mask;
    const a = await h.run(noMask);
    expect(a.status).toBe('error');
    expect(JSON.stringify(a.events)).toMatch(/init_tokens are linked but no mask: link a MASK/);
    const noInit = inpaintPrompt({}, {});
    delete (noInit['7'].inputs as Record<string, unknown>).init_tokens;
    const b = await h.run(noInit);
    expect(b.status).toBe('error');
    expect(JSON.stringify(b.events)).toMatch(/a mask is linked but no init_tokens/);
  });
});

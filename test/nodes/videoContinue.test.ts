// Image-to-video and video continuation: a video model's sampler given a picture's tokens (or a
// shorter clip's) keeps them as the first frame(s) and makes the rest, through a real executor over
// tiny models (3 frames of 4×4 tokens).
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../models/backend';
import { maskBatch } from '../../models/image/types';
import { buildNarConfig } from '../../models/nar';
import { orderingFor } from '../../models/nar/ordering';
import { keepPlan, keptFrames } from '../../nodes/nar/inpaint';
import type { TokenGrid } from '../../nodes/nar/values';
import { ClassLabel } from '../../nodes/nar/conditioning';
import { LoadNARModel, LoadTokenizer } from '../../nodes/nar/loaders';
import { NARSampler } from '../../nodes/nar/sampler';
import { ShapesData } from '../../nodes/nar/shapesData';
import { TokenizerEncode } from '../../nodes/nar/tokenizerNodes';
import type { ExecContext } from '../../server/engine/nodeApi';
import type { ApiWorkflow } from '../../server/engine/workflow/schema';
import { BUNDLED_NAR, TINY_FRAMES, TINY_GRID, nodeHarness, type NodeHarness } from './helpers';

let h: NodeHarness;
beforeAll(async () => {
  await initBackend('wasm');
  h = nodeHarness();
});
afterAll(() => fs.rmSync(h.root, { recursive: true, force: true }));

const video = buildNarConfig({ dim: 24, nLayer: 1, nHead: 2, vocabSize: 16, grid: [3, 2, 2], condition: { kind: 'class', numClasses: 2 } });
const grid = (shape: number[], fill = 5, batch = 1): TokenGrid => ({ grid: shape, batch, tokens: new Int32Array(batch * shape.reduce((a, b) => a * b, 1)).fill(fill), vocabSize: 16 });

describe('keepPlan for a video model', () => {
  const rank = orderingFor(video, 'corner').rank;

  it('keeps a picture as the first frame and a shorter clip as the first frames, and needs no mask for them', () => {
    expect(keptFrames(grid([2, 2]), video)).toBe(1);
    expect(keptFrames(grid([2, 2, 2]), video)).toBe(2);
    expect(keptFrames(grid([3, 2, 2]), video)).toBe(3);
    const first = keepPlan({ ...grid([2, 2]), tokens: Int32Array.from([1, 2, 3, 4]) }, undefined, video, 2, rank);
    expect(first.frames).toBe(1);
    expect([first.kept, first.regenerated, first.blind]).toEqual([8, 16, 0]);
    expect(Array.from(first.fixed.keep).slice(0, 12)).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(first.fixed.tokens).slice(12, 16)).toEqual([1, 2, 3, 4]); // the one picture, for the second sample too
    const two = keepPlan(grid([2, 2, 2]), undefined, video, 1, rank);
    expect([two.frames, two.kept, two.regenerated]).toEqual([2, 8, 4]);
  });

  it('applies a mask to the given frames only and refuses what does not fit, by name', () => {
    const topRow = maskBatch(1, 2, 2, Float32Array.from([1, 1, 0, 0])); // regenerate the top row of each given frame
    const plan = keepPlan(grid([2, 2, 2]), topRow, video, 1, rank);
    expect(Array.from(plan.fixed.keep)).toEqual([0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0]);
    // frame 0's top row comes before the first kept token (ring 1): the seed (0,0,0) and nothing else
    expect(plan.blind).toBe(1);
    expect(() => keepPlan(grid([3, 2, 2]), undefined, video, 1, rank)).toThrow(/init_tokens are linked but no mask/);
    expect(() => keepPlan(grid([4, 2, 2]), undefined, video, 1, rank)).toThrow(/init_tokens hold 4 frames but the model samples 3: keep at most 3/);
    expect(() => keepPlan(grid([4, 4]), undefined, video, 1, rank)).toThrow(/init_tokens are \[4×4\] grids but the model samples \[3×2×2\] clips, or up to 3 frames of \[2×2\]/);
    const image = buildNarConfig({ dim: 32, nLayer: 1, nHead: 2, vocabSize: 16, grid: [2, 2], condition: { kind: 'class', numClasses: 2 } });
    expect(() => keepPlan(grid([2, 2]), undefined, image, 1, orderingFor(image, 'corner').rank)).toThrow(/init_tokens are linked but no mask/);
    expect(() => keepPlan(grid([1, 2, 2]), undefined, image, 1, orderingFor(image, 'corner').rank)).toThrow(/init_tokens are \[1×2×2\] grids but the model samples \[2×2\] grids/);
  });
});

/** ShapesData → first frames (or a picture) → encode → the video sampler → decode → a GIF. */
function continuePrompt(sampler: Record<string, unknown>, keep: 'picture' | 'clip'): ApiWorkflow {
  return {
    '1': { class_type: 'LoadNARModel', inputs: { model_name: BUNDLED_NAR.video } },
    '2': { class_type: 'LoadTokenizer', inputs: { tokenizer_name: 'shapes-vq.safetensors' } },
    '3': { class_type: 'ClassLabel', inputs: { label: 'circle moving right', class_ids: '0' } },
    '4': { class_type: 'ShapesData', inputs: { count: 1, seed: 4, size: 32, objects: '1', frames: TINY_FRAMES - 1 } },
    '5': { class_type: 'TokenizerEncode', inputs: keep === 'picture' ? { tokenizer: ['2', 0], images: ['4', 0] } : { tokenizer: ['2', 0], videos: ['4', 1] } },
    '7': {
      class_type: 'NARSampler',
      inputs: {
        model: ['1', 0], conditioning: ['3', 0], tokenizer: ['2', 0], init_tokens: ['5', 0],
        seed_position: 'auto', cfg: 1.25, cfg_interval: -1, temperature: 1, top_k: 0, top_p: 1, greedy: false, seed: 3, batch: 2, engine: 'tfjs', preview: 'decoded',
        ...sampler,
      },
    },
    '8': { class_type: 'TokenizerDecode', inputs: { tokenizer: ['2', 0], tokens: ['7', 0], fps: 4 } },
    '9': { class_type: 'SaveVideo', inputs: { videos: ['8', 1], filename_prefix: 'continued', format: 'gif', scale: 1 } },
  };
}

function nodeOutput<T>(r: Awaited<ReturnType<NodeHarness['run']>>, id: string): T {
  const executed = r.events.find((e) => e.type === 'executed' && e.data.node === id) as { data: { output: T } } | undefined;
  if (!executed) throw new Error(`node ${id} did not run: ${JSON.stringify(r.events.filter((e) => e.type === 'execution_error'))}`);
  return executed.data.output;
}

describe('NARSampler image-to-video', () => {
  const [H, W] = TINY_GRID;
  const plane = H * W;
  const N = TINY_FRAMES * plane;

  it('keeps a picture as every sample\'s first frame and samples the later frames, the same on tfjs and onnxruntime', async () => {
    const run: ExecContext = { promptId: 't', nodeId: '7', progress: () => undefined, signal: new AbortController().signal, log: { info: () => undefined, warn: () => undefined, error: () => undefined }, paths: h.paths };
    const model = (await LoadNARModel.execute({ model_name: BUNDLED_NAR.video }, run)).outputs[0];
    const tokenizer = (await LoadTokenizer.execute({ tokenizer_name: 'shapes-vq.safetensors' }, run)).outputs[0];
    const conditioning = (await ClassLabel.execute({ label: 'circle moving right', class_ids: '0' }, run)).outputs[0];
    const images = (await ShapesData.execute({ count: 1, seed: 4, size: 32, objects: '1', frames: 2 }, run)).outputs[0];
    const picture = (await TokenizerEncode.execute({ tokenizer, images }, run)).outputs[0] as TokenGrid;
    const inputs = { model, tokenizer, conditioning, init_tokens: picture, seed_position: 'auto', cfg: 1.25, cfg_interval: -1, temperature: 1, top_k: 0, top_p: 1, greedy: false, seed: 3, batch: 3, engine: 'tfjs', preview: 'decoded' };
    const before = tf.memory().numTensors;
    const result = await NARSampler.execute(inputs, run);
    expect(tf.memory().numTensors).toBe(before);
    const out = result.outputs[0] as TokenGrid;
    expect([out.batch, ...out.grid]).toEqual([3, TINY_FRAMES, H, W]);
    for (let b = 0; b < 3; b++) expect(Array.from(out.tokens.subarray(b * N, b * N + plane))).toEqual(Array.from(picture.tokens));
    const later = (b: number) => Array.from(out.tokens.subarray(b * N + plane, (b + 1) * N)).join(',');
    expect(new Set([0, 1, 2].map(later)).size).toBeGreaterThan(1);
    expect(result.ui?.text).toContain(`continuing the first frame: ${plane} tokens kept, ${N - plane} regenerated per image`);
    // a free run with the same seed differs after the first frame; onnxruntime keeps the same tokens
    const free = (await NARSampler.execute({ ...inputs, init_tokens: undefined }, run)).outputs[0] as TokenGrid;
    expect(Array.from(free.tokens)).not.toEqual(Array.from(out.tokens));
    const ort = (await NARSampler.execute({ ...inputs, engine: 'ort' }, run)).outputs[0] as TokenGrid;
    expect(Array.from(ort.tokens)).toEqual(Array.from(out.tokens));
  });

  it('continues a shorter clip and saves the whole video, through the executor', async () => {
    const r = await h.run(continuePrompt({}, 'clip'));
    expect(r.status).toBe('success');
    expect(nodeOutput<{ text: string[] }>(r, '7').text.join('\n')).toContain(`continuing the first ${TINY_FRAMES - 1} frames: ${2 * plane} tokens kept, ${N - 2 * plane} regenerated per image`);
    const saved = nodeOutput<{ images: { filename: string }[] }>(r, '9').images;
    expect(saved.map((f) => f.filename)).toEqual(['continued_00001_.gif', 'continued_00002_.gif']);
    const tooLong = await h.run({ ...continuePrompt({}, 'clip'), '4': { class_type: 'ShapesData', inputs: { count: 1, seed: 4, size: 32, objects: '1', frames: TINY_FRAMES + 1 } } });
    expect(tooLong.status).toBe('error');
    expect(JSON.stringify(tooLong.events)).toMatch(new RegExp(`init_tokens hold ${TINY_FRAMES + 1} frames but the model samples ${TINY_FRAMES}`));
  });
});

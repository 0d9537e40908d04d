// LoadVideo, VideoFrames and ImagesToVideo through a real executor: Shapes videos saved by
// SaveVideo come back exactly from the input folder, frames are picked as VideoHelperSuite's Load
// Video picks them, a changed file is read again, clips are cut and batches grouped, and a loaded
// GIF tokenizes with the bundled tokenizer like the video it was made from.
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../../models/backend';
import { generateShapesVideos } from '../../models/data/shapesVideo';
import type { ImageBatch, VideoBatch } from '../../models/image/types';
import { LoadVideo, selectFrames } from '../../nodes/nar/loadVideo';
import type { TokenGrid } from '../../nodes/nar/values';
import { encodeGif } from '../../nodes/nar/video/gifEncoder';
import { Executor } from '../../server/engine/executor/executor';
import { validatePrompt } from '../../server/engine/graph/validate';
import { defineNode, type ExecContext } from '../../server/engine/nodeApi';
import { objectInfo } from '../../server/engine/registry/objectInfo';
import type { ApiWorkflow } from '../../server/engine/workflow/schema';
import { silentLogger } from '../../server/host/hostConfig';
import { hostPaths, narRegistry, tempRoot } from './helpers';

/** An output node that keeps what reaches it, so a test can look at values mid-graph. */
const probed = new Map<string, Record<string, unknown>>();
const Probe = defineNode({
  type: 'TestProbe',
  displayName: 'Probe',
  category: 'testing',
  description: 'keeps its inputs for the test',
  inputs: {
    video: { type: 'VIDEO', kind: 'link', optional: true },
    images: { type: 'IMAGE', kind: 'link', optional: true },
    tokens: { type: 'TOKENS', kind: 'link', optional: true },
    count: { type: 'INT', kind: 'link', optional: true },
  },
  outputs: [],
  outputNode: true,
  alwaysRun: true,
  async execute(inputs, ctx) {
    probed.set(ctx.nodeId, inputs);
    return { outputs: [] };
  },
});

const root = tempRoot('narflow-loadvideo-');
const paths = hostPaths(root, { tokenizer: [path.resolve(__dirname, '../../weights/tokenizer')] });
const registry = narRegistry();
registry.addPack({ name: 'probe', nodes: [Probe] });
const executor = new Executor({ registry, paths, log: silentLogger });
let runs = 0;

/** Validates and runs a prompt; throws with the problems if validation fails. */
async function run(prompt: ApiWorkflow) {
  const v = validatePrompt(prompt, registry, paths);
  if (!v.ok) throw new Error(`invalid prompt: ${JSON.stringify(v.nodeErrors)}`);
  return executor.run({ promptId: `lv${++runs}`, prompt, outputs: v.outputs, signal: new AbortController().signal, emit: () => undefined });
}

const probe = (id: string) => probed.get(id)!;
const to8 = (d: Float32Array) => Array.from(d, (v) => Math.max(0, Math.min(255, Math.round(v * 255))));
const frameSize = 32 * 32 * 3;
/** Frames `ts` of video b of a batch, as 8-bit values. */
const framesOf = (v: VideoBatch, b: number, ts: number[]) => ts.flatMap((t) => to8(v.data.subarray((b * v.frames + t) * frameSize, (b * v.frames + t + 1) * frameSize)));

const loadVideo = (video: string, pick: Record<string, number> = {}): ApiWorkflow => ({
  '1': { class_type: 'LoadVideo', inputs: { video, frame_load_cap: 0, skip_first_frames: 0, select_every_nth: 1, ...pick } },
  '2': { class_type: 'TestProbe', inputs: { video: ['1', 0], images: ['1', 1], count: ['1', 2] } },
});

// what ShapesData {count 2, seed 3, size 32, frames 4 | 10} makes (fps 4, the Shapes default)
const shapes4 = generateShapesVideos(2, 3, { size: 32, frames: 4 }).videos;
const shapes10 = generateShapesVideos(1, 3, { size: 32, frames: 10 }).videos;

beforeAll(async () => {
  await initBackend('wasm');
  // the input files: Shapes videos as SaveVideo writes them (GIF and APNG), copied into input/
  const save = (frames: number, count: number, format: string, prefix: string): ApiWorkflow => ({
    '1': { class_type: 'ShapesData', inputs: { count, seed: 3, size: 32, objects: '1', frames } },
    '2': { class_type: 'SaveVideo', inputs: { videos: ['1', 1], filename_prefix: prefix, format, scale: 1 } },
  });
  expect((await run(save(4, 2, 'gif', 'clips/shapes'))).status).toBe('success');
  expect((await run(save(4, 2, 'apng', 'clips/shapes'))).status).toBe('success');
  expect((await run(save(10, 1, 'gif', 'long'))).status).toBe('success');
  fs.mkdirSync(path.join(paths.input, 'clips'));
  fs.copyFileSync(path.join(paths.output, 'clips/shapes_00001_.gif'), path.join(paths.input, 'shapes.gif'));
  fs.copyFileSync(path.join(paths.output, 'clips/shapes_00001_.png'), path.join(paths.input, 'clips/shapes.png'));
  fs.copyFileSync(path.join(paths.output, 'clips/shapes_00002_.png'), path.join(paths.input, 'clips/second.apng'));
  fs.copyFileSync(path.join(paths.output, 'long_00001_.gif'), path.join(paths.input, 'long.gif'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('LoadVideo', () => {
  it('lists the .gif, .png and .apng files of the input folder (what object_info offers and validation accepts)', () => {
    fs.writeFileSync(path.join(paths.input, 'notes.txt'), 'x');
    fs.writeFileSync(path.join(paths.input, '.hidden.gif'), 'x');
    fs.writeFileSync(path.join(paths.input, 'photo.jpg'), 'x');
    const listed = objectInfo(registry, paths).LoadVideo.input.required.video[0];
    expect(listed).toEqual(['clips/second.apng', 'clips/shapes.png', 'long.gif', 'shapes.gif']);
    expect(objectInfo(registry, paths).LoadVideo.category).toBe('NAR/video');
  });

  it('gives a saved Shapes GIF back exactly: VIDEO (a batch of one) at its frame rate, the frames as IMAGE, and frame_count', async () => {
    expect((await run(loadVideo('shapes.gif'))).status).toBe('success');
    const { video, images, count } = probe('2') as { video: VideoBatch; images: ImageBatch; count: number };
    expect([video.batch, video.frames, video.height, video.width, video.fps]).toEqual([1, 4, 32, 32, 4]);
    expect(to8(video.data)).toEqual(framesOf(shapes4, 0, [0, 1, 2, 3]));
    expect([images.batch, images.height, images.width]).toEqual([4, 32, 32]);
    expect(images.data).toEqual(video.data);
    expect(count).toBe(4);
  });

  it('reads SaveVideo\'s APNG (as .png or .apng) exactly too', async () => {
    await run(loadVideo('clips/shapes.png'));
    expect(to8((probe('2').video as VideoBatch).data)).toEqual(framesOf(shapes4, 0, [0, 1, 2, 3]));
    await run(loadVideo('clips/second.apng'));
    expect(to8((probe('2').video as VideoBatch).data)).toEqual(framesOf(shapes4, 1, [0, 1, 2, 3]));
  });

  it('picks frames as VideoHelperSuite does: skip_first_frames, then every nth, then frame_load_cap; the frame rate drops by n', async () => {
    const pick = (total: number, cap: number, skip: number, nth: number) => selectFrames(total, { cap, skip, nth });
    expect(pick(10, 0, 0, 1)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(pick(10, 3, 2, 2)).toEqual([2, 4, 6]);
    expect(pick(10, 0, 7, 2)).toEqual([7, 9]);
    expect(pick(10, 0, 10, 1)).toEqual([]);
    expect(() => pick(10, 0, 0, 0)).toThrow(/select_every_nth must be a whole number ≥ 1, got 0/);
    await run(loadVideo('long.gif', { skip_first_frames: 1, select_every_nth: 3, frame_load_cap: 2 }));
    const { video, images, count } = probe('2') as { video: VideoBatch; images: ImageBatch; count: number };
    expect([video.frames, images.batch, count]).toEqual([2, 2, 2]);
    expect(video.fps).toBeCloseTo(4 / 3, 10);
    expect(to8(video.data)).toEqual(framesOf(shapes10, 0, [1, 4]));
  });

  it('re-reads a file that changed and takes an unchanged one from the cache', async () => {
    const file = path.join(paths.input, 'changing.gif');
    fs.writeFileSync(file, encodeGif(shapes4, 0));
    const first = await run(loadVideo('changing.gif'));
    expect(first.executed).toContain('1');
    expect((await run(loadVideo('changing.gif'))).cached).toContain('1');
    fs.writeFileSync(file, encodeGif(shapes4, 1));
    fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const third = await run(loadVideo('changing.gif'));
    expect(third.executed).toContain('1');
    expect(to8((probe('2').video as VideoBatch).data)).toEqual(framesOf(shapes4, 1, [0, 1, 2, 3]));
  });

  it('says what was expected: frames left after skipping, a known format, an intact file, a file inside the input folder', async () => {
    const fails = async (prompt: ApiWorkflow) => (await run(prompt)).error?.message;
    expect(await fails(loadVideo('shapes.gif', { skip_first_frames: 4 }))).toBe('shapes.gif has 4 frame(s); skipping the first 4 leaves none (expected skip_first_frames below 4)');
    fs.writeFileSync(path.join(paths.input, 'fake.gif'), 'this is text');
    expect(await fails(loadVideo('fake.gif'))).toMatch(/^fake\.gif: unknown video format: expected a GIF \('GIF87a' \/ 'GIF89a'\) or a PNG \/ APNG .*, got bytes 74 68 69 73/);
    const gif = fs.readFileSync(path.join(paths.input, 'shapes.gif'));
    fs.writeFileSync(path.join(paths.input, 'cut.gif'), gif.subarray(0, gif.length - 40));
    expect(await fails(loadVideo('cut.gif'))).toMatch(/^cut\.gif: GIF truncated in frame 4: needs/);
    fs.writeFileSync(path.join(root, 'outside.gif'), gif);
    const v = validatePrompt(loadVideo('../outside.gif'), registry, paths);
    expect(v.nodeErrors['1'].errors[0].type).toBe('value_not_in_list');
    const ctx = { paths } as ExecContext;
    await expect(LoadVideo.execute({ video: '../outside.gif', frame_load_cap: 0, skip_first_frames: 0, select_every_nth: 1 }, ctx)).rejects.toThrow('video "../outside.gif" is outside the input folder');
    await expect(LoadVideo.execute({ video: 'missing.gif', frame_load_cap: 0, skip_first_frames: 0, select_every_nth: 1 }, ctx)).rejects.toThrow(/^video file missing\.gif does not exist in the input folder$/);
  });

  it('feeds Tokenizer Encode: a 32×32 GIF of 4 frames gives a [4, 8, 8] token grid, the tokens of the video it was saved from', async () => {
    await run({
      '1': { class_type: 'LoadVideo', inputs: { video: 'shapes.gif', frame_load_cap: 0, skip_first_frames: 0, select_every_nth: 1 } },
      '2': { class_type: 'LoadTokenizer', inputs: { tokenizer_name: 'shapes-vq.safetensors' } },
      '3': { class_type: 'TokenizerEncode', inputs: { tokenizer: ['2', 0], videos: ['1', 0] } },
      '4': { class_type: 'ShapesData', inputs: { count: 2, seed: 3, size: 32, objects: '1', frames: 4 } },
      '5': { class_type: 'TokenizerEncode', inputs: { tokenizer: ['2', 0], videos: ['4', 1] } },
      '6': { class_type: 'TestProbe', inputs: { tokens: ['3', 0] } },
      '7': { class_type: 'TestProbe', inputs: { tokens: ['5', 0] } },
    });
    const loaded = probe('6').tokens as TokenGrid;
    const made = probe('7').tokens as TokenGrid;
    expect([loaded.grid, loaded.batch, loaded.tokens.length]).toEqual([[4, 8, 8], 1, 256]);
    expect(Array.from(loaded.tokens)).toEqual(Array.from(made.tokens.subarray(0, 256)));
  });
});

describe('VideoFrames and ImagesToVideo', () => {
  const cut = (start: number, count: number): ApiWorkflow => ({
    '1': { class_type: 'ShapesData', inputs: { count: 2, seed: 3, size: 32, objects: '1', frames: 4 } },
    '2': { class_type: 'VideoFrames', inputs: { video: ['1', 1], start, count } },
    '3': { class_type: 'TestProbe', inputs: { images: ['2', 0], video: ['2', 1] } },
  });

  it('cuts frames start .. start + count − 1 of every video: IMAGE video by video, VIDEO as a shorter clip', async () => {
    await run(cut(1, 2));
    const { images, video } = probe('3') as { images: ImageBatch; video: VideoBatch };
    expect([images.batch, video.batch, video.frames, video.fps]).toEqual([4, 2, 2, 4]);
    expect(to8(images.data)).toEqual([...framesOf(shapes4, 0, [1, 2]), ...framesOf(shapes4, 1, [1, 2])]);
    expect(video.data).toEqual(images.data);
  });

  it('count 0 takes every frame to the end, a count past the end stops there, a start past the end is refused', async () => {
    await run(cut(2, 0));
    expect(to8((probe('3').images as ImageBatch).data)).toEqual([...framesOf(shapes4, 0, [2, 3]), ...framesOf(shapes4, 1, [2, 3])]);
    await run(cut(3, 5));
    expect((probe('3').video as VideoBatch).frames).toBe(1);
    expect((await run(cut(4, 1))).error?.message).toBe('start 4 is not a frame of these videos: expected 0..3 (they have 4 frames)');
  });

  it('groups an image batch into videos in batch order, and refuses a batch that does not divide', async () => {
    const group = (frames_per_video: number): ApiWorkflow => ({
      '1': { class_type: 'ShapesData', inputs: { count: 6, seed: 2, size: 32, objects: 'mixed', frames: 2 } },
      '2': { class_type: 'ImagesToVideo', inputs: { images: ['1', 0], frames_per_video, fps: 12 } },
      '3': { class_type: 'VideoFrames', inputs: { video: ['2', 0], start: 0, count: 0 } },
      '4': { class_type: 'TestProbe', inputs: { video: ['2', 0], images: ['3', 0] } },
      '5': { class_type: 'TestProbe', inputs: { images: ['1', 0] } },
    });
    await run(group(3));
    const { video, images: back } = probe('4') as { video: VideoBatch; images: ImageBatch };
    const images = probe('5').images as ImageBatch;
    expect([video.batch, video.frames, video.height, video.width, video.fps]).toEqual([2, 3, 32, 32, 12]);
    expect(video.data).toEqual(images.data);
    expect(back.data).toEqual(images.data); // and VideoFrames of all frames gives the images back
    await run(group(0));
    expect([(probe('4').video as VideoBatch).batch, (probe('4').video as VideoBatch).frames]).toEqual([1, 6]);
    expect((await run(group(4))).error?.message).toBe('a batch of 6 images does not divide into videos of 4 frames (expected a multiple of 4)');
  });
});

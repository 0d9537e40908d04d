// Bringing videos into a workflow: LoadVideo reads a GIF, APNG or PNG from the input folder (with
// ComfyUI-VideoHelperSuite's frame_load_cap / skip_first_frames / select_every_nth), VideoFrames
// cuts frames out of a VIDEO (as IMAGE and as VIDEO), ImagesToVideo groups an IMAGE batch into videos.
import * as fs from 'fs';
import { PNG_SIGNATURE } from '../../models/image/png';
import { imageBatch, type ImageBatch, type VideoBatch } from '../../models/image/types';
import { defineNode, NodeInputError, type HostPaths } from '../../server/engine/nodeApi';
import { fileInside, listInputFiles } from '../core/imageFiles';
import { collectFrames, fpsFromDelays, type Animation } from './video/animation';
import { readApng } from './video/apngDecoder';
import { readGif } from './video/gifDecoder';
import { expectValue } from './values';

export const VIDEO_FILE = /\.(gif|png|apng)$/i;

/** Video files of the input folder, relative paths with '/', sorted (as for LoadImage). */
export function listVideoFiles(root: string): string[] {
  return listInputFiles(root, VIDEO_FILE);
}

export interface FrameSelection {
  /** frames kept at most (0 = no limit) */
  cap: number;
  /** frames dropped from the start */
  skip: number;
  /** keep one frame in every nth after the skip (1 = all) */
  nth: number;
}

/** Frame indices a selection keeps out of `total`, as VideoHelperSuite's Load Video picks them: skip, then every nth, then cap. */
export function selectFrames(total: number, { cap, skip, nth }: FrameSelection): number[] {
  for (const [name, v, min] of [['frame_load_cap', cap, 0], ['skip_first_frames', skip, 0], ['select_every_nth', nth, 1]] as const) {
    if (!Number.isInteger(v) || v < min) throw new NodeInputError(`${name} must be a whole number ≥ ${min}, got ${v}`);
  }
  const keep: number[] = [];
  for (let t = skip; t < total && (cap === 0 || keep.length < cap); t += nth) keep.push(t);
  return keep;
}

/** The decoder for the file's first bytes (not its extension: a renamed file still reads). */
export function openAnimation(bytes: Buffer, source: string): Animation {
  if (bytes.toString('latin1', 0, 4) === 'GIF8') return readGif(bytes, source);
  if (bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return readApng(bytes, source);
  const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new NodeInputError(`${source}: unknown video format: expected a GIF ('GIF87a' / 'GIF89a') or a PNG / APNG (89 50 4e 47 0d 0a 1a 0a), got bytes ${head || 'none'}`);
}

/** The video `name` in the input folder, or a NodeInputError naming what is wrong. */
function inputVideoFile(paths: HostPaths, name: string): string {
  const file = fileInside(paths.input, name, 'video');
  if (!VIDEO_FILE.test(file)) throw new NodeInputError(`video ${JSON.stringify(name)}: expected a .gif, .png or .apng file`);
  if (!fs.existsSync(file)) throw new NodeInputError(`video file ${name} does not exist in the input folder`);
  return file;
}

/** Decodes the selected frames of an input file; the frame rate drops by select_every_nth so the clip keeps its length. */
export function readInputVideo(paths: HostPaths, name: string, selection: FrameSelection): VideoBatch {
  const file = inputVideoFile(paths, name);
  try {
    const anim = openAnimation(fs.readFileSync(file), name);
    const total = anim.delaysMs.length;
    const keep = selectFrames(total, selection);
    if (!keep.length) {
      throw new NodeInputError(`${name} has ${total} frame(s); skipping the first ${selection.skip} leaves none (expected skip_first_frames below ${total})`);
    }
    return collectFrames(anim, keep, fpsFromDelays(anim.delaysMs) / selection.nth);
  } catch (e) {
    throw e instanceof NodeInputError ? e : new NodeInputError((e as Error).message);
  }
}

/** VIDEO at a node boundary: the right fields and as many values as its shape says. */
export function asVideo(v: unknown, input: string): VideoBatch {
  const x = expectValue<VideoBatch>(v, input, 'VIDEO', (o) => o.data instanceof Float32Array && Number.isInteger(o.frames));
  if (x.data.length !== x.batch * x.frames * x.height * x.width * 3) {
    throw new NodeInputError(`input '${input}': video data has ${x.data.length} values, expected [${x.batch}, ${x.frames}, ${x.height}, ${x.width}, 3]`);
  }
  return x;
}

/** IMAGE at a node boundary. */
export function asImages(v: unknown, input: string): ImageBatch {
  const x = expectValue<ImageBatch>(v, input, 'IMAGE', (o) => o.data instanceof Float32Array && Number.isInteger(o.batch));
  if (x.data.length !== x.batch * x.height * x.width * 3) {
    throw new NodeInputError(`input '${input}': image data has ${x.data.length} values, expected [${x.batch}, ${x.height}, ${x.width}, 3]`);
  }
  return x;
}

export const LoadVideo = defineNode({
  type: 'LoadVideo',
  displayName: 'Load Video',
  category: 'NAR/video',
  description:
    'Loads an animated GIF, an animated PNG (APNG) or a PNG (one frame) from the input folder. Transparent pixels come out black. ' +
    'skip_first_frames, then select_every_nth, then frame_load_cap pick the frames, as in VideoHelperSuite\'s Load Video.',
  inputs: {
    video: { type: 'COMBO', options: (paths) => listVideoFiles(paths.input), tooltip: 'a .gif, .png or .apng in the input folder', folder: 'input/' },
    frame_load_cap: { type: 'INT', default: 0, min: 0, max: 100000, tooltip: 'frames to load at most (0 = all)' },
    skip_first_frames: { type: 'INT', default: 0, min: 0, max: 100000, tooltip: 'frames to drop from the start' },
    select_every_nth: { type: 'INT', default: 1, min: 1, max: 1000, tooltip: 'keep one frame in every n (the frame rate is divided by n)' },
  },
  outputs: [
    { name: 'VIDEO', type: 'VIDEO' },
    { name: 'IMAGE', type: 'IMAGE' },
    { name: 'frame_count', type: 'INT' },
  ],
  fingerprint(inputs, paths) {
    const st = fs.statSync(fileInside(paths.input, String(inputs.video), 'video'));
    return `${st.mtimeMs}:${st.size}`;
  },
  async execute(inputs, ctx) {
    const selection = { cap: Number(inputs.frame_load_cap ?? 0), skip: Number(inputs.skip_first_frames ?? 0), nth: Number(inputs.select_every_nth ?? 1) };
    const video = readInputVideo(ctx.paths, String(inputs.video), selection);
    const images = imageBatch(video.frames, video.height, video.width, video.data); // the same frames, shared
    const text = `${inputs.video}: ${video.frames} frame(s) of ${video.width}×${video.height} at ${Number(video.fps.toFixed(3))} fps`;
    return { outputs: [video, images, video.frames], ui: { text: [text] } };
  },
});

/** Frames [start, start + count) of every video (count 0 = to the end, clipped at the end), in a new video batch. */
export function cutFrames(v: VideoBatch, start: number, count: number): VideoBatch {
  if (!Number.isInteger(start) || start < 0 || start >= v.frames) {
    throw new NodeInputError(`start ${start} is not a frame of these videos: expected 0..${v.frames - 1} (they have ${v.frames} frames)`);
  }
  if (!Number.isInteger(count) || count < 0) throw new NodeInputError(`count must be a whole number ≥ 0 (0 = to the end), got ${count}`);
  const end = count === 0 ? v.frames : Math.min(v.frames, start + count);
  const frame = v.height * v.width * 3;
  const frames = end - start;
  const data = new Float32Array(v.batch * frames * frame); // [B, frames, H, W, 3]
  for (let b = 0; b < v.batch; b++) data.set(v.data.subarray((b * v.frames + start) * frame, (b * v.frames + end) * frame), b * frames * frame);
  return { ...v, frames, data };
}

export const VideoFrames = defineNode({
  type: 'VideoFrames',
  displayName: 'Video Frames',
  category: 'NAR/video',
  description: 'Frames start .. start + count − 1 of every video: as IMAGE (video by video, frame by frame) and as VIDEO (a cut clip). count 0 takes all frames to the end.',
  inputs: {
    video: { type: 'VIDEO', kind: 'link' },
    start: { type: 'INT', default: 0, min: 0, max: 100000, tooltip: 'first frame (0 = the first)' },
    count: { type: 'INT', default: 0, min: 0, max: 100000, tooltip: 'frames to take (0 = to the end; stops at the end)' },
  },
  outputs: [
    { name: 'IMAGE', type: 'IMAGE' },
    { name: 'VIDEO', type: 'VIDEO' },
  ],
  async execute(inputs) {
    const cut = cutFrames(asVideo(inputs.video, 'video'), Number(inputs.start ?? 0), Number(inputs.count ?? 0));
    return { outputs: [imageBatch(cut.batch * cut.frames, cut.height, cut.width, cut.data), cut] };
  },
});

export const ImagesToVideo = defineNode({
  type: 'ImagesToVideo',
  displayName: 'Images to Video',
  category: 'NAR/video',
  description: 'Groups an image batch into videos of frames_per_video frames each, in batch order (0 = all images in one video).',
  inputs: {
    images: { type: 'IMAGE', kind: 'link' },
    frames_per_video: { type: 'INT', default: 0, min: 0, max: 100000, tooltip: 'frames in each video (0 = one video of every image); must divide the batch' },
    fps: { type: 'FLOAT', default: 8, min: 0.5, max: 60, step: 0.5, tooltip: 'frame rate stored with the videos' },
  },
  outputs: [{ name: 'VIDEO', type: 'VIDEO' }],
  async execute(inputs) {
    const images = asImages(inputs.images, 'images');
    const per = Number(inputs.frames_per_video ?? 0);
    const fps = Number(inputs.fps ?? 8);
    if (!Number.isInteger(per) || per < 0) throw new NodeInputError(`frames_per_video must be a whole number ≥ 0 (0 = all in one video), got ${per}`);
    if (!(fps > 0)) throw new NodeInputError(`fps must be above 0, got ${fps}`);
    if (images.batch < 1) throw new NodeInputError('images is an empty batch: expected at least one image');
    const frames = per === 0 ? images.batch : per;
    if (images.batch % frames !== 0) {
      throw new NodeInputError(`a batch of ${images.batch} images does not divide into videos of ${frames} frames (expected a multiple of ${frames})`);
    }
    // [B·T, H, W, 3] images are already laid out as [B, T, H, W, 3] videos: the data is shared.
    const video: VideoBatch = { batch: images.batch / frames, frames, height: images.height, width: images.width, channels: 3, fps, data: images.data };
    return { outputs: [video] };
  },
});

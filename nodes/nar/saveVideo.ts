// SaveVideo: writes each video of a batch to the output folder as a looping GIF or APNG (both
// carry the workflow), or as MP4 when ffmpeg is on PATH. Never overwrites a file.
import * as fs from 'fs';
import * as path from 'path';
import type { VideoBatch } from '../../models/image/types';
import { defineNode, expandFilenamePrefix, FILENAME_PREFIX_PLACEHOLDERS, NodeInputError, splitFilenamePrefix } from '../../server/engine/nodeApi';
import { encodeApng } from './video/apngEncoder';
import { encodeGif } from './video/gifEncoder';
import { ffmpegAvailable, writeMp4 } from './video/mp4Writer';

export const VIDEO_FORMATS = ['gif', 'apng', 'mp4'] as const;
const EXTENSION: Record<string, string> = { gif: 'gif', apng: 'png', mp4: 'mp4' };

/** Nearest-neighbour enlargement of every frame by an integer factor. */
export function scaleVideo(v: VideoBatch, s: number): VideoBatch {
  if (s === 1) return v;
  const w = v.width * s;
  const h = v.height * s;
  const data = new Float32Array(v.batch * v.frames * h * w * 3);
  for (let f = 0; f < v.batch * v.frames; f++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const src = ((f * v.height + Math.floor(y / s)) * v.width + Math.floor(x / s)) * 3;
        const dst = ((f * h + y) * w + x) * 3;
        data[dst] = v.data[src];
        data[dst + 1] = v.data[src + 1];
        data[dst + 2] = v.data[src + 2];
      }
    }
  }
  return { ...v, width: w, height: h, data };
}

/** Reserves `<stem>_<counter:5>_.<ext>` in dir with an exclusive create; returns the file name. */
export function reserveFile(dir: string, stem: string, ext: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const escaped = stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`^${escaped}_(\\d+)_\\.${ext}$`);
  let counter = 1 + Math.max(0, ...fs.readdirSync(dir).map((f) => Number(pattern.exec(f)?.[1] ?? 0)));
  for (;;) {
    const name = `${stem}_${String(counter++).padStart(5, '0')}_.${ext}`;
    try {
      fs.closeSync(fs.openSync(path.join(dir, name), 'wx'));
      return name;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

function checkVideo(v: unknown): VideoBatch {
  const x = v as VideoBatch | undefined;
  if (!x || !(x.data instanceof Float32Array) || !Number.isInteger(x.frames)) throw new NodeInputError('input \'videos\' needs a VIDEO link (e.g. from Tokenizer Decode)');
  if (x.data.length !== x.batch * x.frames * x.height * x.width * 3) {
    throw new NodeInputError(`video data has ${x.data.length} values, expected [${x.batch}, ${x.frames}, ${x.height}, ${x.width}, 3]`);
  }
  return x;
}

export const SaveVideo = defineNode({
  type: 'SaveVideo',
  displayName: 'Save Video',
  category: 'NAR/video',
  description: 'Saves videos in the output folder: looping GIF or animated PNG (both carry the workflow), or MP4 (needs ffmpeg on PATH).',
  inputs: {
    videos: { type: 'VIDEO', kind: 'link' },
    filename_prefix: { type: 'STRING', default: 'narflow_video', tooltip: `file name prefix; may contain a subfolder ('run1/clip') and ${FILENAME_PREFIX_PLACEHOLDERS}` },
    format: { type: 'COMBO', options: [...VIDEO_FORMATS], default: 'gif' },
    scale: { type: 'INT', default: 4, min: 1, max: 16, tooltip: 'nearest-neighbour enlargement (Shapes videos are 32×32)' },
  },
  outputs: [],
  outputNode: true,
  async execute(inputs, ctx) {
    const video = scaleVideo(checkVideo(inputs.videos), Number(inputs.scale ?? 1));
    const format = String(inputs.format ?? 'gif');
    if (!(VIDEO_FORMATS as readonly string[]).includes(format)) throw new NodeInputError(`format must be one of ${VIDEO_FORMATS.join(', ')}, got '${format}'`);
    if (format === 'mp4' && !ffmpegAvailable()) throw new NodeInputError("format 'mp4' needs the ffmpeg program on PATH (install ffmpeg, or choose 'gif' or 'apng')");
    const prefix = expandFilenamePrefix(String(inputs.filename_prefix ?? 'narflow_video'), { now: new Date(), width: video.width, height: video.height, prompt: ctx.prompt });
    const { subfolder, stem } = splitFilenamePrefix(prefix, 'narflow_video');
    const dir = path.join(ctx.paths.output, subfolder);
    const text = ctx.pngText ?? {};
    const files: { filename: string; subfolder: string; type: 'output' }[] = [];
    for (let i = 0; i < video.batch; i++) {
      const filename = reserveFile(dir, stem, EXTENSION[format]);
      const file = path.join(dir, filename);
      if (format === 'gif') fs.writeFileSync(file, encodeGif(video, i, text.workflow ?? text.prompt));
      else if (format === 'apng') fs.writeFileSync(file, encodeApng(video, i, text));
      else await writeMp4(video, i, file, ctx.signal);
      files.push({ filename, subfolder, type: 'output' });
      ctx.progress(i + 1, video.batch);
    }
    const ui = format === 'mp4' ? { videos: files, text: files.map((f) => path.posix.join(f.subfolder, f.filename)) } : { images: files, animated: files.map(() => true) };
    return { outputs: [], ui };
  },
});

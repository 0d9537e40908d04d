// SaveVideo writes valid animated files: GIF and APNG read back frame for frame (by readers written
// from the specs), loop forever, keep the frame rate, carry the workflow, never overwrite.
import * as fs from 'fs';
import * as path from 'path';
import { generateShapesVideos } from '../../models/data/shapesVideo';
import { readPngText } from '../../models/image/png';
import type { VideoBatch } from '../../models/image/types';
import { SaveVideo } from '../../nodes/nar/saveVideo';
import { ffmpegAvailable } from '../../nodes/nar/video/mp4Writer';
import type { ExecContext } from '../../server/engine/nodeApi';
import { decodeApng, decodeGif } from './animatedFormats';
import { hostPaths, tempRoot } from './helpers';

const paths = hostPaths(tempRoot('narflow-video-'), {});
const ctx = (pngText?: Record<string, string>): ExecContext => ({
  promptId: 'v',
  nodeId: '1',
  progress: () => undefined,
  signal: new AbortController().signal,
  log: { info: () => undefined, warn: () => undefined, error: () => undefined },
  paths,
  pngText,
});

const shapes = generateShapesVideos(2, 7, { frames: 4, size: 32, fps: 5 }).videos;
const bytesOf = (v: VideoBatch, i: number, t: number) => Uint8Array.from(v.data.subarray(((i * v.frames + t) * v.height * v.width) * 3, ((i * v.frames + t + 1) * v.height * v.width) * 3), (x) => Math.max(0, Math.min(255, Math.round(x * 255))));

async function save(videos: VideoBatch, format: string, prefix: string, text?: Record<string, string>) {
  const r = await SaveVideo.execute({ videos, filename_prefix: prefix, format, scale: 1 }, ctx(text));
  return (r.ui!.images as { filename: string; subfolder: string }[]).map((f) => path.join(paths.output, f.subfolder, f.filename));
}

describe('SaveVideo', () => {
  it('GIF: every frame reads back exactly (Shapes videos have few colours), looping, at the frame rate, with the workflow', async () => {
    const files = await save(shapes, 'gif', 'clips/shapes', { workflow: '{"nodes":[]}' });
    expect(files.map((f) => path.relative(paths.output, f))).toEqual(['clips/shapes_00001_.gif', 'clips/shapes_00002_.gif']);
    files.forEach((f, i) => {
      const gif = decodeGif(fs.readFileSync(f));
      expect([gif.width, gif.height, gif.frames.length, gif.loops]).toEqual([32, 32, 4, 0]);
      expect(gif.delays).toEqual([200, 200, 200, 200]);
      expect(gif.comment).toBe('{"nodes":[]}');
      gif.frames.forEach((frame, t) => expect(Buffer.from(frame).equals(Buffer.from(bytesOf(shapes, i, t)))).toBe(true));
    });
  });

  it('GIF with more than 256 colours (and more than 4096 LZW codes) uses a 6×7×6 colour cube, within half a step', async () => {
    const frames = 3;
    const side = 96;
    const v: VideoBatch = { batch: 1, frames, height: side, width: side, channels: 3, fps: 10, data: new Float32Array(frames * side * side * 3).map((_, i) => ((i * 7919) % 1000) / 999) };
    const [file] = await save(v, 'gif', 'noise');
    const gif = decodeGif(fs.readFileSync(file));
    expect(gif.frames).toHaveLength(frames);
    const want = bytesOf(v, 0, 1);
    const worst = Math.max(...Array.from(gif.frames[1], (b, k) => Math.abs(b - want[k])));
    expect(worst).toBeLessThanOrEqual(Math.ceil(255 / 5 / 2));
  });

  it('APNG: every frame reads back exactly, looping, at the frame rate; the workflow reads back as PNG text', async () => {
    const text = { prompt: '{"1":{}}', workflow: '{"nodes":[1]}' };
    const files = await save(shapes, 'apng', 'shapes', text);
    expect(files).toHaveLength(2);
    const bytes = fs.readFileSync(files[1]);
    const png = decodeApng(bytes);
    expect([png.width, png.height, png.frames.length, png.loops]).toEqual([32, 32, 4, 0]);
    expect(png.delays).toEqual([200, 200, 200, 200]);
    png.frames.forEach((frame, t) => expect(Buffer.from(frame).equals(Buffer.from(bytesOf(shapes, 1, t)))).toBe(true));
    expect(readPngText(bytes)).toEqual(text);
  });

  it('fills ComfyUI\'s placeholders in the prefix: the saved size (after scaling) and the year', async () => {
    const r = await SaveVideo.execute({ videos: shapes, filename_prefix: 'clips_%year%/c_%width%x%height%', format: 'gif', scale: 2 }, ctx());
    const files = r.ui!.images as { filename: string; subfolder: string }[];
    expect(files[0]).toMatchObject({ subfolder: `clips_${new Date().getFullYear()}`, filename: 'c_64x64_00001_.gif' });
  });

  it('scales frames up by whole pixels and never overwrites an earlier file', async () => {
    const a = await save(shapes, 'gif', 'again');
    const r = await SaveVideo.execute({ videos: shapes, filename_prefix: 'again', format: 'gif', scale: 3 }, ctx());
    const b = (r.ui!.images as { filename: string }[]).map((f) => f.filename);
    expect(b).toEqual(['again_00003_.gif', 'again_00004_.gif']);
    expect(a.map((f) => path.basename(f))).toEqual(['again_00001_.gif', 'again_00002_.gif']);
    const gif = decodeGif(fs.readFileSync(path.join(paths.output, b[0])));
    expect([gif.width, gif.height]).toEqual([96, 96]);
    expect(gif.frames[0].subarray(0, 9)).toEqual(Uint8Array.from([...bytesOf(shapes, 0, 0).subarray(0, 3), ...bytesOf(shapes, 0, 0).subarray(0, 3), ...bytesOf(shapes, 0, 0).subarray(0, 3)]));
  });

  it('MP4 needs ffmpeg: written when it is on PATH, else a clear error', async () => {
    if (ffmpegAvailable()) {
      const r = await SaveVideo.execute({ videos: shapes, filename_prefix: 'mp4', format: 'mp4', scale: 1 }, ctx());
      const files = r.ui!.videos as { filename: string }[];
      expect(files).toHaveLength(2);
      const head = fs.readFileSync(path.join(paths.output, files[0].filename)).subarray(4, 8).toString('latin1');
      expect(head).toBe('ftyp');
    } else {
      await expect(SaveVideo.execute({ videos: shapes, filename_prefix: 'mp4', format: 'mp4', scale: 1 }, ctx())).rejects.toThrow(/needs the ffmpeg program on PATH/);
    }
  });

  it('refuses a video whose data does not match its shape', async () => {
    const bad = { ...shapes, frames: 5 };
    await expect(save(bad, 'gif', 'bad')).rejects.toThrow(/expected \[2, 5, 32, 32, 3\]/);
  });
});

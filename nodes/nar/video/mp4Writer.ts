// MP4 (H.264) through the ffmpeg binary when it is on PATH: raw RGB frames piped to its stdin.
import { spawn, spawnSync } from 'child_process';
import type { VideoBatch } from '../../../models/image/types';

/** True when an `ffmpeg` executable runs. */
export function ffmpegAvailable(): boolean {
  try {
    return spawnSync('ffmpeg', ['-version'], { stdio: 'ignore', timeout: 5000 }).status === 0;
  } catch {
    return false;
  }
}

/** Writes video `index` of a batch to `file` as MP4 (yuv420p; sides rounded up to even by padding). */
export function writeMp4(video: VideoBatch, index: number, file: string, signal?: AbortSignal): Promise<void> {
  const { width, height, frames } = video;
  const size = frames * width * height * 3;
  const rgb = Buffer.alloc(size);
  const src = video.data.subarray(index * size, (index + 1) * size);
  for (let i = 0; i < size; i++) rgb[i] = Math.max(0, Math.min(255, Math.round(src[i] * 255)));
  const args = ['-y', '-loglevel', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(video.fps), '-i', '-'];
  args.push('-vf', 'pad=ceil(iw/2)*2:ceil(ih/2)*2', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-movflags', '+faststart', file);
  return new Promise((resolve, reject) => {
    const proc = spawn('ffmpeg', args, { stdio: ['pipe', 'ignore', 'pipe'], signal });
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.on('error', (e) => reject(new Error(`ffmpeg could not run: ${e.message}`)));
    proc.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited with ${code}: ${stderr.trim().slice(0, 500)}`))));
    proc.stdin.on('error', () => undefined);
    proc.stdin.end(rgb);
  });
}

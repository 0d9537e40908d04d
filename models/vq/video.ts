// Videos through an image tokenizer, frame by frame: [B][T][h][w] codes.
import type { VideoBatch } from '../image/types';
import type { CodeGrid, Tokenizer } from './tokenizer';

/** Every frame of every video encoded on its own → codes [B][T][h][w]. */
export function encodeVideo(tok: Tokenizer, video: VideoBatch): CodeGrid[] {
  const frames = tok.encode({ batch: video.batch * video.frames, height: video.height, width: video.width, channels: 3, data: video.data });
  const out: CodeGrid[] = [];
  for (let b = 0; b < video.batch; b++) out.push(frames.slice(b * video.frames, (b + 1) * video.frames));
  return out;
}

/** Codes [B][T][h][w] → videos, each frame decoded on its own. */
export function decodeVideo(tok: Tokenizer, codes: CodeGrid[], fps: number): VideoBatch {
  const frames = codes.length ? codes[0].length : 0;
  codes.forEach((v, b) => {
    if (v.length !== frames) throw new Error(`video codes[${b}] has ${v.length} frames, expected ${frames} like codes[0]`);
  });
  if (!frames) throw new Error('video codes must be a non-empty array [B][T][h][w]');
  const images = tok.decode(codes.flat(1));
  return { batch: codes.length, frames, height: images.height, width: images.width, channels: 3, fps, data: images.data };
}

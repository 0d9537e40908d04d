// A user's own data: a folder of images (PNG / JPEG), or a folder of videos stored as one
// sub-folder of frames per video. Errors name the folder or file and what was expected.
import * as fs from 'fs';
import * as path from 'path';
import { IMAGE_EXTENSIONS, readImageFile } from '../image/read';
import { type ImageBatch, type VideoBatch, imageBatch } from '../image/types';

export interface FolderOptions {
  /** resize (centre crop to a square, then bilinear) every image to size × size */
  size?: number;
}

export interface ImageFolder {
  images: ImageBatch;
  files: string[];
}

export interface VideoFolder {
  videos: VideoBatch;
  /** one folder per video */
  folders: string[];
}

function listDir(dir: string, what: string): fs.Dirent[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'ENOTDIR' ? 'is not a folder' : code ?? (e as Error).message;
    throw new Error(`${what} ${dir} ${why}`);
  }
  return entries.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
}

function isImageFile(name: string): boolean {
  return IMAGE_EXTENSIONS.includes(path.extname(name).toLowerCase());
}

/** Centre-crops to a square and resizes bilinearly (align_corners = false) to size × size. */
export function resizeSquare(img: ImageBatch, size: number): ImageBatch {
  if (img.batch !== 1) throw new Error(`resizeSquare expects one image, got a batch of ${img.batch}`);
  const side = Math.min(img.height, img.width);
  const y0 = Math.floor((img.height - side) / 2);
  const x0 = Math.floor((img.width - side) / 2);
  if (side === size) {
    const out = imageBatch(1, size, size);
    for (let y = 0; y < size; y++) out.data.set(img.data.subarray(((y0 + y) * img.width + x0) * 3, ((y0 + y) * img.width + x0 + size) * 3), y * size * 3);
    return out;
  }
  const out = imageBatch(1, size, size);
  const scale = side / size;
  const at = (y: number, x: number, c: number) => img.data[((y0 + y) * img.width + x0 + x) * 3 + c];
  for (let y = 0; y < size; y++) {
    const sy = Math.min(Math.max((y + 0.5) * scale - 0.5, 0), side - 1);
    const ya = Math.floor(sy);
    const yb = Math.min(ya + 1, side - 1);
    const fy = sy - ya;
    for (let x = 0; x < size; x++) {
      const sx = Math.min(Math.max((x + 0.5) * scale - 0.5, 0), side - 1);
      const xa = Math.floor(sx);
      const xb = Math.min(xa + 1, side - 1);
      const fx = sx - xa;
      for (let c = 0; c < 3; c++) {
        const top = at(ya, xa, c) * (1 - fx) + at(ya, xb, c) * fx;
        const bottom = at(yb, xa, c) * (1 - fx) + at(yb, xb, c) * fx;
        out.data[(y * size + x) * 3 + c] = top * (1 - fy) + bottom * fy;
      }
    }
  }
  return out;
}

/** Stacks same-sized single images into one batch; the error names the first odd one out. */
function stack(images: ImageBatch[], names: string[], what: string): ImageBatch {
  const { height, width } = images[0];
  const out = imageBatch(images.length, height, width);
  images.forEach((img, i) => {
    if (img.height !== height || img.width !== width) {
      throw new Error(`${names[i]} is ${img.width}×${img.height} but ${names[0]} is ${width}×${height}; ${what} must share one size (or pass a size to resize them)`);
    }
    out.data.set(img.data, i * height * width * 3);
  });
  return out;
}

function imageFilesIn(dir: string, what: string): string[] {
  const files = listDir(dir, what)
    .filter((e) => e.isFile() && isImageFile(e.name))
    .map((e) => path.join(dir, e.name));
  if (!files.length) throw new Error(`${what} ${dir} holds no images (expected files ending in ${IMAGE_EXTENSIONS.join(', ')})`);
  return files;
}

function readAll(files: string[], options: FolderOptions): ImageBatch[] {
  return files.map((f) => {
    const img = readImageFile(f);
    return options.size ? resizeSquare(img, options.size) : img;
  });
}

/** Every PNG / JPEG directly inside `dir`, in natural name order (img2 before img10). */
export function loadImageFolder(dir: string, options: FolderOptions = {}): ImageFolder {
  if (options.size !== undefined && (!Number.isInteger(options.size) || options.size < 1)) throw new Error(`size must be a positive integer, got ${options.size}`);
  const files = imageFilesIn(dir, 'image folder');
  return { images: stack(readAll(files, options), files, 'images of one folder'), files };
}

/** Each sub-folder of `dir` is one video; its images, in natural name order, are the frames. */
export function loadVideoFolder(dir: string, options: FolderOptions & { fps?: number } = {}): VideoFolder {
  const folders = listDir(dir, 'video folder')
    .filter((e) => e.isDirectory())
    .map((e) => path.join(dir, e.name));
  if (!folders.length) throw new Error(`video folder ${dir} holds no sub-folders (expected one folder of frames per video)`);
  const clips = folders.map((f) => {
    const files = imageFilesIn(f, 'frame folder');
    return { frames: stack(readAll(files, options), files, 'frames of one video'), first: files[0] };
  });
  const { batch: frames, height, width } = clips[0].frames;
  const data = new Float32Array(clips.length * frames * height * width * 3);
  clips.forEach((c, i) => {
    if (c.frames.batch !== frames || c.frames.height !== height || c.frames.width !== width) {
      throw new Error(
        `video ${folders[i]} has ${c.frames.batch} frames of ${c.frames.width}×${c.frames.height} but ${folders[0]} has ${frames} of ${width}×${height}; videos of one folder must match`,
      );
    }
    data.set(c.frames.data, i * frames * height * width * 3);
  });
  return { videos: { batch: clips.length, frames, height, width, channels: 3, fps: options.fps ?? 8, data }, folders };
}

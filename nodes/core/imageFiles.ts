// Reading input images and writing output images for the core nodes.
import * as fs from 'fs';
import * as path from 'path';
import { encodePng } from '../../models/image/png';
import { readImageWithMask } from '../../models/image/read';
import { ImageBatch, imageAt, type MaskBatch } from '../../models/image/types';
import { NodeInputError, splitFilenamePrefix } from '../../server/engine/nodeApi';

export const IMAGE_FILE = /\.(png|jpe?g|webp)$/i;

/** Image files of a folder, relative paths with '/', sorted (dotfiles and deeper than 2 levels skipped). */
export function listImageFiles(root: string): string[] {
  return listInputFiles(root, IMAGE_FILE);
}

/** Files of a folder whose names match, relative paths with '/', sorted (dotfiles and deeper than 2 levels skipped). */
export function listInputFiles(root: string, pattern: RegExp): string[] {
  const out: string[] = [];
  const walk = (rel: string, depth: number) => {
    const dir = path.join(root, rel);
    if (!fs.existsSync(dir)) return;
    for (const f of fs.readdirSync(dir).sort()) {
      if (f.startsWith('.')) continue;
      const r = rel ? `${rel}/${f}` : f;
      const st = fs.statSync(path.join(root, r));
      if (st.isDirectory()) {
        if (depth < 2) walk(r, depth + 1);
      } else if (pattern.test(f)) out.push(r);
    }
  };
  walk('', 0);
  return out;
}

/** A relative file name inside root, or a NodeInputError naming it as `what` (an image, a video). */
export function fileInside(root: string, name: string, what = 'image'): string {
  const full = path.resolve(root, name);
  const rel = path.relative(path.resolve(root), full);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) throw new NodeInputError(`${what} ${JSON.stringify(name)} is outside the input folder`);
  return full;
}

/**
 * An input image and its mask (1 where the PNG is transparent); a missing or unreadable file is a
 * NodeInputError naming it as `shown` (its name in the input folder: messages reach every client
 * and the history, which need not learn where the server keeps its files).
 */
export function readInputImage(file: string, shown = path.basename(file)): { image: ImageBatch; mask: MaskBatch } {
  if (!fs.existsSync(file)) throw new NodeInputError(`image file ${shown} does not exist in the input folder`);
  if (/\.webp$/i.test(file)) throw new NodeInputError(`cannot decode ${shown}: only PNG and JPEG inputs are supported (WebP is stored but not decoded)`);
  try {
    return readImageWithMask(file);
  } catch (e) {
    throw new NodeInputError((e as Error).message.split(file).join(shown));
  }
}

/**
 * Writes each image of a batch as `<prefix>_<counter:5>_.png` in folder/subfolder, never
 * overwriting (exclusive create, counter bumped on collision). Returns the file names.
 */
export function writeImages(folder: string, prefix: string, images: ImageBatch, text: Record<string, string>): { filename: string; subfolder: string }[] {
  const { subfolder, stem } = splitFilenamePrefix(prefix, 'narflow');
  const dir = path.join(folder, subfolder);
  fs.mkdirSync(dir, { recursive: true });
  const pattern = new RegExp(`^${stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}_(\\d+)_\\.png$`);
  let counter = 1 + Math.max(0, ...fs.readdirSync(dir).map((f) => Number(pattern.exec(f)?.[1] ?? 0)));
  const written: { filename: string; subfolder: string }[] = [];
  for (let i = 0; i < images.batch; i++) {
    const bytes = encodePng(imageAt(images, i), 0, text);
    for (;;) {
      const filename = `${stem}_${String(counter).padStart(5, '0')}_.png`;
      counter++;
      try {
        fs.writeFileSync(path.join(dir, filename), bytes, { flag: 'wx' });
        written.push({ filename, subfolder });
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
  }
  return written;
}

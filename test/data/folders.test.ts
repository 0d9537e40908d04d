import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as jpeg from 'jpeg-js';
import { encodePng } from '../../models/image/png';
import { imageAt } from '../../models/image/types';
import { loadImageFolder, loadVideoFolder } from '../../models/data/folders';
import { generateShapesImages } from '../../models/data/shapes';

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-folders-'));
}

describe('image folders', () => {
  const shapes = generateShapesImages(3, 4, { size: 16 });

  it('loads PNGs in natural name order, byte-exact to 1/255', () => {
    const dir = tmpDir();
    [2, 10, 1].forEach((n, i) => fs.writeFileSync(path.join(dir, `img${n}.png`), encodePng(imageAt(shapes.images, i))));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not an image');
    const { images, files } = loadImageFolder(dir);
    expect(files.map((f) => path.basename(f))).toEqual(['img1.png', 'img2.png', 'img10.png']);
    expect(images.batch).toBe(3);
    const original = imageAt(shapes.images, 0).data;
    const loaded = imageAt(images, 1).data; // img2.png was image 0
    for (let i = 0; i < original.length; i++) expect(Math.abs(original[i] - loaded[i])).toBeLessThanOrEqual(0.5 / 255 + 1e-6);
  });

  it('loads JPEGs and resizes to a requested size', () => {
    const dir = tmpDir();
    const w = 40, h = 20;
    const rgba = Buffer.alloc(w * h * 4, 255);
    fs.writeFileSync(path.join(dir, 'a.jpg'), jpeg.encode({ data: rgba, width: w, height: h }, 95).data);
    const { images } = loadImageFolder(dir, { size: 8 });
    expect([images.batch, images.height, images.width]).toEqual([1, 8, 8]);
    expect(Math.min(...images.data)).toBeGreaterThan(0.95);
  });

  it('names an unreadable file', () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'good.png'), encodePng(imageAt(shapes.images, 0)));
    fs.writeFileSync(path.join(dir, 'broken.png'), Buffer.from('this is not a png'));
    expect(() => loadImageFolder(dir)).toThrow(/broken\.png: cannot decode PNG/);
    fs.unlinkSync(path.join(dir, 'broken.png'));
    fs.writeFileSync(path.join(dir, 'broken.jpg'), Buffer.from('nor a jpeg'));
    expect(() => loadImageFolder(dir)).toThrow(/broken\.jpg: cannot decode JPEG/);
  });

  it('says what is wrong with a missing, empty or mixed-size folder', () => {
    const dir = tmpDir();
    expect(() => loadImageFolder(path.join(dir, 'nope'))).toThrow(/image folder .*nope does not exist/);
    expect(() => loadImageFolder(dir)).toThrow(/holds no images \(expected files ending in \.png, \.jpg, \.jpeg\)/);
    fs.writeFileSync(path.join(dir, 'a.png'), encodePng(imageAt(shapes.images, 0)));
    fs.writeFileSync(path.join(dir, 'b.png'), encodePng(imageAt(generateShapesImages(1, 1, { size: 20 }).images, 0)));
    expect(() => loadImageFolder(dir)).toThrow(/b\.png is 20×20 but .*a\.png is 16×16/);
  });
});

describe('video folders', () => {
  it('reads one sub-folder of frames per video and checks frame counts', () => {
    const dir = tmpDir();
    const frames = generateShapesImages(6, 2, { size: 16 }).images;
    for (const [v, n] of [['clip-a', 3], ['clip-b', 3]] as const) {
      fs.mkdirSync(path.join(dir, v));
      for (let t = 0; t < n; t++) fs.writeFileSync(path.join(dir, v, `${t}.png`), encodePng(imageAt(frames, t + (v === 'clip-b' ? 3 : 0))));
    }
    const { videos, folders } = loadVideoFolder(dir);
    expect([videos.batch, videos.frames, videos.height]).toEqual([2, 3, 16]);
    expect(folders.map((f) => path.basename(f))).toEqual(['clip-a', 'clip-b']);
    fs.writeFileSync(path.join(dir, 'clip-b', '3.png'), encodePng(imageAt(frames, 0)));
    expect(() => loadVideoFolder(dir)).toThrow(/clip-b has 4 frames of 16×16 but .*clip-a has 3/);
    expect(() => loadVideoFolder(path.join(dir, 'clip-a'))).toThrow(/holds no sub-folders/);
  });
});

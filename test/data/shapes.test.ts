import { createHash } from 'crypto';
import { generateShapesForLabels, generateShapesImages, captionOf } from '../../models/data/shapes';
import { generateShapesVideos, videoClassParts } from '../../models/data/shapesVideo';
import { BACKGROUND, COLORS, classParts, NUM_IMAGE_CLASSES } from '../../models/data/shapesSpec';

const sha = (a: Float32Array) => createHash('sha256').update(Buffer.from(a.buffer, a.byteOffset, a.byteLength)).digest('hex');

/** Mean position of the pixels that differ from the background, in one [H, W, 3] frame. */
function centroid(data: Float32Array, offset: number, size: number): { x: number; y: number; n: number } {
  let sx = 0, sy = 0, n = 0;
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    const o = offset + (y * size + x) * 3;
    const d = Math.abs(data[o] - BACKGROUND[0] / 255) + Math.abs(data[o + 1] - BACKGROUND[1] / 255) + Math.abs(data[o + 2] - BACKGROUND[2] / 255);
    if (d > 0.3) { sx += x; sy += y; n++; }
  }
  return { x: sx / n, y: sy / n, n };
}

describe('Shapes images', () => {
  it('gives the same bytes for the same seed and different bytes for another seed', () => {
    const a = generateShapesImages(16, 7, { objects: 'mixed' });
    const b = generateShapesImages(16, 7, { objects: 'mixed' });
    const c = generateShapesImages(16, 8, { objects: 'mixed' });
    expect(sha(a.images.data)).toBe(sha(b.images.data));
    expect(a.captions).toEqual(b.captions);
    expect(sha(a.images.data)).not.toBe(sha(c.images.data));
  });

  it('paints the object colour at the object centre and background in an empty cell', () => {
    const { images, objects } = generateShapesImages(20, 3, { size: 48 });
    for (let i = 0; i < 20; i++) {
      const o = objects[i][0];
      const cell = 48 / 3;
      const cx = Math.floor((o.col + 0.5) * cell), cy = Math.floor((o.row + 0.5) * cell);
      const p = (i * 48 * 48 + cy * 48 + cx) * 3;
      expect(Array.from(images.data.subarray(p, p + 3)).map((v) => Math.round(v * 255))).toEqual([...COLORS[o.color]]);
      const er = (o.row + 1) % 3, ec = (o.col + 1) % 3; // another cell, empty with one object
      const q = (i * 48 * 48 + Math.floor((er + 0.5) * cell) * 48 + Math.floor((ec + 0.5) * cell)) * 3;
      expect(Array.from(images.data.subarray(q, q + 3)).map((v) => Math.round(v * 255))).toEqual([...BACKGROUND]);
    }
  });

  it('labels single-object images by shape × colour and captions them with colour, shape and place', () => {
    const { labels, captions, objects } = generateShapesImages(30, 11);
    labels.forEach((l, i) => {
      expect(classParts(l)).toEqual({ shape: objects[i][0].shape, color: objects[i][0].color });
      expect(captions[i].startsWith(`a ${objects[i][0].color} ${objects[i][0].shape} at the `)).toBe(true);
    });
  });

  it('captions two objects with their relation', () => {
    const a = { shape: 'square', color: 'blue', row: 1, col: 0, size: 'large' } as const;
    const b = { shape: 'triangle', color: 'green', row: 1, col: 2, size: 'small' } as const;
    expect(captionOf([a, b])).toBe('a blue square left of a green triangle');
    expect(captionOf([{ ...a, row: 0, col: 0 }])).toBe('a blue square at the top left');
    expect(captionOf([{ ...a, col: 2, row: 0 }, b])).toBe('a blue square above a green triangle');
  });

  it('places two objects in distinct cells', () => {
    const { objects } = generateShapesImages(50, 5, { objects: 2 });
    for (const [a, b] of objects) expect(a.row * 3 + a.col).not.toBe(b.row * 3 + b.col);
  });

  it('renders requested labels', () => {
    const labels = Array.from({ length: NUM_IMAGE_CLASSES }, (_, i) => i);
    const s = generateShapesForLabels(labels, 1);
    s.objects.forEach((o, i) => expect(classParts(i)).toEqual({ shape: o[0].shape, color: o[0].color }));
    expect(() => generateShapesForLabels([18], 1)).toThrow(/\[0, 18\), got 18/);
  });

  it('rejects a bad size with a clear error', () => {
    expect(() => generateShapesImages(1, 1, { size: 5 })).toThrow(/integer >= 12, got 5/);
  });
});

describe('Shapes videos', () => {
  it('is deterministic per seed', () => {
    expect(sha(generateShapesVideos(6, 2).videos.data)).toBe(sha(generateShapesVideos(6, 2).videos.data));
    expect(sha(generateShapesVideos(6, 2).videos.data)).not.toBe(sha(generateShapesVideos(6, 3).videos.data));
  });

  it('moves the object one layout cell in its class direction', () => {
    const frames = 4, size = 32;
    const { videos, labels } = generateShapesVideos(12, 9, { frames, size });
    expect([videos.batch, videos.frames, videos.height, videos.width]).toEqual([12, frames, size, size]);
    labels.forEach((label, b) => {
      const { direction } = videoClassParts(label);
      const first = centroid(videos.data, b * frames * size * size * 3, size);
      const last = centroid(videos.data, (b * frames + frames - 1) * size * size * 3, size);
      const dx = last.x - first.x, dy = last.y - first.y;
      const expected = { up: [0, -1], down: [0, 1], left: [-1, 0], right: [1, 0] }[direction];
      expect(dx * expected[0] + dy * expected[1]).toBeGreaterThan(size / 3 - 1.5);
      expect(Math.abs(dx * expected[1]) + Math.abs(dy * expected[0])).toBeLessThan(1.5);
    });
  });
});

// imageGrid and the ImageGrid node: layout, upscale, gap and background, sizes refused by name.
import { imageGrid } from '../../models/image/grid';
import { imageBatch, type ImageBatch } from '../../models/image/types';
import { ImageGrid } from '../../nodes/core/imageOps';

/** A batch of 1×1 images whose red channel is its index / 10. */
function dots(n: number): ImageBatch {
  const b = imageBatch(n, 1, 1);
  for (let i = 0; i < n; i++) b.data[i * 3] = i / 10;
  return b;
}

const px = (img: ImageBatch, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));

describe('imageGrid', () => {
  it('lays a batch out row by row, as square as the count allows by default', () => {
    const g = imageGrid(dots(5), { gap: 0 });
    expect([g.batch, g.width, g.height]).toEqual([1, 3, 2]); // ceil(sqrt 5) = 3 columns, 2 rows
    expect([0, 1, 2].map((x) => px(g, x, 0)[0])).toEqual([0, 0.1, 0.2].map((v) => Math.fround(v)));
    expect([0, 1].map((x) => px(g, x, 1)[0])).toEqual([0.3, 0.4].map((v) => Math.fround(v)));
    expect(px(g, 2, 1)).toEqual([1, 1, 1]); // the empty cell is background
  });

  it('upscales each tile and puts the gap around every tile in the background colour', () => {
    const g = imageGrid(dots(2), { columns: 2, gap: 1, scale: 2, background: [0, 0, 1] });
    expect([g.width, g.height]).toEqual([2 * 2 + 3, 2 + 2]);
    expect(px(g, 0, 0)).toEqual([0, 0, 1]);
    expect(px(g, 1, 1)[0]).toBe(0);
    expect(px(g, 2, 2)[0]).toBe(0); // the 2×2 copy of tile 0
    expect(px(g, 3, 1)).toEqual([0, 0, 1]); // the gap between the tiles
    expect(px(g, 4, 2)[0]).toBeCloseTo(0.1, 6);
  });

  it('takes several batches as one sequence, and refuses tiles of different sizes', () => {
    expect(imageGrid([dots(2), dots(2)], { columns: 4, gap: 0 }).width).toBe(4);
    const flush = imageGrid(dots(2), { columns: 2, gap: 3, border: 0, background: [0, 0, 1] }); // as the sampler's preview lays out
    expect([flush.width, flush.height]).toEqual([5, 1]);
    expect([px(flush, 0, 0)[2], px(flush, 1, 0)]).toEqual([0, [0, 0, 1]]);
    expect(() => imageGrid([dots(1), imageBatch(1, 2, 2)])).toThrow('imageGrid tiles must share one size: 1×1 and 2×2');
    expect(() => imageGrid(dots(1), { scale: 0 })).toThrow(/scale must be a positive integer/);
  });
});

describe('ImageGrid node', () => {
  it('makes one image of a batch with the background given', async () => {
    const r = await ImageGrid.execute({ images: dots(4), columns: 0, gap: 1, scale: 1, background: '#ff0000' }, {} as never);
    const g = r.outputs[0] as ImageBatch;
    expect([g.batch, g.width, g.height]).toEqual([1, 5, 5]);
    expect(px(g, 0, 0)).toEqual([1, 0, 0]);
    await expect(ImageGrid.execute({ images: dots(4), columns: 0, gap: 1, scale: 1, background: 'red' }, {} as never)).rejects.toThrow('background must be a colour like #ff8800, got "red"');
  });
});

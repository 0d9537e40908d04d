// The GIF and APNG decoders of nodes/nar/video: our own encoders' files read back exactly, and
// hand-built files (test/nodes/animationWriters.ts, written from the specs) exercise interlacing,
// local colour tables, sub-rectangles, transparency, disposal, LZW code growth, APNG regions, blend
// and dispose ops; damaged files fail with errors saying where; files from ffmpeg decode to the
// pixels ffmpeg decodes them to.
import * as fs from 'fs';
import * as path from 'path';
import { PNG } from 'pngjs';
import { generateShapesVideos } from '../../models/data/shapesVideo';
import { decodePng, encodePng } from '../../models/image/png';
import { imageBatch, type VideoBatch } from '../../models/image/types';
import { collectFrames, fpsFromDelays } from '../../nodes/nar/video/animation';
import { encodeApng } from '../../nodes/nar/video/apngEncoder';
import { decodeApng, readApng } from '../../nodes/nar/video/apngDecoder';
import { decodeGif, interlacedRows, readGif } from '../../nodes/nar/video/gifDecoder';
import { encodeGif } from '../../nodes/nar/video/gifEncoder';
import { lzwDecode } from '../../nodes/nar/video/gifLzw';
import { buildApng, buildGif, lzwEncode, pngChunkOf, pngChunks, type GifFrameSpec } from './animationWriters';

const to8 = (v: number) => Math.max(0, Math.min(255, Math.round(v * 255)));
const bytes8 = (data: Float32Array) => Array.from(data, to8);

/** Frame t as one string per row, a letter per pixel: R G B W Y by colour, '.' for black (transparent). */
function rows(v: VideoBatch, t: number): string[] {
  const names: Record<string, string> = { '255,0,0': 'R', '0,255,0': 'G', '0,0,255': 'B', '255,255,255': 'W', '255,255,0': 'Y', '0,0,0': '.' };
  const out: string[] = [];
  for (let y = 0; y < v.height; y++) {
    let line = '';
    for (let x = 0; x < v.width; x++) {
      const o = ((t * v.height + y) * v.width + x) * 3;
      const key = bytes8(v.data.subarray(o, o + 3)).join(',');
      line += names[key] ?? `(${key})`;
    }
    out.push(line);
  }
  return out;
}

const R = [255, 0, 0];
const G = [0, 255, 0];
const B = [0, 0, 255];
const W = [255, 255, 255];
const Y = [255, 255, 0];

/** A seeded stream of small integers (an LCG), for noisy frames. */
function noise(n: number, below: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return Math.floor((s / 2 ** 31) * below);
  });
}

describe('GIF decoder', () => {
  it('reads our GIF encoder\'s files back exactly (≤ 256 colours), frame rate within the 1/100 s rounding of delays', () => {
    for (const fps of [5, 8]) {
      const v = generateShapesVideos(2, 3, { frames: 4, size: 32, fps }).videos;
      const got = decodeGif(encodeGif(v, 1, 'a comment to skip'));
      expect([got.batch, got.frames, got.height, got.width]).toEqual([1, 4, 32, 32]);
      const size = 4 * 32 * 32 * 3;
      expect(bytes8(got.data)).toEqual(bytes8(v.data.subarray(size, 2 * size)));
      expect(got.fps).toBeCloseTo(100 / Math.round(100 / fps), 6); // 5 fps exactly; 8 fps is stored as 13/100 s
    }
  });

  it('draws a sub-rectangle over the previous frame, leaving its transparent index\'s pixels as they were', () => {
    const gif = buildGif({
      width: 4,
      height: 3,
      palette: [...R, ...G, ...B, ...W],
      extras: true,
      frames: [
        { width: 4, height: 3, indices: new Array(12).fill(0), delayCs: 10 },
        { left: 1, top: 1, width: 2, height: 2, indices: [1, 3, 3, 1], transparent: 3, delayCs: 10 },
      ],
    });
    const v = decodeGif(gif);
    expect(v.frames).toBe(2);
    expect(rows(v, 0)).toEqual(['RRRR', 'RRRR', 'RRRR']);
    expect(rows(v, 1)).toEqual(['RRRR', 'RGRR', 'RRGR']);
  });

  it('uses a frame\'s local colour table for that frame only', () => {
    const v = decodeGif(
      buildGif({
        width: 2,
        height: 1,
        palette: [...R, ...G],
        frames: [
          { width: 2, height: 1, indices: [0, 1] },
          { width: 2, height: 1, indices: [1, 0], localPalette: [...Y, ...W, ...B] },
          { width: 2, height: 1, indices: [1, 1] },
        ],
      }),
    );
    expect([0, 1, 2].map((t) => rows(v, t)[0])).toEqual(['RG', 'WY', 'GG']);
  });

  it('puts the rows of an interlaced image in their places (passes from rows 0, 4, 2, 1)', () => {
    expect(interlacedRows(10)).toEqual([0, 8, 4, 2, 6, 1, 3, 5, 7, 9]);
    expect(interlacedRows(1)).toEqual([0]);
    const grey = Array.from({ length: 10 }, (_, i) => [i * 25, i * 25, i * 25]).flat();
    const indices = Array.from({ length: 20 }, (_, i) => Math.floor(i / 2)); // row y holds index y
    const v = decodeGif(buildGif({ width: 2, height: 10, palette: grey, frames: [{ width: 2, height: 10, indices, interlaced: true }] }));
    const column = Array.from({ length: 10 }, (_, y) => to8(v.data[y * 2 * 3]));
    expect(column).toEqual([0, 25, 50, 75, 100, 125, 150, 175, 200, 225]);
  });

  it('disposal 2 clears the frame\'s rectangle to transparent (black); disposal 3 puts back the canvas from before the frame', () => {
    const dot = (left: number, index: number, disposal: number): GifFrameSpec => ({ left, width: 1, height: 1, indices: [index], disposal });
    const v = decodeGif(
      buildGif({
        width: 3,
        height: 1,
        palette: [...R, ...G, ...B, ...W],
        frames: [{ width: 3, height: 1, indices: [0, 0, 0], disposal: 1 }, dot(1, 1, 2), dot(2, 2, 3), dot(0, 3, 0)],
      }),
    );
    // frame 2's pixel is cleared after it shows; frame 3's blue is gone again before frame 4
    expect([0, 1, 2, 3].map((t) => rows(v, t)[0])).toEqual(['RRR', 'RGR', 'R.B', 'W.R']);
  });

  it('decodes LZW whose codes grow from 9 to 12 bits and fill the table (a noisy 64×64 frame), with or without a clear code when full', () => {
    const palette = Array.from({ length: 256 }, (_, i) => [i, 255 - i, (i * 7) & 255]).flat();
    const indices = noise(64 * 64, 256, 11);
    for (const noClearWhenFull of [false, true]) {
      const v = decodeGif(buildGif({ width: 64, height: 64, palette, frames: [{ width: 64, height: 64, indices, noClearWhenFull }] }));
      const want = indices.flatMap((i) => palette.slice(i * 3, i * 3 + 3));
      expect(bytes8(v.data)).toEqual(want);
    }
  });

  it('LZW round trip for every minimum code size, from 4 colours to 8-bit noise; sizes outside 2..8 are refused', () => {
    for (const min of [2, 3, 5, 8]) {
      const indices = noise(5000, 2 ** min, min);
      const { indices: got, count } = lzwDecode(lzwEncode(indices, min), min, indices.length);
      expect(count).toBe(indices.length);
      expect(Array.from(got)).toEqual(indices);
    }
    expect(() => lzwDecode(Uint8Array.from([0]), 1, 1)).toThrow(/LZW minimum code size must be 2\.\.8, got 1/);
  });

  it('frame rate: 1000 / the mean of the delays that are set; 10 fps when none is', () => {
    expect(fpsFromDelays([100, 0, 300])).toBe(5);
    expect(fpsFromDelays([0, 0])).toBe(10);
    const frame = { width: 1, height: 1, indices: [0] };
    const v = decodeGif(buildGif({ width: 1, height: 1, palette: R, frames: [{ ...frame, delayCs: 4 }, { ...frame, delayCs: 6 }] }));
    expect(v.fps).toBe(20);
    expect(readGif(buildGif({ width: 1, height: 1, palette: R, frames: [frame, frame] })).delaysMs).toEqual([0, 0]);
  });

  it('decodes frames one at a time: frames after the last one kept are never decoded', () => {
    const ok = { width: 1, height: 1, indices: [0] };
    const damaged = { ...ok, minCodeSize: 2, rawLzw: Uint8Array.from([0xc4, 0x01]) };
    const anim = readGif(buildGif({ width: 1, height: 1, palette: [...R, ...G], frames: [ok, ok, damaged] }));
    expect(anim.delaysMs).toHaveLength(3);
    expect(rows(collectFrames(anim, [0, 1], 10), 1)).toEqual(['R']);
    expect(() => collectFrames(anim, [0, 2], 10)).toThrow(/GIF frame 3: LZW code 7/);
    expect(() => collectFrames(anim, [1, 0], 10)).toThrow(/frames to keep must be ascending, got 1 then 0/);
    expect(() => collectFrames(anim, [3], 10)).toThrow(/frame 3 is out of range: the GIF has frames 0\.\.2/);
  });

  it('reads a GIF87a without extensions or a trailer', () => {
    const v = decodeGif(buildGif({ version: 'GIF87a', trailer: false, width: 2, height: 2, palette: [...B, ...W], frames: [{ width: 2, height: 2, indices: [0, 1, 1, 0], minCodeSize: 2 }] }));
    expect(rows(v, 0)).toEqual(['BW', 'WB']);
    expect(v.fps).toBe(10);
  });

  it('refuses what is not a GIF, and says where a damaged one breaks', () => {
    const png = encodePng(imageBatch(1, 2, 2));
    expect(() => decodeGif(png, 'x.gif')).toThrow(/^x\.gif: not a GIF: expected 'GIF87a' or 'GIF89a' at byte 0, got/);
    const frames = [0, 1, 2, 3].map((i) => ({ width: 8, height: 8, indices: noise(64, 4, i) }));
    const upTo = (n: number) => buildGif({ width: 8, height: 8, palette: [...R, ...G, ...B, ...W], frames: frames.slice(0, n), trailer: false });
    const cut = Math.floor((upTo(2).length + upTo(3).length) / 2); // inside the third image
    expect(() => decodeGif(upTo(4).subarray(0, cut), 'clip.gif')).toThrow(/^clip\.gif: GIF truncated in frame 3: needs \d+ byte\(s\) at byte \d+, the file has \d+$/);
    expect(() => decodeGif(upTo(4).subarray(0, 20))).toThrow(/GIF truncated in the global colour table/);
    const badCode = Uint8Array.from([0xc4, 0x01]); // 3-bit codes: clear (4), 0, then 7 while the next free code is 6
    expect(() => decodeGif(buildGif({ width: 2, height: 1, palette: [...R, ...G], frames: [{ width: 2, height: 1, indices: [], minCodeSize: 2, rawLzw: badCode }] }))).toThrow(
      /GIF frame 1: LZW code 7 is not in the table yet \(next free code is 6\)/,
    );
    expect(() => decodeGif(buildGif({ width: 1, height: 1, frames: [{ width: 1, height: 1, indices: [0] }] }))).toThrow(/GIF frame 1 has no colour table/);
    expect(() => decodeGif(Buffer.concat([upTo(1), Buffer.from([0x99])]))).toThrow(/GIF block at byte \d+ starts with 0x99, expected an image \(0x2c\), an extension \(0x21\) or the trailer \(0x3b\)/);
    expect(() => decodeGif(buildGif({ width: 1, height: 1, palette: R, frames: [] }))).toThrow(/GIF has no frames/);
    const huge = buildGif({ width: 65535, height: 65535, palette: R, frames: [{ width: 1, height: 1, indices: [0] }] });
    expect(() => decodeGif(huge)).toThrow(/1 frame\(s\) of 65535×65535 are \d+ values, more than the 536870912 one clip may hold: load fewer frames/);
  });
});

/** An RGBA pixel list from [colour, alpha] pairs. */
const rgba = (...px: [number[], number][]) => px.flatMap(([c, a]) => [...c, a]);

describe('APNG decoder', () => {
  it('reads our APNG encoder\'s files back exactly at 8 bits, at the frame rate', () => {
    const v = generateShapesVideos(2, 5, { frames: 3, size: 32, fps: 8 }).videos;
    const got = decodeApng(encodeApng(v, 0, { workflow: '{}' }));
    expect([got.batch, got.frames, got.height, got.width, got.fps]).toEqual([1, 3, 32, 32, 8]);
    expect(bytes8(got.data)).toEqual(bytes8(v.data.subarray(0, 3 * 32 * 32 * 3)));
  });

  it('reads a plain PNG as one frame, alpha on black exactly as LoadImage decodes it', () => {
    const png = new PNG({ width: 2, height: 2 });
    png.data.set([255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 0, 200, 100, 50, 64]);
    const bytes = PNG.sync.write(png);
    const anim = readApng(bytes);
    expect([anim.format, anim.delaysMs]).toEqual(['PNG', [0]]);
    const v = decodeApng(bytes);
    expect([v.frames, v.fps]).toEqual([1, 10]);
    expect(Array.from(v.data)).toEqual(Array.from(decodePng(bytes).data));
  });

  it('composites regions: blend over keeps what shows through, dispose previous and background undo a frame', () => {
    const half = Math.round(255 * (127 / 255)); // red under blue at alpha 128/255
    const v = decodeApng(
      buildApng(4, 1, [
        { width: 4, height: 1, pixels: rgba([R, 255], [R, 255], [R, 255], [R, 255]) },
        { x: 1, width: 3, height: 1, pixels: rgba([B, 255], [B, 0], [B, 128]), blend: 1, dispose: 2 },
        { width: 1, height: 1, pixels: rgba([G, 255]), dispose: 1 },
        { width: 2, height: 1, pixels: rgba([W, 0], [W, 255]) },
      ]),
    );
    expect(v.frames).toBe(4);
    expect(rows(v, 0)).toEqual(['RRRR']);
    expect(rows(v, 1)).toEqual([`RBR(${half},0,128)`]);
    expect(rows(v, 2)).toEqual(['GRRR']); // frame 1 disposed to the canvas before it
    expect(rows(v, 3)).toEqual(['.WRR']); // frame 2's pixel cleared, then replaced by a transparent one (source)
  });

  it('leaves out a default image that comes before the first fcTL; delays give the frame rate', () => {
    const frames = [
      { width: 1, height: 1, pixels: rgba([G, 255]), delayNum: 1, delayDen: 10 },
      { width: 1, height: 1, pixels: rgba([B, 255]), delayNum: 3, delayDen: 10 },
    ];
    const anim = readApng(buildApng(1, 1, frames, { defaultImage: rgba([W, 255]) }));
    expect([anim.format, anim.delaysMs]).toEqual(['APNG', [100, 300]]);
    const v = decodeApng(buildApng(1, 1, frames, { defaultImage: rgba([W, 255]) }));
    expect([rows(v, 0), rows(v, 1), v.fps]).toEqual([['G'], ['B'], 5]);
  });

  it('decodes paletted frames with the file\'s PLTE and tRNS', () => {
    const v = decodeApng(
      buildApng(2, 1, [{ width: 2, height: 1, pixels: [0, 1] }, { x: 1, width: 1, height: 1, pixels: [2], blend: 1 }], { palette: { rgb: [...R, ...G, ...Y], alpha: [255, 0, 255] } }),
    );
    expect([rows(v, 0), rows(v, 1)]).toEqual([['R.'], ['RY']]);
  });

  it('refuses what is not a PNG, and says what is wrong with a damaged APNG', () => {
    expect(() => decodeApng(Buffer.from('GIF89a....'), 'a.png')).toThrow(/^a\.png: not a PNG: expected the 8-byte PNG signature at byte 0$/);
    const px = (c: number[]) => ({ width: 2, height: 2, pixels: rgba([c, 255], [c, 255], [c, 255], [c, 255]) });
    const good = buildApng(2, 2, [px(R), px(G), px(B), px(W)]);
    const chunks = pngChunks(good);
    const starts = chunks.map((_, i) => chunks.slice(0, i).reduce((n, [, c]) => n + c.length, 8));
    const thirdData = chunks.findIndex(([t], i) => t === 'fdAT' && chunks.slice(0, i).filter(([u]) => u === 'fcTL').length === 3);
    expect(() => decodeApng(good.subarray(0, starts[thirdData] + 20), 'clip.png')).toThrow(/^clip\.png: PNG truncated in frame 3: chunk fdAT at byte \d+ needs \d+ bytes, the file has 20 from there$/);
    const damaged = Buffer.from(good);
    damaged[starts[thirdData] + 12] ^= 0xff;
    expect(() => decodeApng(damaged)).toThrow(/PNG chunk fdAT at byte \d+ has a bad CRC/);
    const second = chunks.findIndex(([t], i) => t === 'fcTL' && i > chunks.findIndex(([u]) => u === 'fcTL'));
    const dropped = Buffer.concat([good.subarray(0, 8), ...chunks.filter((_, i) => i !== second).map(([, c]) => c)]);
    expect(() => decodeApng(dropped)).toThrow(/APNG fdAT at byte \d+ has sequence number 2, expected 1 \(chunks missing or out of order\)/);
    expect(() => decodeApng(buildApng(2, 2, [px(R)], { declaredFrames: 2 }))).toThrow(/APNG acTL declares 2 frames, the file holds 1/);
    expect(() => decodeApng(buildApng(4, 1, [{ width: 4, height: 1, pixels: new Array(16).fill(255) }, { x: 3, width: 2, height: 1, pixels: new Array(8).fill(255) }]))).toThrow(
      /APNG frame 2: region 2×1 at \(3, 0\) does not fit the 4×1 canvas/,
    );
    const noData = Buffer.concat([good.subarray(0, 8), ...chunks.filter(([t]) => t !== 'IDAT' && t !== 'fdAT' && t !== 'acTL' && t !== 'fcTL').map(([, c]) => c)]);
    expect(() => decodeApng(noData)).toThrow(/PNG has no IDAT chunk/);
    expect(pngChunkOf('IEND', Buffer.alloc(0))).toEqual(chunks[chunks.length - 1][1]);
  });
});

describe('files from another encoder', () => {
  // made by ffmpeg 5.1 (fixtures/make-ffmpeg-animations.sh), with ffmpeg's own decoding beside each
  const FIXTURES = path.join(__dirname, 'fixtures');
  it.each([
    ['ff.gif', 5, 5],
    ['ff-palette.gif', 6, 8],
    ['ff.apng', 5, 5],
  ])('%s decodes to the same pixels as ffmpeg decodes it (%i frames, about %i fps)', (file, frames, fps) => {
    const bytes = fs.readFileSync(path.join(FIXTURES, file));
    const v = file.endsWith('.gif') ? decodeGif(bytes) : decodeApng(bytes);
    expect([v.frames, v.height, v.width]).toEqual([frames, 24, 40]);
    expect(v.fps).toBeCloseTo(fps, 0);
    const reference = fs.readFileSync(path.join(FIXTURES, `${file}.rgb`));
    expect(Buffer.from(Array.from(v.data, (x) => Math.round(x * 255))).equals(reference)).toBe(true);
  });
});

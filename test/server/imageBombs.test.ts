// Pictures whose few bytes declare a huge canvas ("decompression bombs"): refused at upload and at
// decoding from their headers, before anything of the declared size is allocated, on a real server.
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { historyFailure } from '../../server/api/protocol';
import { MAX_IMAGE_PIXELS } from '../../models/image/dimensions';
import { PNG_SIGNATURE, pngChunk } from '../../models/image/png';
import { api, startTestServer, TestServer, waitForHistory } from './serverHarness';

/** A complete, valid greyscale PNG of zeros: about 1000 times smaller than its pixels. */
function zeroPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth; colour type 0 (grey), deflate, filter 0, no interlace
  const raw = Buffer.alloc((width + 1) * height);
  return Buffer.concat([PNG_SIGNATURE, pngChunk('IHDR', ihdr), pngChunk('IDAT', zlib.deflateSync(raw, { level: 9 })), pngChunk('IEND', Buffer.alloc(0))]);
}

/** A GIF header declaring a screen of this size (the rest is never reached). */
function gifHeader(width: number, height: number): Buffer {
  const b = Buffer.alloc(13);
  b.write('GIF89a', 0, 'latin1');
  b.writeUInt16LE(width, 6);
  b.writeUInt16LE(height, 8);
  return Buffer.concat([b, Buffer.from([0x3b])]);
}

/** A JPEG start whose SOF0 declares this size. */
function jpegHeader(width: number, height: number): Buffer {
  const app0 = Buffer.from([0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]);
  const sof = Buffer.from([0xff, 0xc0, 0x00, 0x11, 0x08, height >> 8, height & 255, width >> 8, width & 255, 0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, sof, Buffer.from([0xff, 0xd9])]);
}

function upload(url: string, filename: string, data: Buffer): Promise<Response> {
  const form = new FormData();
  form.append('image', new Blob([new Uint8Array(data)]), filename);
  return fetch(`${url}/api/upload/image`, { method: 'POST', body: form });
}

describe('pictures declaring a huge canvas', () => {
  let s: TestServer;
  // just over the limit: 5800 × 5800 = 33,640,000 pixels, a 34 KB file
  const side = 5800;
  beforeAll(async () => (s = await startTestServer()));
  afterAll(() => s.close());

  it.each([
    ['a PNG', 'bomb.png', () => zeroPng(side, side), `${side}×${side}`],
    ['a GIF', 'bomb.gif', () => gifHeader(65535, 65535), '65535×65535'],
    ['a JPEG', 'bomb.jpg', () => jpegHeader(60000, 60000), '60000×60000'],
  ])('an upload of %s is refused with 413 naming its size, and nothing is stored', async (_what, name, make, dims) => {
    expect(side * side).toBeGreaterThan(MAX_IMAGE_PIXELS);
    const r = await upload(s.url, name, make());
    const body = await r.json();
    expect([r.status, body.error?.type]).toEqual([413, 'payload_too_large']);
    expect(body.error.message).toContain(`"${name}" declares ${dims}`);
    expect(body.error.message).toContain(`more than the ${MAX_IMAGE_PIXELS}`);
    expect(fs.readdirSync(s.host.config.paths.input)).toEqual([]);
  });

  it('a picture just under the limit uploads', async () => {
    const r = await upload(s.url, 'big-ok.gif', gifHeader(8192, 4096));
    expect(r.status).toBe(200);
  });

  it('Load Image refuses such a PNG put in the input folder, before decoding it, and the server keeps running', async () => {
    fs.writeFileSync(path.join(s.host.config.paths.input, 'copied-bomb.png'), zeroPng(side, side));
    const run = await api(s.url, '/api/prompt', {
      body: { prompt: { '1': { class_type: 'LoadImage', inputs: { image: 'copied-bomb.png' } }, '2': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } } } },
    });
    expect(run.status).toBe(200);
    const entry = await waitForHistory(s.url, run.body.prompt_id);
    expect(entry.status.status_str).toBe('error');
    const failure = historyFailure(entry);
    expect(failure?.node_id).toBe('1');
    // named by its name in the input folder, not by where the server keeps it
    expect(failure?.message).toContain(`copied-bomb.png declares ${side}×${side} = ${side * side} pixels`);
    expect(failure?.message).not.toContain(s.dataDir);
    expect((await api(s.url, '/api/queue')).status).toBe(200);
  });
});

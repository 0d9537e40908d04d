// Names an upload may create in the input folder, and the disk space it must leave, on real
// servers: each refusal names the rule, and nothing is written.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { encodePng } from '../../models/image/png';
import { imageBatch } from '../../models/image/types';
import { createHost } from '../../server/host/host';
import { hostConfig, silentLogger } from '../../server/host/hostConfig';
import { startServer } from '../../server/http/server';
import { startTestServer, TestServer } from './serverHarness';

/** A multipart body written by hand: FormData would percent-encode a CR in the file name. */
async function upload(url: string, filename: string, subfolder?: string): Promise<{ status: number; body: any }> {
  const b = 'uploadNamesBoundary';
  const parts: Buffer[] = [];
  if (subfolder !== undefined) parts.push(Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="subfolder"\r\n\r\n${subfolder}\r\n`));
  parts.push(Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="image"; filename="${filename}"\r\nContent-Type: image/png\r\n\r\n`));
  parts.push(encodePng(imageBatch(1, 2, 2)), Buffer.from(`\r\n--${b}--\r\n`));
  const r = await fetch(`${url}/api/upload/image`, { method: 'POST', body: new Uint8Array(Buffer.concat(parts)), headers: { 'content-type': `multipart/form-data; boundary=${b}` } });
  return { status: r.status, body: await r.json() };
}

describe('upload names', () => {
  let s: TestServer;
  beforeAll(async () => (s = await startTestServer()));
  afterAll(() => s.close());

  it.each([
    ['a name over 255 bytes', `${'a'.repeat(300)}.png`, undefined, 'a name is 304 bytes long, more than the 255 a file system takes'],
    ['a folder name over 255 bytes', 'x.png', 'é'.repeat(130), 'a name is 260 bytes long'],
    ['a carriage return', 'a\rb.png', undefined, 'contains control or bidirectional-text characters'],
    ['a right-to-left override that shows "evilpng.png"', '\u202eevil\u202dgnp.png', undefined, 'contains control or bidirectional-text characters'],
    ['a hidden name', '.hidden.png', undefined, "starts with '.', which would hide it from every list"],
    ['a hidden folder', 'x.png', 'a/.git', "starts with '.'"],
    ['a folder three deep', 'x.png', 'a/b/c', 'is 3 folders deep, more than the 2 the input lists show'],
    ["a '.' part", 'x.png', 'a/./b', "has an empty or '.' part"],
    ['an empty part', 'x.png', 'a//b', "has an empty or '.' part"],
    ['a backslash in the folder', 'x.png', 'a\\b', "uses '\\': separate folders with '/'"],
  ])('refuses %s with 400 naming the rule', async (_what, filename, subfolder, why) => {
    const r = await upload(s.url, filename, subfolder);
    expect([r.status, r.body.error?.type]).toEqual([400, 'bad_request']);
    expect(r.body.error.message).toContain(why);
    expect(fs.readdirSync(s.host.config.paths.input)).toEqual([]);
  });

  it('takes plain names, two folders deep, and spaces and non-ASCII letters', async () => {
    expect((await upload(s.url, 'Föto 1.png', 'masks/b')).body).toEqual({ name: 'Föto 1.png', subfolder: 'masks/b', type: 'input' });
    expect((await upload(s.url, `${'a'.repeat(251)}.png`)).status).toBe(200);
  });
});

describe('uploads and the disk', () => {
  it('refuses an upload that would leave less free space than the server keeps, with 507, writing nothing', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-disk-'));
    const host = createHost(hostConfig({ dataDir, packs: ['core'], log: silentLogger }));
    // a disk never free enough: as if it were nearly full
    const server = await startServer(host, { port: 0, uploadMinFreeBytes: Number.MAX_SAFE_INTEGER, ui: { reason: 'not built in tests' } });
    try {
      const r = await upload(server.url, 'x.png');
      expect([r.status, r.body.error?.type]).toEqual([507, 'insufficient_storage']);
      expect(r.body.error.message).toMatch(/^the server's disk is nearly full: \d+ MiB free, and uploads leave at least \d+ MiB; delete files from the input folder or free space$/);
      expect(fs.readdirSync(host.config.paths.input)).toEqual([]);
    } finally {
      await server.close();
      await host.close();
    }
  });
});

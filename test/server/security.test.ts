import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { encodePng } from '../../models/image/png';
import { imageBatch } from '../../models/image/types';
import { createHost } from '../../server/host/host';
import { hostConfig, silentLogger } from '../../server/host/hostConfig';
import { BindRefused } from '../../server/http/auth';
import { startServer } from '../../server/http/server';
import { api, connect, startTestServer, TestServer } from './serverHarness';

const SECRET = 'top-secret-content-1234';
const REPO = path.resolve(__dirname, '../..');

function multipart(filename: string, data: Buffer, fields: Record<string, string> = {}): { body: Buffer; type: string } {
  const b = 'narflowBoundary42';
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) parts.push(Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  parts.push(Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="image"; filename="${filename}"\r\nContent-Type: image/png\r\n\r\n`), data, Buffer.from(`\r\n--${b}--\r\n`));
  return { body: Buffer.concat(parts), type: `multipart/form-data; boundary=${b}` };
}

describe('path traversal', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
    fs.writeFileSync(path.join(s.dataDir, 'secret.txt'), SECRET);
    fs.writeFileSync(path.join(s.host.config.paths.output, 'ok.txt'), 'fine');
    fs.symlinkSync(path.join(s.dataDir, 'secret.txt'), path.join(s.host.config.paths.output, 'link.txt'));
  });
  afterAll(() => s.close());

  it('serves a file inside the output folder', async () => {
    const r = await fetch(`${s.url}/api/view?filename=ok.txt&type=output`);
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('fine');
  });

  const attempts: [string, string][] = [
    ['../ in filename', 'filename=../secret.txt'],
    ['encoded ../', 'filename=..%2Fsecret.txt'],
    ['double-encoded ../', 'filename=%252e%252e%252fsecret.txt'],
    ['backslashes', 'filename=..%5Csecret.txt'],
    ['absolute filename', `filename=${encodeURIComponent('/etc/passwd')}`],
    ['../ in subfolder', 'subfolder=..&filename=secret.txt'],
    ['encoded subfolder', 'subfolder=%2E%2E%2F&filename=secret.txt'],
    ['absolute subfolder', `subfolder=${encodeURIComponent('/etc')}&filename=passwd`],
    ['path in type', 'type=..&filename=secret.txt'],
    ['a symlink leading out', 'filename=link.txt'],
    ['NUL byte', 'filename=ok.txt%00.png'],
  ];
  it.each(attempts)('GET /api/view refuses %s', async (_what, query) => {
    const r = await fetch(`${s.url}/api/view?${query}`);
    expect([400, 403, 404]).toContain(r.status);
    const text = await r.text();
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('root:');
  });

  const uploads: [string, string, Record<string, string>][] = [
    ['../ in filename', '../evil.png', {}],
    ['encoded ../ in filename', '..%2Fevil.png', {}],
    ['absolute filename', '/tmp/evil.png', {}],
    ['../ in subfolder', 'evil.png', { subfolder: '../..' }],
    ['encoded subfolder', 'evil.png', { subfolder: '%2e%2e' }],
    ['absolute subfolder', 'evil.png', { subfolder: '/tmp' }],
    ['another folder type', 'evil.png', { type: 'output' }],
  ];
  it.each(uploads)('POST /api/upload/image refuses %s', async (_what, filename, fields) => {
    const { body, type } = multipart(filename, encodePng(imageBatch(1, 2, 2)), fields);
    const r = await fetch(`${s.url}/api/upload/image`, { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': type } });
    expect(r.status).toBe(400);
    expect(fs.existsSync(path.join(s.dataDir, 'evil.png'))).toBe(false);
    expect(fs.existsSync('/tmp/evil.png')).toBe(false);
    expect(fs.readdirSync(s.host.config.paths.input)).toEqual([]);
  });
});

describe('binding and tokens', () => {
  it('refuses a non-loopback bind without a token (in process and from the CLI)', async () => {
    const host = createHost(hostConfig({ dataDir: fs.mkdtempSync('/tmp/narflow-bind-'), packs: ['core'], log: silentLogger }));
    await expect(startServer(host, { host: '0.0.0.0', port: 0 })).rejects.toBeInstanceOf(BindRefused);
    await host.close();
    const cli = spawnSync(process.execPath, [path.join(REPO, 'bin/narflow.js'), 'serve', '--host', '0.0.0.0', '--port', '0', '--device', 'none', '--no-ui', '--packs', 'core', '--data-dir', fs.mkdtempSync('/tmp/narflow-bind-')], { encoding: 'utf8', timeout: 60000 });
    expect(cli.status).not.toBe(0);
    expect(cli.stderr).toContain('without a token');
  });

  describe('with a token', () => {
    let s: TestServer;
    beforeAll(async () => (s = await startTestServer({ token: 'letmein' })));
    afterAll(() => s.close());

    it('answers 401 to a missing or wrong bearer token, 200 to the right one', async () => {
      expect((await api(s.url, '/api/queue')).status).toBe(401);
      const wrong = await api(s.url, '/api/queue', { token: 'letmeout' });
      expect(wrong.status).toBe(401);
      expect(wrong.body.error.type).toBe('unauthorized');
      expect((await api(s.url, '/api/prompt', { body: { prompt: {} }, token: 'nope' })).status).toBe(401);
      expect((await api(s.url, '/api/validate', { body: { prompt: {} } })).status).toBe(401);
      expect((await api(s.url, '/api/queue', { token: 'letmein' })).status).toBe(200);
      expect((await fetch(`${s.url}/api/object_info?token=letmein`)).status).toBe(200);
    });

    it('refuses socket.io connections without the right token', async () => {
      await expect(connect(s.url)).rejects.toThrow(/unauthorized/);
      await expect(connect(s.url, { token: 'wrong' })).rejects.toThrow(/unauthorized/);
      const ok = await connect(s.url, { token: 'letmein' });
      expect(ok.socket.connected).toBe(true);
      ok.close();
    });
  });
});

// Where a server token (or another secret) could leak: the Referer of the editor's address, the
// command line in system_stats, files shown in a tab; on real servers, one of them a CLI process.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { shownArgv } from '../../server/http/routes/infoRoutes';
import { api, startTestServer, TestServer } from './serverHarness';

const REPO = path.resolve(__dirname, '../..');

describe('response headers', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ token: 'hdr-secret' });
    fs.writeFileSync(path.join(s.host.config.paths.output, 'drawing.svg'), '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
  });
  afterAll(() => s.close());

  it.each([
    ['the editor page', '/?token=hdr-secret'],
    ['an API answer', '/api/queue?token=hdr-secret'],
    ['a refusal', '/api/queue?token=wrong'],
    ['a missing route', '/api/nothing?token=hdr-secret'],
    ['a file', '/api/view?filename=drawing.svg&token=hdr-secret'],
  ])('%s sends no Referer onwards, is not sniffed and not framed by other sites', async (_what, route) => {
    const r = await fetch(s.url + route);
    expect(r.headers.get('referrer-policy')).toBe('no-referrer');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(r.headers.get('content-security-policy')).toContain("frame-ancestors 'self'");
  });

  it('a file shown from /api/view runs no script (sandboxed), whatever its type', async () => {
    const r = await fetch(`${s.url}/api/view?filename=drawing.svg`, { headers: { authorization: 'Bearer hdr-secret' } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-security-policy')?.split(';')[0]).toBe('sandbox');
  });
});

describe('system_stats', () => {
  it('masks --token, --token= and URL passwords in the command line it shows', () => {
    expect(shownArgv(['serve', '--token', 's3cret', '--redis', 'redis://user:pa55@redis:6379/0', '--port', '1'])).toEqual(['serve', '--token', '***', '--redis', 'redis://user:***@redis:6379/0', '--port', '1']);
    expect(shownArgv(['--token=s3cret', 'redis://:pa55@h'])).toEqual(['--token=***', 'redis://:***@h']);
    expect(shownArgv(['redis://h:6379', 'http://user@h'])).toEqual(['redis://h:6379', 'http://user@h']);
  });

  it('of a server started from the CLI shows its command line without the token', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-argv-'));
    const child = spawn(process.execPath, [path.join(REPO, 'bin/narflow.js'), 'serve', '--port', '0', '--token', 'cli-s3cret-token', '--no-ui', '--device', 'none', '--packs', 'core', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /listening on (http:\/\/\S+?)\/? /.exec(out);
          if (m) resolve(m[1]);
        });
        child.once('exit', (code) => reject(new Error(`narflow serve exited with ${code}: ${out}`)));
      });
      const r = await api(url, '/api/system_stats', { token: 'cli-s3cret-token' });
      expect(r.status).toBe(200);
      expect(r.body.system.argv).toEqual(['serve', '--port', '0', '--token', '***', '--no-ui', '--device', 'none', '--packs', 'core', '--data-dir', dataDir]);
      expect(JSON.stringify(r.body)).not.toContain('cli-s3cret-token');
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
    }
  }, 60000);
});

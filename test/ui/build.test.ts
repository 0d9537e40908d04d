// ui/build.ts: bundles the editor with its static files, and skips the work when nothing changed.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildUi } from '../../ui/build';

describe('buildUi', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-ui-build-'));
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  it('writes the bundle, the page and both style sheets', async () => {
    expect(await buildUi(out)).toBe(out);
    for (const f of ['main.js', 'main.js.map', 'index.html', 'style.css', 'litegraph.css']) {
      expect(fs.statSync(path.join(out, f)).size).toBeGreaterThan(100);
    }
    expect(fs.readFileSync(path.join(out, 'index.html'), 'utf8')).toContain('src="main.js"');
    const inputs = JSON.parse(fs.readFileSync(path.join(out, 'build-inputs.json'), 'utf8')) as string[];
    expect(inputs).toContain('ui/src/main.ts');
    expect(inputs.some((f) => f.includes('@comfyorg/litegraph'))).toBe(true);
  });

  it('skips the rebuild while the output is newer than every input, rebuilds when it is not', async () => {
    const bundle = path.join(out, 'main.js');
    const built = fs.statSync(bundle).mtimeMs;
    await buildUi(out);
    expect(fs.statSync(bundle).mtimeMs).toBe(built);
    const longAgo = new Date('2000-01-01T00:00:00Z');
    fs.utimesSync(bundle, longAgo, longAgo); // now every source looks newer than the bundle
    await buildUi(out);
    expect(fs.statSync(bundle).mtimeMs).toBeGreaterThan(longAgo.getTime() + 1000);
  });
});

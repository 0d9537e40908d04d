// The WebGPU adapter probe runs in a child process: what the driver stack prints while probing
// stays out of narflow's output, and a driver that crashes or hangs takes the child down, not the
// server. Fake `webgpu` modules stand in for broken drivers.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { probeDawnAdapter } from '../../models/device/dawn';
import { resolvable } from '../../models/device/nodeLoad';

describe('the WebGPU adapter probe', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-dawn-probe-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const fake = (name: string, body: string) => {
    const file = path.join(dir, `${name}.mjs`);
    fs.writeFileSync(file, body);
    return file;
  };

  it('reports an adapter, or none, as the module answers', async () => {
    const found = await probeDawnAdapter([], { entry: fake('found', 'export function create() { return { requestAdapter: async () => ({}) }; }') });
    expect(found).toMatchObject({ found: true });
    expect(found.error).toBeUndefined();
    const none = await probeDawnAdapter([], { entry: fake('none', 'export function create(flags) { console.error("driver chatter", flags.join()); return { requestAdapter: async () => null }; }') });
    expect(none).toMatchObject({ found: false });
    expect(none.error).toBeUndefined();
    expect(none.log).toContain('driver chatter'); // kept, not printed
  });

  it('passes the instance flags on', async () => {
    const r = await probeDawnAdapter(['backend=vulkan'], { entry: fake('flags', 'export function create(flags) { return { requestAdapter: async () => (flags[0] === "backend=vulkan" ? {} : null) }; }') });
    expect(r.found).toBe(true);
  });

  it('a driver that crashes the probe is reported, and this process goes on', async () => {
    const r = await probeDawnAdapter([], { entry: fake('crash', 'export function create() { process.kill(process.pid, "SIGSEGV"); }') });
    expect(r.found).toBe(false);
    expect(r.error).toMatch(/the WebGPU adapter probe was killed by SIGSEGV \(a broken GPU driver\?\)/);
  });

  it('a driver that hangs is given up on after the time limit', async () => {
    const r = await probeDawnAdapter([], { entry: fake('hang', 'export function create() { setInterval(() => {}, 1000); return { requestAdapter: () => new Promise(() => {}) }; }'), timeoutMs: 1500 });
    expect(r.error).toMatch(/did not answer in 1.5 s/);
  });

  it('an error thrown while probing is named', async () => {
    const r = await probeDawnAdapter([], { entry: fake('throws', 'export function create() { throw new Error("vkCreateInstance failed"); }') });
    expect(r.error).toBe('Dawn could not look for a WebGPU adapter: vkCreateInstance failed');
  });

  it('looking for an adapter through the real package prints nothing of the driver stack\'s to narflow\'s output', () => {
    if (!resolvable('webgpu')) return console.log('skipped: the webgpu package is not installed');
    const script = "require('./models/device/dawn').requestDawnAdapter().then((r) => process.stdout.write(r instanceof Error ? 'none: ' + r.message : 'adapter'))";
    const r = spawnSync(process.execPath, [require.resolve('tsx/cli'), '-e', script], { cwd: path.join(__dirname, '..', '..'), encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^(adapter|none: Dawn found no WebGPU adapter)/);
    if (r.stdout.startsWith('none')) expect(r.stderr).toBe(''); // e.g. Mesa's "XDG_RUNTIME_DIR is invalid", Dawn's refusals
  });
});

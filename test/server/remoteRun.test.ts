// `narflow run --server URL` as a real child process against a real server: outputs downloaded
// byte for byte (never replacing a file already in --out), --set applied, local input images uploaded, validation and execution errors
// named, the token required, Ctrl-C interrupting the prompt on the server, a prompt deleted while
// it waits, a server restart, an unreachable server and bad flags refused.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { decodePng, encodePng, readPngText } from '../../models/image/png';
import { imageBatch } from '../../models/image/types';
import { generateShapesVideos } from '../../models/data/shapesVideo';
import { LoadVideo } from '../../nodes/nar/loadVideo';
import { SaveVideo } from '../../nodes/nar/saveVideo';
import { ffmpegAvailable } from '../../nodes/nar/video/mp4Writer';
import { decodeGif } from '../../nodes/nar/video/gifDecoder';
import { encodeGif } from '../../nodes/nar/video/gifEncoder';
import { localOutputPath, serverBase, uploadName } from '../../server/cli/remoteRun';
import { startTestServer, type TestServer } from './serverHarness';

const BIN = path.resolve(__dirname, '../../bin/narflow.js');
const DEMO = path.resolve(__dirname, '../../workflows/core-demo.json');

jest.setTimeout(90_000);

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI without blocking this process (the server under test lives here). */
function narflow(args: string[], opts: { env?: Record<string, string>; onStderr?: (text: string, child: ReturnType<typeof spawn>) => void } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NARFLOW_TOKEN: '', ...opts.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      opts.onStderr?.(stderr, child);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-remote-'));
}

describe('narflow run --server', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer();
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('queues the workflow on the server, streams progress and downloads the outputs it wrote', async () => {
    const out = tempDir();
    const r = await narflow(['run', DEMO, '--server', srv.url, '--out', out, '--set', '2.delay_ms=1', '--set', '4.filename_prefix=remote/demo']);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^queued [0-9a-f-]{36} on http:\/\/127\.0\.0\.1:\d+$/m);
    const printed = r.stdout.trim().split('\n');
    const saved = path.join(out, 'remote', 'demo_00001_.png');
    expect(printed).toContain(saved);
    // the same bytes the server wrote, carrying the workflow with --set applied
    expect(fs.readFileSync(saved).equals(fs.readFileSync(path.join(srv.dataDir, 'output', 'remote', 'demo_00001_.png')))).toBe(true);
    expect(JSON.parse(readPngText(fs.readFileSync(saved)).prompt)['2'].inputs.delay_ms).toBe(1);
    const preview = printed.find((p) => p.startsWith(path.join(out, 'temp') + path.sep));
    expect(preview && fs.statSync(preview).size).toBeGreaterThan(0);
    const history = await srv.host.queue.history();
    expect(history.map((h) => h.status)).toEqual(['success']);
  });

  it('never replaces a file in --out: an output whose name is taken goes under the next free number', async () => {
    const out = tempDir();
    fs.mkdirSync(path.join(out, 'collide'));
    const mine = path.join(out, 'collide', 'probe_00001_.png');
    fs.writeFileSync(mine, 'a picture made here before');
    const r = await narflow(['run', DEMO, '--server', srv.url, '--out', out, '--set', '2.delay_ms=1', '--set', '4.filename_prefix=collide/probe', '--only', '4']);
    expect(r.status).toBe(0);
    expect(fs.readFileSync(mine, 'utf8')).toBe('a picture made here before');
    const written = path.join(out, 'collide', 'probe_00002_.png');
    expect(r.stdout.trim().split('\n')).toEqual([written]);
    expect(r.stderr).toContain(`${mine} already exists with other content; kept it and wrote this output as ${written}`);
    expect(fs.readFileSync(written).equals(fs.readFileSync(path.join(srv.dataDir, 'output', 'collide', 'probe_00001_.png')))).toBe(true);
  });

  it('--check asks the server whether it would run the workflow, queueing and uploading nothing', async () => {
    const before = (await srv.host.queue.history()).length;
    const ok = await narflow(['run', DEMO, '--server', srv.url, '--check']);
    expect([ok.status, ok.stderr]).toEqual([0, '']);
    expect(ok.stdout).toBe(`ok: 5 nodes would run on ${srv.url}, output nodes 4 (SaveImage), 5 (PreviewImage)\n`);
    const dir = tempDir();
    const wf = path.join(dir, 'shared.json');
    fs.writeFileSync(wf, JSON.stringify({ '1': { class_type: 'LoadImage', inputs: { image: 'theirs.png' } }, '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'x' } } }));
    const bad = await narflow(['run', wf, '--server', srv.url, '--check']);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain(`missing files on ${srv.url} (put each in its folder there and run again):\n  input/theirs.png (node 1, Load Image: image)\n`);
    expect((await srv.host.queue.history()).length).toBe(before);
    expect(await srv.host.queue.pendingCount()).toBe(0);
  });

  it('exits 1 with the server’s per-node messages on a validation error', async () => {
    const r = await narflow(['run', DEMO, '--server', srv.url, '--out', tempDir(), '--set', '2.steps=0']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("node 2 (SlowCounter): input 'steps' is 0, below the minimum 1");
  });

  it('--only sends partial_execution_targets: only that output node runs on the server', async () => {
    const out = tempDir();
    const r = await narflow(['run', DEMO, '--server', srv.url, '--out', out, '--set', '2.delay_ms=1', '--set', '4.filename_prefix=remote/only', '--only', '4']);
    expect(r.status).toBe(0);
    const printed = r.stdout.trim().split('\n');
    expect(printed).toEqual([path.join(out, 'remote', 'only_00001_.png')]); // no preview: Preview Image 5 did not run
    const latest = (await srv.host.queue.history()).at(-1)!;
    expect(latest.prompt.outputs).toEqual(['4']);
  });

  it('exits 1 naming the node on an execution error', async () => {
    const r = await narflow(['run', DEMO, '--server', srv.url, '--out', tempDir(), '--set', '1.color_a=red']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('error: node 1 (ColorGradient): color_a must be a colour like #ff8800, got "red"');
  });

  it('interrupts the prompt on the server on Ctrl-C and exits 130', async () => {
    let sent = false;
    const r = await narflow(['run', DEMO, '--server', srv.url, '--out', tempDir(), '--set', '2.delay_ms=200', '--set', '2.steps=200'], {
      onStderr: (text, child) => {
        if (!sent && /SlowCounter/.test(text)) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(sent).toBe(true);
    expect(r.status).toBe(130);
    expect(r.stderr).toMatch(/interrupting .* on the server/);
    const last = (await srv.host.queue.history()).pop();
    expect(last?.status).toBe('interrupted');
    expect(last!.finishedAt - (last!.startedAt ?? 0)).toBeLessThan(20_000); // not the 40 s the counter would take
  });

  it('exits 1 when its prompt is deleted from the queue before it runs', async () => {
    // another client's slow prompt holds the runner until it is stopped below, so the CLI's prompt
    // waits (a blocker of 4 s could end before the CLI, a new process, has started and queued its
    // prompt on a loaded machine; the prompt then ran)
    const busy = await fetch(`${srv.url}/api/prompt`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: { '1': { class_type: 'SlowCounter', inputs: { steps: 6000, delay_ms: 100 } }, '2': { class_type: 'PreviewImage', inputs: { images: ['1', 1] } } } }),
    });
    expect(busy.status).toBe(200);
    const busyId = ((await busy.json()) as { prompt_id: string }).prompt_id;
    try {
      let deleted: Promise<Response> | null = null;
      const r = await narflow(['run', DEMO, '--server', srv.url, '--out', tempDir()], {
        onStderr: (text) => {
          const m = /^queued ([0-9a-f-]{36})/m.exec(text);
          if (m && !deleted) {
            deleted = fetch(`${srv.url}/api/queue`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ delete: [m[1]] }) });
          }
        },
      });
      expect(deleted).not.toBeNull();
      expect(((await deleted!) as Response).status).toBe(200);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/error: prompt [0-9a-f-]{36} was removed from the server's queue before it ran/);
    } finally {
      await fetch(`${srv.url}/api/interrupt`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt_id: busyId }) });
      for (let i = 0; i < 100 && !(await srv.host.queue.historyEntry(busyId)); i++) await new Promise((res) => setTimeout(res, 50));
    }
  });

  it('uploads an input image named by a local path, once per content, and runs on it', async () => {
    const dir = tempDir();
    const photo = path.join(dir, 'Photo.PNG');
    const img = imageBatch(1, 4, 6);
    img.data.fill(0.2); // dark grey; inverted it is light grey
    fs.writeFileSync(photo, encodePng(img));
    const wf = path.join(dir, 'invert.json');
    fs.writeFileSync(
      wf,
      JSON.stringify({
        '1': { class_type: 'LoadImage', inputs: { image: 'not-here.png' } },
        '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
        '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'inverted' } },
      }),
    );
    const out = tempDir();
    const first = await narflow(['run', wf, '--server', srv.url, '--out', out, '--set', `1.image=${photo}`]);
    expect(first.stderr).not.toMatch(/error/i);
    expect(first.status).toBe(0);
    const name = uploadName(photo, fs.readFileSync(photo));
    expect(name).toMatch(/^Photo-[0-9a-f]{12}\.png$/);
    expect(first.stderr).toContain(`uploaded ${photo} as ${name}`);
    expect(fs.readFileSync(path.join(srv.dataDir, 'input', name)).equals(fs.readFileSync(photo))).toBe(true);
    const saved = decodePng(fs.readFileSync(path.join(out, 'inverted_00001_.png')));
    expect([saved.width, saved.height]).toEqual([6, 4]);
    expect(saved.data[0]).toBeCloseTo(0.8, 2);
    // the same file again: no second upload, same name on the server
    const again = await narflow(['run', wf, '--server', srv.url, '--out', out, '--set', `1.image=${photo}`]);
    expect(again.status).toBe(0);
    expect(again.stderr).not.toContain('uploaded');
    expect(fs.readdirSync(path.join(srv.dataDir, 'input')).filter((f) => f.startsWith('Photo-'))).toEqual([name]);
    // neither on the server nor here: the server's validation names it
    const missing = await narflow(['run', wf, '--server', srv.url, '--out', out]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/node 1 \(LoadImage\): input 'image' is "not-here\.png", not one of/);
    expect(missing.stderr).toContain(`missing files on ${srv.url} (put each in its folder there and run again):\n  input/not-here.png (node 1, Load Image: image)\n`);
  });

  it('uploads a video named by a local path into a Load Video and saves what it read', async () => {
    const videoSrv = await startTestServer({ extraPacks: [{ name: 'videos', nodes: [LoadVideo, SaveVideo] }] });
    try {
      const dir = tempDir();
      const clip = path.join(dir, 'clip.gif');
      const video = generateShapesVideos(1, 3, { size: 16, frames: 3 }).videos;
      fs.writeFileSync(clip, encodeGif(video));
      const wf = path.join(dir, 'copy.json');
      fs.writeFileSync(
        wf,
        JSON.stringify({
          '1': { class_type: 'LoadVideo', inputs: { video: 'not-here.gif', frame_load_cap: 0, skip_first_frames: 0, select_every_nth: 1 } },
          '2': { class_type: 'SaveVideo', inputs: { videos: ['1', 0], filename_prefix: 'copied', format: 'gif', scale: 1 } },
        }),
      );
      const out = tempDir();
      const r = await narflow(['run', wf, '--server', videoSrv.url, '--out', out, '--set', `1.video=${clip}`]);
      expect(r.stderr).not.toMatch(/error/i);
      expect(r.status).toBe(0);
      const name = uploadName(clip, fs.readFileSync(clip));
      expect(r.stderr).toContain(`uploaded ${clip} as ${name}`);
      expect(fs.readFileSync(path.join(videoSrv.dataDir, 'input', name)).equals(fs.readFileSync(clip))).toBe(true);
      // the clip came back through Load Video and Save Video unchanged
      const copied = decodeGif(fs.readFileSync(path.join(out, 'copied_00001_.gif')));
      expect([copied.frames, copied.height, copied.width]).toEqual([3, 16, 16]);
      expect(Array.from(copied.data)).toEqual(Array.from(decodeGif(encodeGif(video)).data));
    } finally {
      await videoSrv.close();
    }
  });

  (ffmpegAvailable() ? it : it.skip)('downloads every file an output lists: Save Video as MP4 (ui.videos) and as GIF (ui.images)', async () => {
    const videoSrv = await startTestServer({ extraPacks: [{ name: 'videos', nodes: [LoadVideo, SaveVideo] }] });
    try {
      const dir = tempDir();
      const clip = path.join(dir, 'clip.gif');
      fs.writeFileSync(clip, encodeGif(generateShapesVideos(1, 4, { size: 16, frames: 3 }).videos));
      const wf = path.join(dir, 'both.json');
      fs.writeFileSync(
        wf,
        JSON.stringify({
          '1': { class_type: 'LoadVideo', inputs: { video: clip, frame_load_cap: 0, skip_first_frames: 0, select_every_nth: 1 } },
          '2': { class_type: 'SaveVideo', inputs: { videos: ['1', 0], filename_prefix: 'sv/mp4', format: 'mp4', scale: 1 } },
          '3': { class_type: 'SaveVideo', inputs: { videos: ['1', 0], filename_prefix: 'sv/gif', format: 'gif', scale: 1 } },
        }),
      );
      const out = tempDir();
      const r = await narflow(['run', wf, '--server', videoSrv.url, '--out', out]);
      expect(r.stderr).not.toMatch(/error/i);
      expect(r.status).toBe(0);
      const mp4 = path.join(out, 'sv', 'mp4_00001_.mp4');
      const gif = path.join(out, 'sv', 'gif_00001_.gif');
      // the real paths of what was written, and not the MP4's relative path the node shows as text
      const printed = r.stdout.trim().split('\n');
      expect(printed.filter((l) => l.startsWith(out)).sort()).toEqual([gif, mp4]);
      expect(printed).not.toContain('sv/mp4_00001_.mp4');
      expect(fs.readFileSync(mp4).equals(fs.readFileSync(path.join(videoSrv.dataDir, 'output', 'sv', 'mp4_00001_.mp4')))).toBe(true);
      expect(fs.readFileSync(gif).equals(fs.readFileSync(path.join(videoSrv.dataDir, 'output', 'sv', 'gif_00001_.gif')))).toBe(true);
    } finally {
      await videoSrv.close();
    }
  });

  it('refuses flags that only mean something for a local run', async () => {
    const r = await narflow(['run', DEMO, '--server', srv.url, '--device', 'cpu']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--device choose how this machine runs a workflow; with --server the server decides');
  });
});

describe('narflow run --server with a token, and without a server', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ token: 'sekrit' });
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('asks for the token, refuses a wrong one, and runs with the right one from NARFLOW_TOKEN', async () => {
    const none = await narflow(['run', DEMO, '--server', srv.url, '--out', tempDir()]);
    expect(none.status).toBe(1);
    expect(none.stderr).toContain(`error: the server at ${srv.url} needs a token: pass --token (or set NARFLOW_TOKEN)`);
    const wrong = await narflow(['run', DEMO, '--server', srv.url, '--token', 'nope', '--out', tempDir()]);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain('refused the token');
    const out = tempDir();
    const ok = await narflow(['run', DEMO, '--server', srv.url, '--out', out, '--set', '2.delay_ms=1'], { env: { NARFLOW_TOKEN: 'sekrit' } });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain(path.join(out, 'core-demo_00001_.png'));
  });

  it('says the server cannot be reached', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const r = await narflow(['run', DEMO, '--server', `127.0.0.1:${port}`]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`error: cannot reach the narflow server at http://127.0.0.1:${port}: ECONNREFUSED`);
  });
});

describe('narflow run --server across a server restart', () => {
  it('reconnects, follows the prompt the restarted server runs again, and downloads its outputs', async () => {
    const dataDir = tempDir();
    let srv = await startTestServer({ dataDir });
    const port = Number(new URL(srv.url).port);
    const out = tempDir();
    let restarted: Promise<void> | null = null;
    const r = await narflow(['run', DEMO, '--server', srv.url, '--out', out, '--set', '2.delay_ms=100', '--set', '2.steps=20'], {
      onStderr: (text) => {
        if (restarted || !/SlowCounter/.test(text)) return;
        // mid-prompt: the server stops (the prompt stays queued in SQLite) and comes back on the same port
        restarted = (async () => {
          await srv.close();
          srv = await startTestServer({ dataDir, port });
        })();
      },
    });
    await restarted;
    try {
      expect(restarted).not.toBeNull();
      expect(r.stderr).not.toMatch(/error/i);
      expect(r.stderr).toMatch(/lost the connection to .*; reconnecting…\nreconnected; following [0-9a-f-]+ again/);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(path.join(out, 'core-demo_00001_.png'));
      expect((await srv.host.queue.history()).map((h) => h.status)).toEqual(['success']);
    } finally {
      await srv.close();
    }
  });
});

describe('remote run helpers', () => {
  it('reads a server URL as typed', () => {
    expect(serverBase('gpu-1:8188')).toBe('http://gpu-1:8188');
    expect(serverBase('https://narflow.example/base/')).toBe('https://narflow.example/base');
    expect(() => serverBase('ftp://x')).toThrow(/http:\/\/ or https:\/\//);
  });

  it('keeps downloaded outputs inside the output folder', () => {
    expect(localOutputPath('/o', { filename: 'a.png', subfolder: 'x/y', type: 'output' })).toBe(path.resolve('/o/x/y/a.png'));
    expect(localOutputPath('/o', { filename: 'p.png', subfolder: '', type: 'temp' })).toBe(path.resolve('/o/temp/p.png'));
    expect(localOutputPath('/o', { filename: '../../etc/passwd', subfolder: '' })).toBe(path.resolve('/o/passwd'));
    expect(() => localOutputPath('/o', { filename: 'a.png', subfolder: '../..' })).toThrow(/outside the output folder/);
  });
});

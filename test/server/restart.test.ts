// Queue and history survive a restart of the server process (a real child process, killed hard).
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { api, slowPrompt, waitFor, waitForHistory } from './serverHarness';

const BIN = path.resolve(__dirname, '../../bin/narflow.js');

function startChild(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--device', 'none', '--no-ui', '--packs', 'core', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 60 s; stderr: ${err}`)), 60000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/[^/\s]+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1] });
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${err}`)));
  });
}

function killHard(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

it('keeps queued prompts and history when the server process is killed and restarted', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-restart-'));
  const first = await startChild(dataDir);
  let second: { child: ChildProcess; url: string } | undefined;
  try {
    const done = (await api(first.url, '/api/prompt', { body: { prompt: slowPrompt(1, 1, '#010101') } })).body.prompt_id;
    await waitForHistory(first.url, done);
    // runs until stopped (one of 6 s could end before the kill on a loaded machine)
    const running = (await api(first.url, '/api/prompt', { body: { prompt: slowPrompt(6000, 20, '#020202') } })).body.prompt_id;
    const pendingA = (await api(first.url, '/api/prompt', { body: { prompt: slowPrompt(2, 1, '#030303') } })).body.prompt_id;
    const pendingB = (await api(first.url, '/api/prompt', { body: { prompt: slowPrompt(2, 1, '#040404') } })).body.prompt_id;
    await waitFor(async () => (await api(first.url, '/api/queue')).body.queue_running[0]?.[1] === running, 'the slow prompt to run');
    await killHard(first.child);

    second = await startChild(dataDir);
    const hist = (await api(second.url, '/api/history')).body;
    expect(Object.keys(hist)).toEqual([done]);
    expect(hist[done].status.status_str).toBe('success');
    const q = (await api(second.url, "/api/queue")).body;
    const queued = [...q.queue_running, ...q.queue_pending].map((i: any[]) => i[1]);
    expect(queued).toEqual([running, pendingA, pendingB]); // the interrupted one runs again first
    const url = second.url;
    await waitFor(async () => (await api(url, '/api/queue')).body.queue_running[0]?.[1] === running, 'the slow prompt to run again');
    await api(second.url, '/api/interrupt', { body: { prompt_id: running } });
    await waitForHistory(second.url, pendingB);
    const after = (await api(second.url, '/api/history')).body;
    expect(Object.keys(after).sort()).toEqual([done, running, pendingA, pendingB].sort());
    expect(after[pendingA].status.status_str).toBe('success');
    expect(after[pendingB].status.status_str).toBe('success');
  } finally {
    const alive = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;
    if (alive(first.child)) await killHard(first.child);
    if (second && alive(second.child)) {
      const exited = new Promise((r) => second!.child.once('exit', r));
      second.child.kill('SIGTERM');
      await exited;
    }
  }
});

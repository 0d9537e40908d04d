// `narflow train`: progress lines, a checkpoint, --resume continuing from its step, and Ctrl-C or
// SIGTERM stopping after the current step with the checkpoint written.
import { execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../../models/backend';
import { readTrainingCheckpoint } from '../../models/training';
import { saveTokenizer } from '../../models/vq/io';
import { tempDir, tinyTokenizer } from './helpers';

const root = path.resolve(__dirname, '../..');

function train(args: string[]): string {
  return execFileSync(process.execPath, [path.join(root, 'bin/narflow.js'), 'train', ...args], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A temp folder with a tiny tokenizer, and the flags of a tiny class-to-image run on it. */
async function tinyRun(): Promise<{ dir: string; common: string[] }> {
  await initBackend('wasm');
  const dir = tempDir();
  const tokFile = path.join(dir, 'tok.safetensors');
  const tok = tinyTokenizer();
  saveTokenizer(tok, tokFile);
  tok.dispose();
  return { dir, common: ['--kind', 'c2i', '--batch', '2', '--tokenizer', tokFile, '--dim', '32', '--layers', '1', '--heads', '2', '--log-every', '1', '--device', 'wasm'] };
}

it('trains, prints progress lines, writes a checkpoint, and resumes from it', async () => {
  const { dir, common } = await tinyRun();
  const out = path.join(dir, 'c2i.safetensors');
  const first = train([...common, '--steps', '2', '--out', out]);
  expect(first).toMatch(/step 1\/2 {2}loss \d+\.\d{4} {2}lr \S+ {2}\S+ samples\/s/);
  expect(first).toMatch(/finished at step 2/);
  expect(readTrainingCheckpoint(out).state.step).toBe(2);
  const second = train([...common, '--steps', '3', '--resume', out, '--out', out]);
  expect(second).not.toMatch(/step 1\/3/);
  expect(second).toMatch(/step 3\/3/);
  expect(readTrainingCheckpoint(out).state.step).toBe(3);
});

it('--resume without --out writes the run on into the checkpoint it resumed', async () => {
  const { dir, common } = await tinyRun();
  const out = path.join(dir, 'mine.safetensors');
  train([...common, '--steps', '2', '--out', out]);
  // run from the temp folder, so a default output path lands there and not in the repository
  const r = spawnSync(process.execPath, [path.join(root, 'bin/narflow.js'), 'train', ...common.filter((a, i) => a !== '--kind' && common[i - 1] !== '--kind'), '--steps', '3', '--resume', out], { cwd: dir, encoding: 'utf8' });
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
  expect(r.stdout).toContain(`checkpoint ${out} + `);
  expect(readTrainingCheckpoint(out).state.step).toBe(3);
  expect(fs.existsSync(path.join(dir, 'output'))).toBe(false);
});

/** The weights of a checkpoint, tensor by tensor. */
function weightsOf(file: string): Map<string, number[]> {
  return new Map([...readTrainingCheckpoint(file).stateDict].map(([k, t]) => [k, Array.from(t.data)]));
}

/** Starts `narflow train`, sends `signal` once it has printed step `afterStep`, and resolves with its stdout. */
function trainUntilSignal(args: string[], afterStep: number, signal: NodeJS.Signals = 'SIGINT'): Promise<string> {
  const child = spawn(process.execPath, [path.join(root, 'bin/narflow.js'), 'train', ...args], { cwd: root });
  let stdout = '';
  let sent = false;
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  child.stdout.on('data', (d) => {
    stdout += d;
    // once: a second Ctrl-C ends the process at once, as it should (nothing would be printed then)
    if (!sent && new RegExp(`step ${afterStep}/`).test(stdout)) {
      sent = true;
      child.kill(signal);
    }
  });
  return new Promise((resolve) =>
    child.on('close', () => {
      clearTimeout(timer);
      resolve(stdout);
    }),
  );
}

it('--resume without --steps/--batch/--seed/--lr continues the run with its own settings: it equals the uninterrupted run', async () => {
  const { dir, common } = await tinyRun();
  // long enough that the signal sent after step 3 lands before the run ends, even on a loaded machine
  const STEPS = 160;
  const settings = ['--steps', String(STEPS), '--seed', '5', '--lr', '3e-3'];
  const whole = path.join(dir, 'whole.safetensors');
  train([...common, ...settings, '--out', whole]);
  const out = path.join(dir, 'stopped.safetensors');
  const first = await trainUntilSignal([...common, ...settings, '--checkpoint-every', '0', '--out', out], 3);
  const stopped = Number(/stopped at step (\d+)/.exec(first)?.[1]);
  expect(stopped).toBeLessThan(STEPS);
  // no --kind, --steps, --batch, --seed or --lr: all come from the checkpoint
  const second = train(['--tokenizer', common[common.indexOf('--tokenizer') + 1], '--device', 'wasm', '--log-every', '1', '--resume', out, '--out', out]);
  expect(second).toContain(`resuming ${out} at step ${stopped}/${STEPS} (batch 2, seed 5, lr 0.003)`);
  expect(second).toContain(`finished at step ${STEPS} `);
  expect(readTrainingCheckpoint(out).state).toMatchObject({ step: STEPS, steps: STEPS, batch: 2, seed: 5 });
  expect(weightsOf(out)).toEqual(weightsOf(whole));
}, 90_000);

it('--resume refuses another kind, size, batch or seed, and warns when --steps changes the schedule', async () => {
  const { dir, common } = await tinyRun();
  const out = path.join(dir, 'c2i.safetensors');
  train([...common, '--steps', '2', '--out', out]);
  const resume = (args: string[]) => spawnSync(process.execPath, [path.join(root, 'bin/narflow.js'), 'train', ...common, '--resume', out, '--out', out, ...args], { cwd: root, encoding: 'utf8' });
  const kind = resume(['--kind', 'raster-c2i']);
  expect(kind.status).toBe(1);
  expect(kind.stderr).toContain(`resume from ${out}: it holds a c2i model, not raster-c2i`);
  const size = resume(['--dim', '64']);
  expect(size.status).toBe(1);
  expect(size.stderr).toContain('its model has dim 32 (asked for 64)');
  const batch = resume(['--batch', '4', '--seed', '1']);
  expect(batch.status).toBe(1);
  expect(batch.stderr).toContain('the run in it was trained with batch 2 (asked for 4), seed 0 (asked for 1)');
  expect(readTrainingCheckpoint(out).state.step).toBe(2); // nothing trained
  const longer = resume(['--steps', '3']);
  expect(longer.status).toBe(0);
  expect(longer.stderr).toMatch(/warning: the run in .* was started for 2 steps; going on to 3 instead/);
  expect(readTrainingCheckpoint(out).state.step).toBe(3);
});

it('an unknown --kind is refused with the accepted kinds', () => {
  expect(() => train(['--kind', 'gan'])).toThrow(/--kind must be one of c2i, t2i, video, raster-c2i, got 'gan'/);
});

it.each(['SIGINT', 'SIGTERM'] as const)('%s (Ctrl-C, or `timeout`) stops after the current step and writes the checkpoint of that step', async (signal) => {
  const { dir, common } = await tinyRun();
  const out = path.join(dir, 'stopped.safetensors');
  const args = ['train', ...common, '--steps', '100000', '--checkpoint-every', '0', '--out', out];
  const child = spawn(process.execPath, [path.join(root, 'bin/narflow.js'), ...args], { cwd: root });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  await new Promise<void>((resolve) =>
    child.stdout.on('data', (d) => {
      stdout += d;
      if (/step 3\/100000/.test(stdout)) resolve();
    }),
  );
  child.kill(signal);
  const code = await exited;
  clearTimeout(timer);
  expect(stderr).toContain(`${signal}: stopping after the current step`);
  expect(code).toBe(0);
  const stopped = Number(/stopped at step (\d+)/.exec(stdout)?.[1]);
  expect(stopped).toBeGreaterThanOrEqual(3);
  expect(stopped).toBeLessThan(100000);
  expect(readTrainingCheckpoint(out).state.step).toBe(stopped);
}, 90_000);

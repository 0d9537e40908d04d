// `narflow train`: progress lines, a checkpoint, and --resume continuing from its step.
import { execFileSync } from 'child_process';
import * as path from 'path';
import { initBackend } from '../../models/backend';
import { readTrainingCheckpoint } from '../../models/training';
import { saveTokenizer } from '../../models/vq/io';
import { tempDir, tinyTokenizer } from './helpers';

const root = path.resolve(__dirname, '../..');

function train(args: string[]): string {
  return execFileSync(process.execPath, [path.join(root, 'bin/narflow.js'), 'train', ...args], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

it('trains, prints progress lines, writes a checkpoint, and resumes from it', async () => {
  await initBackend('wasm');
  const dir = tempDir();
  const tokFile = path.join(dir, 'tok.safetensors');
  const tok = tinyTokenizer();
  saveTokenizer(tok, tokFile);
  tok.dispose();
  const out = path.join(dir, 'c2i.safetensors');
  const common = ['--kind', 'c2i', '--batch', '2', '--tokenizer', tokFile, '--dim', '32', '--layers', '1', '--heads', '2', '--log-every', '1', '--device', 'wasm'];
  const first = train([...common, '--steps', '2', '--out', out]);
  expect(first).toMatch(/step 1\/2 {2}loss \d+\.\d{4} {2}lr \S+ {2}\S+ samples\/s/);
  expect(first).toMatch(/finished at step 2/);
  expect(readTrainingCheckpoint(out).state.step).toBe(2);
  const second = train([...common, '--steps', '3', '--resume', out, '--out', out]);
  expect(second).not.toMatch(/step 1\/3/);
  expect(second).toMatch(/step 3\/3/);
  expect(readTrainingCheckpoint(out).state.step).toBe(3);
});

it('an unknown --kind is refused with the accepted kinds', () => {
  expect(() => train(['--kind', 'gan'])).toThrow(/--kind must be one of c2i, t2i, video, raster-c2i, got 'gan'/);
});

// narflow convert: never writes over its own input, and keeps the config a narflow-made file stores
// instead of guessing one from the shapes (and warning about the guess).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readSafetensors } from '../../models/checkpoint/safetensors';

const root = path.resolve(__dirname, '../..');
const BUNDLED = path.join(root, 'weights/nar/shapes-c2i.safetensors'); // read only: every test works on a copy

function narflow(args: string[]) {
  return spawnSync(process.execPath, [path.join(root, 'bin/narflow.js'), ...args], { cwd: root, encoding: 'utf8', timeout: 60000 });
}

function copyOfBundled(): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-convert-'));
  const file = path.join(dir, 'c2i.safetensors');
  fs.copyFileSync(BUNDLED, file);
  return { dir, file };
}

it('refuses to write over its input: the same path, another spelling of it, a symlink or a hard link', () => {
  const { dir, file } = copyOfBundled();
  const before = fs.readFileSync(file);
  fs.symlinkSync(file, path.join(dir, 'link.safetensors'));
  fs.linkSync(file, path.join(dir, 'hard.safetensors'));
  for (const out of [file, path.join(dir, '.', 'sub', '..', 'c2i.safetensors'), path.join(dir, 'link.safetensors'), path.join(dir, 'hard.safetensors')]) {
    const r = narflow(['convert', file, out, '--dtype', 'f16']);
    expect(r.stderr).toBe(`narflow convert: ${out} is the input file itself; write the conversion to another file\n`);
    expect(r.status).toBe(2);
  }
  expect(fs.readFileSync(file).equals(before)).toBe(true);
});

it('keeps the config a narflow-made file stores, without warning about guessed fields', () => {
  const { dir, file } = copyOfBundled();
  const out = path.join(dir, 'c2i-f16.safetensors');
  const r = narflow(['convert', file, out, '--dtype', 'f16']);
  expect(r.status).toBe(0);
  expect(r.stdout).not.toMatch(/warning|not stored|not from shapes|guess/);
  expect(r.stdout).toContain('config: NAR config stored in the input (narflow.nar.config), kept: dim 128, 4 blocks, 4 heads, grid [8,8], vocab 512');
  const stored = readSafetensors(file).metadata['narflow.nar.config'];
  expect(readSafetensors(out).metadata['narflow.nar.config']).toBe(stored);
});

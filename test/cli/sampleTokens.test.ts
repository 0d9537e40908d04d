// narflow sample-tokens on a file that stores its config (narflow.nar.config): no --model-args
// needed; --model-args that disagree with the stored config are refused, naming the fields.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readSafetensors, writeSafetensors } from '../../models/checkpoint/safetensors';

const root = path.resolve(__dirname, '../..');
const WEIGHTS = path.join(root, 'weights/nar/shapes-c2i.safetensors'); // read only

function narflow(args: string[]) {
  return spawnSync(process.execPath, [path.join(root, 'bin/narflow.js'), 'sample-tokens', ...args], { cwd: root, encoding: 'utf8', timeout: 120000 });
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-sample-'));
const cond = path.join(dir, 'cond.json');
fs.writeFileSync(cond, JSON.stringify({ cond: [0, 3] }));
const common = ['--weights', WEIGHTS, '--cond', cond, '--engine', 'tfjs', '--device', 'wasm', '--seed', '3'];

it('samples with the config stored in the weights when --model-args is left out', () => {
  const r = narflow(common);
  expect(r.stderr).not.toMatch(/narflow:/);
  expect(r.status).toBe(0);
  const grids = JSON.parse(r.stdout) as number[][];
  expect(grids.map((g) => g.length)).toEqual([64, 64]); // 8×8 tokens each
  expect(grids.flat().every((t) => Number.isInteger(t) && t >= 0 && t < 512)).toBe(true);
});

it('refuses --model-args that disagree with the stored config, naming the fields', () => {
  const args = path.join(dir, 'args.json');
  fs.writeFileSync(args, JSON.stringify({ dim: 128, n_layer: 3, n_head: 2, vocab_size: 512, num_classes: 18, block_size: 64, model_type: 'c2i' }));
  const r = narflow([...common, '--model-args', args]);
  expect(r.status).toBe(2);
  expect(r.stderr).toContain(`narflow sample-tokens: --model-args ${args} disagrees with the config stored in ${WEIGHTS}: nHead 2 (stored 4), `);
  expect(r.stderr).toContain('leave out --model-args to use the stored one');
});

it('asks for --model-args where the weights store no config', () => {
  const bare = path.join(dir, 'bare.safetensors');
  const st = readSafetensors(WEIGHTS); // the same weights with no metadata at all
  writeSafetensors(bare, st.tensors, {}, 'F32');
  const r = narflow(['--weights', bare, '--cond', cond]);
  expect(r.status).toBe(2);
  expect(r.stderr).toBe(`narflow sample-tokens: ${bare} stores no NAR config (no narflow.nar.config in its metadata): pass --model-args A.json\n`);
});

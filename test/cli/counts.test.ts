// Counts and sizes on the command line are checked before any model loads, with the option named.
import { spawnSync } from 'child_process';
import * as path from 'path';

const root = path.resolve(__dirname, '../..');

function narflow(args: string[]) {
  return spawnSync(process.execPath, [path.join(root, 'bin/narflow.js'), ...args], { cwd: root, encoding: 'utf8', timeout: 60000 });
}

// the tokenizer does not exist: each refusal comes before it would be read
const extract = ['extract-codes', '--tokenizer', '/nonexistent/tok.safetensors', '--out', '/nonexistent/codes.safetensors'];

it.each([
  [['--shapes', 'images', '--count', '0'], "option --count expects a whole number of at least 1, got '0'"],
  [['--shapes', 'images', '--count', '-3'], "option --count expects a whole number of at least 1, got '-3'"],
  [['--shapes', 'images', '--count', '2.5'], "option --count expects a whole number of at least 1, got '2.5'"],
  [['--shapes', 'videos', '--frames', '0'], "option --frames expects a whole number of at least 1, got '0'"],
  [['--shapes', 'images', '--size', '0'], "option --size expects a whole number of at least 1, got '0'"],
  [['--shapes', 'images', '--objects', '3'], "option --objects expects 1, 2 or mixed, got '3'"],
  [['--shapes', 'pictures'], "option --shapes expects 'images' or 'videos', got 'pictures'"],
  [['--images', 'some/dir', '--count', '5'], '--count is for --shapes, not --images'],
])('extract-codes %j is refused: %s', (extra, message) => {
  const r = narflow([...extract, ...extra]);
  expect(r.stderr).toBe(`narflow extract-codes: ${message}\n`);
  expect(r.status).toBe(2);
});

it.each([
  [['--steps', '0'], "option --steps expects a whole number of at least 1, got '0'"],
  [['--batch', '-1'], "option --batch expects a whole number of at least 1, got '-1'"],
  [['--dim', '0'], "option --dim expects a whole number of at least 1, got '0'"],
  [['--log-every', '0'], "option --log-every expects a whole number of at least 1, got '0'"],
])('train %j is refused: %s', (extra, message) => {
  const r = narflow(['train', '--kind', 'c2i', ...extra]);
  expect(r.stderr).toBe(`narflow train: ${message}\n`);
  expect(r.status).toBe(2);
});

it('vq-encode --size 0 is refused', () => {
  const r = narflow(['vq-encode', '--weights', '/nonexistent.safetensors', '--input', root, '--size', '0']);
  expect(r.stderr).toBe("narflow vq-encode: option --size expects a whole number of at least 1, got '0'\n");
  expect(r.status).toBe(2);
});

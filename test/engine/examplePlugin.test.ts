// The example node pack of docs/plugins.md, loaded the way a user loads one (`--plugins DIR`) by
// the real CLI: listed with its category, deterministic per seed, its input errors named, and its
// caption feeding the bundled text-to-image model.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readPngText } from '../../models/image/png';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/narflow.js');
const PLUGINS = path.join(ROOT, 'examples/plugins');
const CAPTION = path.join(PLUGINS, 'caption-tools/random-caption.json');

jest.setTimeout(120_000);

function narflow(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 90_000, cwd: ROOT });
}

function caption(args: string[] = []): { status: number | null; text: string; stderr: string } {
  const r = narflow(['run', CAPTION, '--plugins', PLUGINS, '--packs', 'caption-tools', '--device', 'none', '--out', fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-plugin-')), ...args]);
  return { status: r.status, text: r.stdout.trim(), stderr: r.stderr };
}

describe('the example plugin (examples/plugins/caption-tools)', () => {
  it('is listed by `narflow nodes` with its category', () => {
    const r = narflow(['nodes', '--plugins', PLUGINS, '--packs', 'core,caption-tools']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^RandomCaption\s+caption-tools\s+examples\/text\s+seed:INT, colours:STRING, shapes:STRING -> STRING$/m);
    expect(r.stdout).toMatch(/^ShowText\s+caption-tools\s+examples\/text\s+text:STRING -> \(output node\)$/m);
    // the columns line up under the header, whatever the length of a pack's name
    const lines = r.stdout.trimEnd().split('\n');
    const category = lines[0].indexOf('CATEGORY');
    for (const line of lines.slice(1)) expect({ line, at: line.slice(category - 2, category).trim() === '' && line[category] !== ' ' }).toEqual({ line, at: true });
  });

  it('writes the same caption for the same seed, from the words it is given', () => {
    const a = caption();
    expect(a.status).toBe(0);
    expect(a.text).toMatch(/^a (red|blue) (circle|square) at the (top left|top|top right|left|center|right|bottom left|bottom|bottom right)$/);
    expect(caption().text).toBe(a.text);
    const others = new Set([8, 9, 10, 11].map((seed) => caption(['--set', `1.seed=${seed}`]).text));
    expect(others.size).toBeGreaterThan(1);
  });

  it('names a bad word list', () => {
    const r = caption(['--set', '1.colours=red, mauve']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('error: node 1 (RandomCaption): colours must be a comma-separated list of red, green, blue, yellow, purple, cyan; got "red, mauve"');
  });

  it('feeds its caption to the bundled text-to-image model', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-plugin-'));
    const r = narflow(['run', path.join(PLUGINS, 'caption-tools/random-text-to-image.json'), '--plugins', PLUGINS, '--device', 'cpu', '--out', out]);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const file = path.join(out, 'random-caption_00001_.png');
    expect(lines).toContain(file);
    expect(lines[lines.length - 1]).toMatch(/^a \w+ \w+ at the /); // ShowText, the last node
    expect(lines.some((l) => /15 forward passes from seed "corner"/.test(l))).toBe(true); // the sampler's own summary
    const prompt = JSON.parse(readPngText(fs.readFileSync(file)).prompt);
    expect(prompt['5'].inputs.prompt).toEqual(['4', 0]); // the caption arrives through a link
  });
});

import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../models/backend';
import { generateShapesImages } from '../../models/data/shapes';
import { encodePng } from '../../models/image/png';
import { imageAt } from '../../models/image/types';
import { Rng } from '../../models/rng';
import { readCodeFile, writeCodeFile } from '../../models/vq/codeFile';
import { loadTokenizer, saveTokenizer } from '../../models/vq/io';
import { PatchVq, SHAPES_PATCH_VQ } from '../../models/vq/patchVq';

const repo = path.resolve(__dirname, '../..');
const narflow = (args: string[]) => execFileSync('node', [path.join(repo, 'bin/narflow.js'), ...args], { cwd: repo, encoding: 'utf8', stdio: 'pipe' });

describe('code files and narflow extract-codes', () => {
  let dir = '';
  let tokFile = '';
  beforeAll(async () => {
    await initBackend('wasm');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-codes-'));
    tokFile = path.join(dir, 'tok.safetensors');
    const tok = PatchVq.init({ ...SHAPES_PATCH_VQ, codebookSize: 64 }, new Rng(1));
    saveTokenizer(tok, tokFile);
    tok.dispose();
  });

  it('writes and reads codes, labels and captions', () => {
    const file = path.join(dir, 'c.safetensors');
    writeCodeFile(file, { shape: [2, 1, 2], codes: Int32Array.from([1, 2, 3, 511]), codebookSize: 512, labels: Int32Array.from([4, 5]), captions: ['a', 'b'], tokenizer: 't', source: 's' });
    const d = readCodeFile(file);
    expect(Array.from(d.codes)).toEqual([1, 2, 3, 511]);
    expect(Array.from(d.labels!)).toEqual([4, 5]);
    expect(d.captions).toEqual(['a', 'b']);
    expect(() => writeCodeFile(file, { shape: [3, 1, 1], codes: Int32Array.from([1, 2]), codebookSize: 4, tokenizer: '', source: '' })).toThrow(/hold 2 values, shape \[3,1,1\] needs 3/);
  });

  it('tokenizes Shapes images with labels and captions, the same codes as the library', () => {
    const out = path.join(dir, 'shapes.safetensors');
    narflow(['extract-codes', '--tokenizer', tokFile, '--shapes', 'images', '--count', '5', '--seed', '3', '--out', out, '--device', 'wasm']);
    const d = readCodeFile(out);
    expect(d.shape).toEqual([5, 8, 8]);
    expect(d.labels!.length).toBe(5);
    expect(d.captions!.length).toBe(5);
    expect(d.codebookSize).toBe(64);
    const tok = loadTokenizer(tokFile);
    const again = generateShapesImages(5, 3 * 1_000_003, { size: 32, objects: 1 });
    expect(Array.from(d.codes)).toEqual(tok.encode(again.images).flat(2));
    expect(Array.from(d.labels!)).toEqual(again.labels);
    tok.dispose();
  });

  it('tokenizes Shapes videos and a folder of images', () => {
    const vids = path.join(dir, 'videos.safetensors');
    narflow(['extract-codes', '--tokenizer', tokFile, '--shapes', 'videos', '--count', '3', '--frames', '4', '--out', vids, '--device', 'wasm']);
    expect(readCodeFile(vids).shape).toEqual([3, 4, 8, 8]);
    const imgDir = path.join(dir, 'imgs');
    fs.mkdirSync(imgDir);
    const imgs = generateShapesImages(2, 9, { size: 64 }).images;
    for (let i = 0; i < 2; i++) fs.writeFileSync(path.join(imgDir, `${i}.png`), encodePng(imageAt(imgs, i)));
    const out = path.join(dir, 'folder.safetensors');
    narflow(['extract-codes', '--tokenizer', tokFile, '--images', imgDir, '--size', '32', '--out', out, '--device', 'wasm']);
    expect(readCodeFile(out).shape).toEqual([2, 8, 8]);
  });

  it('vq-encode reads an image folder too', () => {
    const imgDir = path.join(dir, 'imgs2');
    fs.mkdirSync(imgDir);
    const imgs = generateShapesImages(2, 10).images;
    for (let i = 0; i < 2; i++) fs.writeFileSync(path.join(imgDir, `${i}.png`), encodePng(imageAt(imgs, i)));
    const printed = JSON.parse(narflow(['vq-encode', '--weights', tokFile, '--input', imgDir, '--device', 'wasm'])) as number[][][];
    const tok = loadTokenizer(tokFile);
    const direct = tok.encode(imgs); // PNG keeps 8 bits per channel, so a code near a tie may differ
    expect([printed.length, printed[0].length, printed[0][0].length]).toEqual([2, 8, 8]);
    const same = printed.flat(2).filter((c, i) => c === direct.flat(2)[i]).length;
    expect(same / 128).toBeGreaterThan(0.9);
    tok.dispose();
  });
});

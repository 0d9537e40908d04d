// writeOutputFile: a downloaded output never replaces a file already in the output folder.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeOutputFile } from '../../server/cli/outputFile';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-outfile-'));
}

describe('writeOutputFile', () => {
  it('writes a new file where asked, creating its folder', () => {
    const dir = tempDir();
    const target = path.join(dir, 'sub', 'probe_00001_.png');
    expect(writeOutputFile(target, Buffer.from('a'))).toEqual({ file: target, outcome: 'written' });
    expect(fs.readFileSync(target, 'utf8')).toBe('a');
  });

  it('keeps a numbered file holding other bytes and takes the number after the highest there', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'probe_00003_.png'), 'mine');
    fs.writeFileSync(path.join(dir, 'probe_00007_.png'), 'mine too');
    const r = writeOutputFile(path.join(dir, 'probe_00003_.png'), Buffer.from('theirs'));
    expect(r).toEqual({ file: path.join(dir, 'probe_00008_.png'), outcome: 'renamed' });
    expect(fs.readFileSync(path.join(dir, 'probe_00003_.png'), 'utf8')).toBe('mine');
    expect(fs.readFileSync(r.file, 'utf8')).toBe('theirs');
  });

  it('gives an unnumbered name a -N suffix', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'clip.gif'), 'mine');
    fs.writeFileSync(path.join(dir, 'clip-1.gif'), 'mine too');
    expect(writeOutputFile(path.join(dir, 'clip.gif'), Buffer.from('theirs')).file).toBe(path.join(dir, 'clip-2.gif'));
    expect(fs.readFileSync(path.join(dir, 'clip.gif'), 'utf8')).toBe('mine');
  });

  it('keeps a file that already holds the same bytes and writes no copy', () => {
    const dir = tempDir();
    const target = path.join(dir, 'probe_00001_.png');
    fs.writeFileSync(target, 'same');
    expect(writeOutputFile(target, Buffer.from('same'))).toEqual({ file: target, outcome: 'kept' });
    expect(fs.readdirSync(dir)).toEqual(['probe_00001_.png']);
  });
});

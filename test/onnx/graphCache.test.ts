// The compiled-graph cache: a cache folder that cannot be written (a read-only install, or the
// default .cache/onnx under a working directory that is not ours) moves the graphs to the system's
// temp folder instead of failing the sampler.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { GraphBuilder } from '../../models/onnx/builder';
import { compileOrLoad } from '../../models/onnx/graphCache';

/** A stand-in builder that writes the two files a graph has. */
function fakeBuilder(calls: string[]): () => GraphBuilder {
  return () =>
    ({
      writeFiles(file: string) {
        calls.push(file);
        fs.writeFileSync(file, 'graph');
        fs.writeFileSync(`${file}.data`, 'weights');
      },
    }) as unknown as GraphBuilder;
}

it('a cache folder that cannot be made sends the graphs to the temp folder, once, and says so', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'graph-cache-'));
  const blocker = path.join(root, 'not-a-folder');
  fs.writeFileSync(blocker, 'x');
  const key = `test-${process.pid}-${Date.now()}`;
  const calls: string[] = [];
  try {
    const first = compileOrLoad(path.join(blocker, 'onnx'), key, fakeBuilder(calls));
    expect(first.compiled).toBe(true);
    expect(first.file).toBe(path.join(os.tmpdir(), 'narflow-onnx-cache', key, 'model.onnx'));
    expect(first.cacheNote).toMatch(/cannot write .*not-a-folder.*ENOTDIR.*cached in/);
    const again = compileOrLoad(path.join(blocker, 'onnx'), key, fakeBuilder(calls));
    expect(again).toMatchObject({ file: first.file, compiled: false });
    expect(calls).toHaveLength(1);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(path.join(os.tmpdir(), 'narflow-onnx-cache', key), { recursive: true, force: true });
  }
});

it('a graph another process stored while this one built it is kept, not removed from under that process', () => {
  // two jest workers (or servers) compiling the same graph at once on an empty cache: the one that
  // finished second removed the first one's folder and put its own in its place, so the first,
  // loading its graph file meanwhile, found nothing there
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'graph-cache-'));
  const key = 'same-graph';
  const theirs = path.join(dir, key);
  try {
    const result = compileOrLoad(dir, key, () =>
      ({
        writeFiles(file: string) {
          fs.writeFileSync(file, 'ours');
          fs.writeFileSync(`${file}.data`, 'our weights');
          // meanwhile the other process stores the same graph (through its own temporary folder)
          const other = fs.mkdtempSync(path.join(dir, `.tmp-${key}-`));
          fs.writeFileSync(path.join(other, 'model.onnx'), 'theirs');
          fs.writeFileSync(path.join(other, 'model.onnx.data'), 'their weights');
          fs.renameSync(other, theirs);
        },
      }) as unknown as GraphBuilder,
    );
    expect(result.file).toBe(path.join(theirs, 'model.onnx'));
    expect(fs.readFileSync(result.file, 'utf8')).toBe('theirs');
    expect(fs.readFileSync(`${result.file}.data`, 'utf8')).toBe('their weights');
    expect(fs.readdirSync(dir)).toEqual([key]); // no temporary folder left
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

it('a folder without a whole graph in it (not one this cache wrote) is replaced', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'graph-cache-'));
  try {
    fs.mkdirSync(path.join(dir, 'k'));
    fs.writeFileSync(path.join(dir, 'k', 'model.onnx'), 'half');
    const calls: string[] = [];
    const result = compileOrLoad(dir, 'k', fakeBuilder(calls));
    expect(result).toMatchObject({ file: path.join(dir, 'k', 'model.onnx'), compiled: true });
    expect(fs.readFileSync(result.file, 'utf8')).toBe('graph');
    expect(fs.readFileSync(`${result.file}.data`, 'utf8')).toBe('weights');
    expect(fs.readdirSync(dir)).toEqual(['k']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

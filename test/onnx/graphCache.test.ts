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

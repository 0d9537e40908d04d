// The ORT graph cache is keyed by the weights' contents, not by the file's path, size and mtime:
// a model file replaced by another of the same size with its mtime kept (cp -p, rsync -a, archives)
// used to sample with the old file's compiled graph and weights.
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../models/backend';
import { NarModel } from '../../models/nar';
import { graphCacheKey } from '../../models/onnx/graphCache';
import { NAR_STEP_GRAPH_VERSION } from '../../models/onnx/nar/stepGraph';
import { LoadNARModel } from '../../nodes/nar/loaders';
import { NARSampler } from '../../nodes/nar/sampler';
import type { NarModelValue, TokenGrid } from '../../nodes/nar/values';
import type { ExecContext } from '../../server/engine/nodeApi';
import { hostPaths, tempRoot, tinyConfig } from './helpers';

const root = tempRoot('narflow-ckhash-');
const narDir = path.join(root, 'nar');
const paths = hostPaths(root, { nar: [narDir] });
const ctx = {
  promptId: 'test',
  nodeId: '1',
  progress: () => undefined,
  signal: new AbortController().signal,
  log: { info: () => undefined, warn: () => undefined, error: () => undefined },
  paths,
} as unknown as ExecContext;

beforeAll(async () => {
  await initBackend('wasm');
  fs.mkdirSync(narDir, { recursive: true });
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function greedy(model: NarModelValue, engine: 'ort' | 'tfjs'): Promise<number[]> {
  const conditioning = { kind: 'class', classIds: [1, 4, 9], labels: ['1', '4', '9'] };
  const inputs = { model, conditioning, seed_position: 'corner', cfg: 2, cfg_interval: -1, temperature: 1, top_k: 0, top_p: 1, greedy: true, seed: 0, batch: 1, engine, preview: 'none' };
  const out = await NARSampler.execute(inputs, ctx);
  expect(String(out.ui?.text?.[1])).toContain(`${engine} engine`);
  return Array.from((out.outputs[0] as TokenGrid).tokens);
}

describe('a model file replaced by another of the same size and mtime', () => {
  it('gets a new fingerprint, a new cache key, and samples with its own weights on ORT (as on tfjs)', async () => {
    const files = [1, 2].map((seed) => {
      const m = NarModel.random(tinyConfig('c2i'), seed);
      const f = path.join(root, `m${seed}.safetensors`);
      m.save(f);
      m.dispose();
      return fs.readFileSync(f);
    });
    expect(files[0].length).toBe(files[1].length);
    expect(files[0].equals(files[1])).toBe(false);

    const target = path.join(narDir, 'model.safetensors');
    const mtime = new Date('2026-01-02T03:04:05Z');
    const tokens: { ort: number[]; tfjs: number[] }[] = [];
    const values: NarModelValue[] = [];
    const fingerprints: string[] = [];
    for (const bytes of files) {
      fs.writeFileSync(target, bytes); // in place: same path, same inode, same size
      fs.utimesSync(target, mtime, mtime); // the mtime kept, as cp -p and rsync -a do
      fingerprints.push(await LoadNARModel.fingerprint!({ model_name: 'model.safetensors' }, paths));
      const value = (await LoadNARModel.execute({ model_name: 'model.safetensors' }, ctx)).outputs[0] as NarModelValue;
      values.push(value);
      const before = tf.memory().numTensors;
      tokens.push({ ort: await greedy(value, 'ort'), tfjs: await greedy(value, 'tfjs') });
      expect(tf.memory().numTensors).toBe(before);
      await sleep(30); // past the kernel's coarse timestamp tick, so the rewrite gets its own ctime
    }
    expect(fs.statSync(target).mtime.getTime()).toBe(mtime.getTime());
    expect(fingerprints[1]).not.toBe(fingerprints[0]);
    const [a, b] = values;
    expect(a.checkpointHash).toMatch(/^[0-9a-f]{64}$/);
    expect(b.checkpointHash).not.toBe(a.checkpointHash);
    expect(graphCacheKey(b.checkpointHash!, b.config, NAR_STEP_GRAPH_VERSION)).not.toBe(graphCacheKey(a.checkpointHash!, a.config, NAR_STEP_GRAPH_VERSION));
    // each file's ORT tokens are its own tfjs tokens, and the two models sample differently
    expect(tokens[0].ort).toEqual(tokens[0].tfjs);
    expect(tokens[1].ort).toEqual(tokens[1].tfjs);
    expect(tokens[1].tfjs).not.toEqual(tokens[0].tfjs);
    values.forEach((v) => v.dispose?.());
  });
});

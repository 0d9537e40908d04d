// The ORT engine (KV cache, prefill, decode steps) reproduces the fixtures' greedy tokens, and its
// compiled graphs are cached on disk by checkpoint hash.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { orderingFor } from '../../models/nar/ordering';
import { OrtNarEngine } from '../../models/onnx/narEngine';
import { engineCondition, loadNarFixture, maxAbsDiff, NAR_FIXTURES, NarFixture } from './fixtures';
import { greedyTokens } from './greedyLoop';


function condMask(f: NarFixture, guided: boolean): Float32Array | undefined {
  const m = f.cases.emb_masks?.flat();
  return m && Float32Array.from(guided ? [...m, ...m] : m);
}

describe('OrtNarEngine', () => {
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-cache-'));
  afterAll(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

  describe.each(NAR_FIXTURES)('%s', (name) => {
    const f = loadNarFixture(name);
    it('KV-cache steps fed the training tokens give the fixture logits within 1e-4', async () => {
      const engine = await OrtNarEngine.create(f.sd, f.config, { cacheDir });
      const batch = f.cases.train.tokens.length;
      const logitsOut = Array.from({ length: batch }, () => new Array<Float32Array>(f.config.numTokens));
      engine.useOrdering(orderingFor(f.config, 'corner')); // only the head rows that are read
      await greedyTokens(engine, orderingFor(f.config, 'corner'), {
        cond: engineCondition(f, batch, false),
        batch,
        cfgScale: 1,
        cfgInterval: -1,
        forced: f.cases.train.tokens,
        logitsOut,
      });
      const got = logitsOut.flatMap((row) => row.flatMap((l) => Array.from(l)));
      expect(maxAbsDiff(got, f.cases.train.logits.flat(2))).toBeLessThan(1e-4);
      expect(engine.stats.forwardPasses).toBe(orderingFor(f.config, 'corner').steps.length);
      await engine.release();
    });

    it.each(f.cases.greedy.map((g) => [g.cfg_scale, g.cfg_interval, g.tokens] as const))(
      'greedy tokens with cfg %s, interval %s equal the fixture',
      async (cfgScale, cfgInterval, expected) => {
        const engine = await OrtNarEngine.create(f.sd, f.config, { cacheDir });
        const batch = expected.length;
        const guided = cfgScale > 1;
        const tokens = await greedyTokens(engine, orderingFor(f.config, 'corner'), {
          cond: engineCondition(f, batch, guided),
          batch,
          cfgScale,
          cfgInterval,
          condMask: condMask(f, guided),
        });
        expect(tokens).toEqual(expected);
        await engine.release();
      },
    );
  });

  it("compiles a checkpoint's graphs once and loads them from the cache afterwards", async () => {
    const f = loadNarFixture('t2i-6x6');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-cache-once-'));
    const first = await OrtNarEngine.create(f.sd, f.config, { cacheDir: dir });
    expect(first.stats).toMatchObject({ graphsCompiled: 2, graphsLoaded: 0 });
    const files = fs.readdirSync(dir).map((k) => path.join(dir, k, 'model.onnx'));
    const mtimes = files.map((file) => fs.statSync(file).mtimeMs);
    const second = await OrtNarEngine.create(f.sd, f.config, { cacheDir: dir });
    expect(second.stats).toMatchObject({ graphsCompiled: 0, graphsLoaded: 2 });
    expect(files.map((file) => fs.statSync(file).mtimeMs)).toEqual(mtimes);
    const changed = new Map(f.sd);
    const w = f.sd.get('norm.weight')!;
    changed.set('norm.weight', { shape: w.shape, data: w.data.map((v) => v * 2) });
    const third = await OrtNarEngine.create(changed, f.config, { cacheDir: dir });
    expect(third.stats.graphsCompiled).toBe(2); // another checkpoint, other graphs
    await Promise.all([first, second, third].map((e) => e.release()));
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

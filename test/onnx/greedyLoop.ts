// A minimal greedy loop over any NarStepEngine and TokenOrdering (guidance with cfg_interval,
// parent merging, argmax), to check the engine against the fixtures' greedy tokens.
import { headRowOffset, type EngineCondition, type HeadLogits, type NarStepEngine } from '../../models/nar/engine';
import { CONDITION, type TokenOrdering } from '../../models/nar/ordering';

export interface GreedyOptions {
  cond: EngineCondition;
  /** rows before guidance doubling */
  batch: number;
  cfgScale: number;
  cfgInterval: number;
  condMask?: Float32Array;
  /** teacher forcing: feed these tokens [batch][N] instead of the argmax */
  forced?: number[][];
  /** receives the (guided) logits of every token: [batch][N][V] */
  logitsOut?: Float32Array[][];
}

export async function greedyTokens(engine: NarStepEngine, ordering: TokenOrdering, o: GreedyOptions): Promise<number[][]> {
  const V = engine.config.vocabSize;
  const guided = o.cfgScale > 1;
  const R = guided ? 2 * o.batch : o.batch;
  await engine.setup({ batch: R, condMask: o.condMask });
  // head logits per fed source position: source → per head [R, V]
  const store = new Map<number, Float32Array[]>();
  const keep = (sources: number[], heads: HeadLogits, S: number) =>
    sources.forEach((src, s) => {
      store.set(src, heads.map((h, i) => {
        const out = new Float32Array(R * V); // zeros where the engine skipped this head (nothing reads it)
        for (let r = 0; r < R; r++) {
          const off = headRowOffset(heads, i, r, s, S, V);
          if (off >= 0) out.set(h.subarray(off, off + V), r * V);
        }
        return out;
      }));
    });
  keep([CONDITION], await engine.prefill(o.cond), 1);
  const tokens = Array.from({ length: o.batch }, () => new Array<number>(ordering.steps.flat().length).fill(-1));
  let generated = 0;
  for (let k = 0; k < ordering.steps.length; k++) {
    const step = ordering.steps[k];
    const useCfg = guided && (o.cfgInterval < 0 || generated <= o.cfgInterval);
    const fed = new Int32Array(R * step.length);
    step.forEach((q, s) => {
      const links = ordering.parents(q);
      for (let b = 0; b < o.batch; b++) {
        const mix = (row: number) => {
          const m = new Float32Array(V);
          for (const l of links) {
            const src = store.get(l.source)![l.head];
            for (let v = 0; v < V; v++) m[v] += src[row * V + v] / links.length;
          }
          return m;
        };
        const cond = mix(b);
        const logits = useCfg ? ((u) => cond.map((c, v) => u[v] + (c - u[v]) * o.cfgScale))(mix(o.batch + b)) : cond;
        let best = 0;
        for (let v = 1; v < V; v++) if (logits[v] > logits[best]) best = v;
        if (o.logitsOut) o.logitsOut[b][q] = logits;
        const pick = o.forced ? o.forced[b][q] : best;
        tokens[b][q] = pick;
        fed[b * step.length + s] = pick;
        if (guided) fed[(o.batch + b) * step.length + s] = pick;
      }
    });
    generated += step.length;
    if (k + 1 < ordering.steps.length) keep(Array.from(step), await engine.decodeStep(step, fed), step.length);
  }
  return tokens;
}

// The NAR fixtures checked on one engine (tfjs on the active backend, or onnxruntime on a given
// execution provider). Returns plain reports (no jest), so that the GPU-machine script
// (scripts/device-check) runs exactly these checks too.
//  - teacher-forced KV-cache steps on the training tokens → merged logits vs the fixture's
//  - greedy, teacher-forced on the fixture's greedy tokens: every argmax equals the fixture token,
//    or the two logits are within `tol` of each other (a tie the tolerance cannot break)
//  - greedy, free-running through the shared sampler: equal to the fixture (required when no tie)
//  - tfjs only: the training forward's merged logits and loss; two AdamW steps (for comparing
//    gradients across backends)
import * as tf from '@tensorflow/tfjs';
import { createNarTrainer, NarModel } from '../../models/nar';
import type { NarStepEngine } from '../../models/nar/engine';
import { orderingFor } from '../../models/nar/ordering';
import { generate, type SampleCondition } from '../../models/nar/sampler/generate';
import { trainingLoss } from '../../models/nar/training/forward';
import { engineCondition, maxAbsDiff, type NarFixture } from '../onnx/fixtures';
import { greedyTokens } from '../onnx/greedyLoop';

export interface GreedyReport {
  cfgScale: number;
  cfgInterval: number;
  /** positions whose argmax differs from the fixture by more than the tolerance */
  mismatches: number;
  /** positions where the fixture token and the argmax differ but their logits are within tol */
  ties: number;
  /** the free-running greedy tokens equal the fixture's */
  sampledEqual: boolean;
}

export interface EngineReport {
  fixture: string;
  /** max |logit − fixture| over the teacher-forced training tokens */
  logitsMaxDiff: number;
  greedy: GreedyReport[];
  ms: number;
}

export interface TrainingReport {
  fixture: string;
  logitsMaxDiff: number;
  lossDiff: number;
}

/** The check passes: logits within tol, no greedy mismatch, sampled tokens equal unless a tie allows. */
export function engineReportOk(r: EngineReport, tol: number): boolean {
  return r.logitsMaxDiff < tol && r.greedy.every((g) => g.mismatches === 0 && (g.sampledEqual || g.ties > 0));
}


function sampleCondition(f: NarFixture): SampleCondition {
  if (f.config.condition.kind === 'text') {
    const mask = f.cases.emb_masks && Float32Array.from(f.cases.emb_masks.flat());
    return { kind: 'text', features: Float32Array.from((f.cases.train.cond as number[][][]).flat(2)), mask };
  }
  return { kind: 'class', classIds: f.cases.train.cond as number[] };
}

function condMask(f: NarFixture, guided: boolean): Float32Array | undefined {
  const m = f.cases.emb_masks?.flat();
  return m && Float32Array.from(guided ? [...m, ...m] : m);
}

/** Runs the fixture on engines from `open` (one per run; `close` frees it). */
export async function checkEngineOnFixture(
  f: NarFixture,
  open: () => Promise<{ engine: NarStepEngine; close: () => Promise<void> }>,
  tol: number,
): Promise<EngineReport> {
  const t0 = performance.now();
  const ordering = orderingFor(f.config, 'corner');
  const batch = f.cases.train.tokens.length;
  const N = f.config.numTokens;
  const run = async <T>(body: (e: NarStepEngine) => Promise<T>): Promise<T> => {
    const { engine, close } = await open();
    try {
      return await body(engine);
    } finally {
      await close();
    }
  };
  const forcedLogits = Array.from({ length: batch }, () => new Array<Float32Array>(N));
  await run((engine) =>
    greedyTokens(engine, ordering, { cond: engineCondition(f, batch, false), batch, cfgScale: 1, cfgInterval: -1, forced: f.cases.train.tokens, logitsOut: forcedLogits }),
  );
  const logitsMaxDiff = maxAbsDiff(
    forcedLogits.flatMap((row) => row.flatMap((l) => Array.from(l))),
    f.cases.train.logits.flat(2),
  );
  const greedy: GreedyReport[] = [];
  for (const g of f.cases.greedy) {
    const guided = g.cfg_scale > 1;
    const logits = Array.from({ length: batch }, () => new Array<Float32Array>(N));
    await run((engine) =>
      greedyTokens(engine, ordering, {
        cond: engineCondition(f, batch, guided),
        batch,
        cfgScale: g.cfg_scale,
        cfgInterval: g.cfg_interval,
        condMask: condMask(f, guided),
        forced: g.tokens,
        logitsOut: logits,
      }),
    );
    let mismatches = 0;
    let ties = 0;
    logits.forEach((row, b) =>
      row.forEach((l, q) => {
        let best = 0;
        for (let v = 1; v < l.length; v++) if (l[v] > l[best]) best = v;
        const want = g.tokens[b][q];
        if (best === want) return;
        if (l[best] - l[want] <= tol) ties++;
        else mismatches++;
      }),
    );
    const sampled = await run((engine) => generate(engine, { cond: sampleCondition(f), ordering, cfgScale: g.cfg_scale, cfgInterval: g.cfg_interval, greedy: true }));
    greedy.push({ cfgScale: g.cfg_scale, cfgInterval: g.cfg_interval, mismatches, ties, sampledEqual: JSON.stringify(sampled) === JSON.stringify(g.tokens) });
  }
  return { fixture: f.name, logitsMaxDiff, greedy, ms: performance.now() - t0 };
}

/** The training forward on the active tfjs backend: merged logits and loss vs the fixture. */
export async function checkTrainingForward(f: NarFixture, model: NarModel): Promise<TrainingReport> {
  const batch = { cond: trainingCond(f), tokens: Int32Array.from(f.cases.train.tokens.flat()), batch: f.cases.train.tokens.length };
  const logits = await model.trainingLogits(batch);
  const lossT = tf.tidy(() => trainingLoss(model.params, f.config, orderingFor(f.config, 'corner'), batch));
  const loss = (await lossT.data())[0];
  lossT.dispose();
  return { fixture: f.name, logitsMaxDiff: maxAbsDiff(logits, f.cases.train.logits.flat(2)), lossDiff: Math.abs(loss - f.cases.train.loss) };
}

export interface GradientResult {
  loss: number;
  /** d loss / d parameter for every parameter, flattened in key order */
  grads: Float32Array;
  /** tensors left behind (0 expected) */
  leakedTensors: number;
}

/**
 * Loss and gradients of the training forward on the fixture's batch, on the active tfjs backend,
 * read asynchronously: the custom-gradient matmuls, gathers (scatterND), norms and attention.
 */
export async function trainingGradients(f: NarFixture): Promise<GradientResult> {
  const model = NarModel.fromStateDict(f.sd, f.config);
  try {
    const before = tf.memory().numTensors;
    const batch = { cond: trainingCond(f), tokens: Int32Array.from(f.cases.train.tokens.flat()), batch: f.cases.train.tokens.length };
    const keys = [...model.params.keys()].sort();
    const { value, grads } = tf.variableGrads(() => trainingLoss(model.params, f.config, orderingFor(f.config, 'corner'), batch), keys.map((k) => model.params.get(k)!));
    const loss = (await value.data())[0];
    // parameters the batch does not reach (the null caption without dropout) have no gradient
    const reached = keys.filter((k) => grads[model.params.get(k)!.name]);
    const parts = await Promise.all(reached.map((k) => grads[model.params.get(k)!.name].data() as Promise<Float32Array>));
    value.dispose();
    tf.dispose(Object.values(grads));
    const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return { loss, grads: out, leakedTensors: tf.memory().numTensors - before };
  } finally {
    model.dispose();
  }
}

function trainingCond(f: NarFixture) {
  return f.config.condition.kind === 'text'
    ? { kind: 'text' as const, features: Float32Array.from((f.cases.train.cond as number[][][]).flat(2)) }
    : { kind: 'class' as const, classIds: Int32Array.from(f.cases.train.cond as number[]) };
}

export interface TrainStepResult {
  loss: number;
  gradNorm: number;
  /** every parameter after two AdamW steps, flattened in key order */
  weights: Float32Array;
  /** tensors left behind by the second step (0 expected) */
  leakedTensors: number;
}

/**
 * Two AdamW steps (no condition dropout) on the fixture's training batch on the active tfjs
 * backend, from the fixture weights: the custom-gradient matmuls, gathers and norms all run.
 */
export async function trainTwoSteps(f: NarFixture): Promise<TrainStepResult> {
  const model = NarModel.fromStateDict(f.sd, f.config);
  const trainer = createNarTrainer(model, { conditionDropout: 0, maxGradNorm: 1 });
  try {
    const cond =
      f.config.condition.kind === 'text'
        ? { kind: 'text' as const, features: Float32Array.from((f.cases.train.cond as number[][][]).flat(2)) }
        : { kind: 'class' as const, classIds: f.cases.train.cond as number[] };
    const batch = { cond, tokens: f.cases.train.tokens.flat() };
    const first = await trainer.step(batch);
    const before = tf.memory().numTensors;
    await trainer.step(batch);
    const leakedTensors = tf.memory().numTensors - before;
    // read asynchronously: WebGPU in Node has no synchronous reads (toStateDict uses dataSync)
    const keys = [...model.params.keys()].sort();
    const parts = await Promise.all(keys.map((k) => model.params.get(k)!.data() as Promise<Float32Array>));
    const weights = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      weights.set(p, at);
      at += p.length;
    }
    return { loss: first.loss, gradNorm: first.gradNorm, weights, leakedTensors };
  } finally {
    trainer.dispose();
    model.dispose();
  }
}


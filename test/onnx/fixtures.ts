// Fixture access for the ONNX tests: the shared folder beside the repo (or $NARFLOW_SHARED).
import * as fs from 'fs';
import * as path from 'path';
import { readSafetensors, type StateDict } from '../../models/checkpoint/safetensors';
import type { EngineCondition } from '../../models/nar/engine';
import { narConfigFromModelArgs, type NarConfig, type PublishedModelArgs } from '../../models/nar/config';

export function sharedDir(): string {
  return process.env.NARFLOW_SHARED ?? path.resolve(__dirname, '../../../shared');
}

export interface NarFixture {
  name: string;
  sd: StateDict;
  config: NarConfig;
  cases: {
    config: PublishedModelArgs;
    batch: number;
    train: { cond: number[] | number[][][]; tokens: number[][]; logits: number[][][]; loss: number };
    emb_masks?: number[][];
    greedy: { cfg_scale: number; cfg_interval: number; tokens: number[][] }[];
  };
}

export const NAR_FIXTURES = ['c2i-4x4', 't2i-6x6', 'video-2x3x4'] as const;

export function loadNarFixture(name: string): NarFixture {
  const dir = path.join(sharedDir(), 'fixtures', 'nar', name);
  const cases = JSON.parse(fs.readFileSync(path.join(dir, 'cases.json'), 'utf8')) as NarFixture['cases'];
  return { name, sd: readSafetensors(path.join(dir, 'model.safetensors')).tensors, config: narConfigFromModelArgs(cases.config), cases };
}

/** Largest absolute difference between two equal-length number lists. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** The fixture's training condition as engine input; with guidance the null rows follow the batch. */
export function engineCondition(f: NarFixture, batch: number, guided: boolean): EngineCondition {
  const rows = guided ? 2 * batch : batch;
  const nullRows = Uint8Array.from({ length: rows }, (_, r) => (r >= batch ? 1 : 0));
  if (f.config.condition.kind === 'text') {
    const one = (f.cases.train.cond as number[][][]).flat(2);
    return { kind: 'text', features: Float32Array.from(guided ? [...one, ...one] : one), nullRows };
  }
  const ids = f.cases.train.cond as number[];
  return { kind: 'class', classIds: Int32Array.from(guided ? [...ids, ...ids] : ids), nullRows };
}

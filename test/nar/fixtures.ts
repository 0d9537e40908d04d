// Fixture access for NAR tests: shared/ beside the repo, or $NARFLOW_SHARED.
import * as fs from 'fs';
import * as path from 'path';

export function sharedDir(): string {
  return process.env.NARFLOW_SHARED ?? path.resolve(__dirname, '../../../shared');
}

export const NAR_CASES = ['c2i-4x4', 't2i-6x6', 'video-2x3x4'] as const;
export type NarCaseName = (typeof NAR_CASES)[number];

export interface NarCase {
  config: Record<string, unknown>;
  seed: number;
  batch: number;
  train: { cond: number[] | number[][][]; tokens: number[][]; logits: number[][][]; loss: number };
  emb_masks?: number[][];
  greedy: Array<{ cfg_scale: number; cfg_interval: number; tokens: number[][] }>;
}

export function narCaseDir(name: NarCaseName): string {
  return path.join(sharedDir(), 'fixtures', 'nar', name);
}

export function loadNarCase(name: NarCaseName): NarCase {
  return JSON.parse(fs.readFileSync(path.join(narCaseDir(name), 'cases.json'), 'utf8')) as NarCase;
}

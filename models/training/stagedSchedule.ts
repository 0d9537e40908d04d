// A learning-rate schedule in stages: each stage is a warm-up + cosine over its own steps, starting
// where the previous stage ended. Training to the end of stage 1 and then resuming into stage 2
// gives exactly the run that trains through both stages at once.
import { warmupCosineLr, type LrSchedule } from '../train/schedule';
import { TrainingError } from './types';

export interface LrStage {
  steps: number;
  maxLr: number;
  /** default maxLr / 10 */
  minLr?: number;
  /** default min(100, ceil(steps / 20)) */
  warmupSteps?: number;
}

export function stagedSchedule(stages: LrStage[]): LrSchedule {
  if (!stages.length) throw new TrainingError('a staged schedule needs at least one stage');
  stages.forEach((s, i) => {
    if (!Number.isInteger(s.steps) || s.steps < 1) throw new TrainingError(`stage ${i}: steps must be a positive integer, got ${s.steps}`);
  });
  return (step) => {
    let start = 0;
    for (let i = 0; i < stages.length; i++) {
      const s = stages[i];
      if (step < start + s.steps || i === stages.length - 1) {
        const warmupSteps = s.warmupSteps ?? Math.min(100, Math.ceil(s.steps / 20));
        return warmupCosineLr(step - start, { maxLr: s.maxLr, minLr: s.minLr ?? s.maxLr / 10, warmupSteps, totalSteps: s.steps });
      }
      start += s.steps;
    }
    throw new TrainingError('unreachable');
  };
}

export function stagedSteps(stages: LrStage[]): number {
  return stages.reduce((a, s) => a + s.steps, 0);
}

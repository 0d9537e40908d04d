// Learning-rate schedules: pure functions of the step.

export interface WarmupCosineOptions {
  /** peak learning rate, reached at the end of warm-up */
  maxLr: number;
  /** learning rate after `totalSteps` (cosine floor) */
  minLr?: number;
  /** linear warm-up steps from 0 to maxLr */
  warmupSteps: number;
  /** step at which the cosine reaches minLr; later steps stay at minLr */
  totalSteps: number;
}

/**
 * Linear warm-up then cosine decay. `step` counts from 0 (the first optimizer step):
 * warm-up gives maxLr·(step+1)/warmupSteps, then 0.5·(1+cos(π·t))·(maxLr−minLr)+minLr
 * with t = (step − warmupSteps)/(totalSteps − warmupSteps) clamped to [0, 1].
 */
export function warmupCosineLr(step: number, o: WarmupCosineOptions): number {
  const minLr = o.minLr ?? 0;
  if (!(step >= 0)) throw new Error(`warmupCosineLr: step must be >= 0, got ${step}`);
  if (o.warmupSteps > 0 && step < o.warmupSteps) return (o.maxLr * (step + 1)) / o.warmupSteps;
  const span = o.totalSteps - o.warmupSteps;
  if (span <= 0) return o.maxLr;
  const t = Math.min(1, Math.max(0, (step - o.warmupSteps) / span));
  return minLr + 0.5 * (1 + Math.cos(Math.PI * t)) * (o.maxLr - minLr);
}

/** A schedule as a function of the step, for optimizers and trainers. */
export type LrSchedule = (step: number) => number;

export function constantLr(lr: number): LrSchedule {
  return () => lr;
}

export function warmupCosine(o: WarmupCosineOptions): LrSchedule {
  return (step) => warmupCosineLr(step, o);
}

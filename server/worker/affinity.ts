// The preference step: a worker that takes a prompt needing models it does not hold passes the
// prompt on when an idle worker holds more of them. Pure, so the rule is tested on its own.
import type { WorkerHeartbeat } from '../queue/redis/heartbeats';

/** The idle worker (not `me`) holding the most of `needs`, when it holds more than `mine`; else undefined. */
export function betterWorker(needs: string[], mine: Set<string>, me: string, others: WorkerHeartbeat[]): WorkerHeartbeat | undefined {
  if (!needs.length) return undefined;
  const score = (held: Set<string>) => needs.filter((k) => held.has(k)).length;
  const myScore = score(mine);
  if (myScore === needs.length) return undefined;
  let best: { hb: WorkerHeartbeat; score: number } | undefined;
  for (const hb of [...others].sort((a, b) => a.name.localeCompare(b.name))) {
    if (hb.name === me || hb.state !== 'idle') continue;
    const s = score(new Set(hb.models));
    if (s > myScore && (!best || s > best.score)) best = { hb, score: s };
  }
  return best?.hb;
}

/**
 * Whether a prompt passed on `deferrals` times, first at `since` (ms), may be passed on again at
 * `now`: always within `windowMs` of the first hand-off — while the holder is slow to wake (a
 * loaded machine), other idle workers may pick the prompt up and hand it back more than
 * `maxHandoffs` times — and after that up to `maxHandoffs` in all.
 */
export function mayPassOn(deferrals: number, since: number | undefined, now: number, limits: { maxHandoffs: number; windowMs: number }): boolean {
  if (deferrals < limits.maxHandoffs) return true;
  return since !== undefined && now - since < limits.windowMs;
}

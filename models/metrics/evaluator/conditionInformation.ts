// How much a class-conditioned model uses its class: the teacher-forced cross-entropy of real
// token grids with the true class against the null class (the one guidance uses), per token kind.
// A model that ignores the class scores 0; nats saved per token otherwise. Tokens are split into
// background (the most frequent code of the data), object tokens (all others), and object starts:
// object tokens none of whose predecessors is an object token (the ordering's parents for NAR; all
// earlier tokens in raster order), where only the class can tell the colour.
import { CONDITION } from '../../nar/ordering/types';
import { orderingFor } from '../../nar/ordering';
import type { NarModel } from '../../nar';

export interface ConditionBatch {
  classIds: ArrayLike<number>;
  /** [B, N] raster order */
  tokens: ArrayLike<number>;
}

export interface NatsPerToken {
  tokens: number;
  /** mean cross-entropy with the true class / with the null class (nats) */
  withClass: number;
  withNull: number;
  /** withNull − withClass */
  gain: number;
}

export interface ConditionInformation {
  background: number;
  all: NatsPerToken;
  objects: NatsPerToken;
  objectStarts: NatsPerToken;
}

/** The most frequent code of the batches (the Shapes background). */
export function mostFrequentCode(batches: ConditionBatch[]): number {
  const count = new Map<number, number>();
  for (const b of batches) for (let i = 0; i < b.tokens.length; i++) count.set(b.tokens[i], (count.get(b.tokens[i]) ?? 0) + 1);
  let best = -1;
  let n = -1;
  for (const [code, c] of count) if (c > n || (c === n && code < best)) [best, n] = [code, c];
  return best;
}

function crossEntropy(logits: Float32Array, row: number, V: number, target: number): number {
  let max = -Infinity;
  for (let v = 0; v < V; v++) max = Math.max(max, logits[row * V + v]);
  let sum = 0;
  for (let v = 0; v < V; v++) sum += Math.exp(logits[row * V + v] - max);
  return Math.log(sum) + max - logits[row * V + target];
}

/** Teacher-forced class information of a class-conditioned model on real token grids. */
export async function conditionInformation(model: NarModel, batches: ConditionBatch[], background = mostFrequentCode(batches)): Promise<ConditionInformation> {
  const c = model.config;
  if (c.condition.kind !== 'class') throw new Error(`condition information needs a class-conditioned model, got a '${c.condition.kind}' one`);
  const N = c.numTokens;
  const V = c.vocabSize;
  const ordering = orderingFor(c);
  const raster = c.ordering === 'raster';
  const acc = { all: [0, 0, 0], objects: [0, 0, 0], objectStarts: [0, 0, 0] };
  for (const b of batches) {
    const B = b.classIds.length;
    if (b.tokens.length !== B * N) throw new Error(`a batch of ${B} class ids needs ${B}·${N} tokens, got ${b.tokens.length}`);
    const tokens = Int32Array.from(b.tokens);
    const classIds = Int32Array.from(b.classIds);
    const withClass = await model.trainingLogits({ cond: { kind: 'class', classIds }, tokens, batch: B });
    const withNull = await model.trainingLogits({ cond: { kind: 'class', classIds, nullRows: new Uint8Array(B).fill(1) }, tokens, batch: B });
    for (let i = 0; i < B; i++) {
      const grid = tokens.subarray(i * N, (i + 1) * N);
      let objectSeen = false; // raster: an object token earlier in the scan
      for (let q = 0; q < N; q++) {
        const row = i * N + q;
        const a = crossEntropy(withClass, row, V, grid[q]);
        const u = crossEntropy(withNull, row, V, grid[q]);
        const add = (k: keyof typeof acc) => {
          acc[k][0]++;
          acc[k][1] += a;
          acc[k][2] += u;
        };
        add('all');
        const object = grid[q] !== background;
        if (object) {
          add('objects');
          const before = raster ? objectSeen : ordering.parents(q).some((l) => l.source !== CONDITION && grid[l.source] !== background);
          if (!before) add('objectStarts');
        }
        objectSeen ||= object;
      }
    }
  }
  const mean = ([n, a, u]: number[]): NatsPerToken => ({ tokens: n, withClass: n ? a / n : NaN, withNull: n ? u / n : NaN, gain: n ? (u - a) / n : NaN });
  return { background, all: mean(acc.all), objects: mean(acc.objects), objectStarts: mean(acc.objectStarts) };
}

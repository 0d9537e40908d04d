// ≥ 200 damaged .pt files (truncated, bit-flipped; pickle bytes damaged behind a valid CRC):
// each one loads or fails with a CheckpointError naming the file — never another exception, a hang or a crash.
import { parseCheckpoint } from '../../models/checkpoint/read';
import { CheckpointError } from '../../models/checkpoint/safetensors';
import { Rng } from '../../models/rng';
import { mutations } from './mutations';

const SEED = 20250308;

describe('fuzzed .pt files', () => {
  it('each of 260 damaged files loads or fails with a CheckpointError naming it', () => {
    const cases = mutations(new Rng(SEED));
    expect(cases.length).toBeGreaterThanOrEqual(200);
    const outcome = { loaded: 0, refused: 0 };
    const unexpected: string[] = [];
    for (const c of cases) {
      try {
        const ck = parseCheckpoint(c.bytes, c.name);
        expect(ck.tensors.size).toBeGreaterThan(0);
        outcome.loaded++;
      } catch (e) {
        if (e instanceof CheckpointError && e.message.startsWith(`${c.name}: `) && e.message.length > c.name.length + 10) outcome.refused++;
        else unexpected.push(`${c.name}: ${(e as Error).constructor.name}: ${(e as Error).message}`);
      }
    }
    expect(unexpected).toEqual([]);
    // Both outcomes occur: damage to tensor bytes of the legacy file is invisible, damage elsewhere is caught.
    expect(outcome.refused).toBeGreaterThan(150);
    expect(outcome.loaded + outcome.refused).toBe(cases.length);
  });
});

// The executor keeps every progress event that carries `extra` (loss plots), thins plain ones, and
// disposes evicted outputs that hold resources — but never one the running prompt still reads.
import type { ApiWorkflow } from '../../server/engine/workflow/schema';
import { harness } from './engineHarness';

describe('Executor progress events', () => {
  it('keeps every event with extra, in order, even when they come faster than 25 ms apart', async () => {
    const h = harness();
    const r = await h.run({ '1': { class_type: 'TProgress', inputs: { steps: 200, with_extra: true } } });
    const progress = r.events.filter((e) => e.type === 'progress').map((e) => e.data as { value: number; extra?: { loss: number } });
    expect(progress.map((p) => p.value)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(progress.every((p) => p.extra?.loss === 1 / p.value)).toBe(true);
  });

  it('thins plain events given at once but keeps the last one', async () => {
    const h = harness();
    const r = await h.run({ '1': { class_type: 'TProgress', inputs: { steps: 200, with_extra: false } } });
    const values = r.events.filter((e) => e.type === 'progress').map((e) => (e.data as { value: number }).value);
    expect(values.length).toBeLessThan(200);
    expect(values[values.length - 1]).toBe(200);
  });
});

describe('Executor output disposal', () => {
  const use = (value: number): ApiWorkflow => ({
    '1': { class_type: 'TResource', inputs: { value } },
    '2': { class_type: 'TUseResource', inputs: { resource: ['1', 0] } },
  });

  it('disposes a cached resource once it is evicted, and not before', async () => {
    const h = harness(2);
    await h.run(use(1));
    expect(h.counts['1:disposed']).toBeUndefined();
    await h.run(use(1)); // cached: nothing re-runs, nothing disposed
    expect(h.counts['1']).toBe(1);
    expect(h.counts['1:disposed']).toBeUndefined();
    await h.run(use(2)); // two new entries evict both of the first run's
    expect(h.counts['1:disposed']).toBe(1);
    const again = await h.run(use(1)); // evicted: loaded again, works
    expect(again.status).toBe('success');
    expect(again.outputs['2'].text).toEqual(['resource 1']);
  });

  it('does not dispose a resource the running prompt still reads after the cache evicted it', async () => {
    const h = harness(1);
    // the resource runs first; three more nodes run (and are cached) before its user reads it
    const prompt: ApiWorkflow = {
      '1': { class_type: 'TResource', inputs: { value: 7 } },
      '3': { class_type: 'TConst', inputs: { value: 1 } },
      '4': { class_type: 'TAdd', inputs: { a: ['3', 0] } },
      '5': { class_type: 'TAdd', inputs: { a: ['4', 0] } },
      '2': { class_type: 'TUseResource', inputs: { resource: ['1', 0], after: ['5', 0] } },
    };
    const r = await h.run(prompt);
    expect(r.status).toBe('success');
    expect(r.executed.indexOf('1')).toBeLessThan(r.executed.indexOf('5'));
    expect(r.outputs['2'].text).toEqual(['resource 7']);
    expect(h.counts['1:disposed']).toBe(1); // released after the run: no entry holds it any more
  });
});

// Run settings of a new and of a resumed training run: a resume takes the checkpoint's, refuses
// another batch, seed or learning rate, and notes another step count; kind and size are checked
// against the resumed model.
import { checkResumedModel, kindOfConfig, newRunSettings, resumedRunSettings, shapesModelConfig, type ShapesKind, type TrainingState } from '../../models/training';
import { TINY_SIZE } from './helpers';

const state: TrainingState = { step: 22, steps: 40, batch: 16, source: 'shapes', seed: 3, lr: { maxLr: 3e-3, minLr: 3e-4, warmupSteps: 2 } };

it('a new run: what was asked, else the defaults (1000 steps, batch 16, seed 0, lr 1e-3 → 1e-4, warm-up 5 % up to 100)', () => {
  expect(newRunSettings({})).toEqual({ steps: 1000, batch: 16, seed: 0, lr: { maxLr: 1e-3, minLr: 1e-4, warmupSteps: 50 } });
  expect(newRunSettings({ steps: 40, batch: 2, seed: 7, maxLr: 2e-3 })).toEqual({ steps: 40, batch: 2, seed: 7, lr: { maxLr: 2e-3, minLr: 2e-4, warmupSteps: 2 } });
});

it('a resumed run takes steps, batch, seed and schedule from its checkpoint; the same values asked for are fine', () => {
  const want = { steps: 40, batch: 16, seed: 3, lr: state.lr };
  expect(resumedRunSettings('m.safetensors', state, {})).toEqual({ settings: want, notes: [] });
  expect(resumedRunSettings('m.safetensors', state, { steps: 40, batch: 16, seed: 3, maxLr: 3e-3 })).toEqual({ settings: want, notes: [] });
});

it('another batch, seed or learning rate on resume is refused, naming each', () => {
  expect(() => resumedRunSettings('m.safetensors', state, { batch: 8, seed: 0 })).toThrow(
    'resume from m.safetensors: the run in it was trained with batch 16 (asked for 8), seed 3 (asked for 0); a resumed run continues that run exactly, so it keeps them: leave them out, or start a new run (no --resume)',
  );
  expect(() => resumedRunSettings('m.safetensors', state, { maxLr: 1e-3 })).toThrow(/lr 0\.003 \(asked for 0\.001\)/);
  expect(() => resumedRunSettings('m.safetensors', state, { warmupSteps: 5 })).toThrow(/warmup 2 \(asked for 5\)/);
});

it('another step count on resume trains on to it, with a note that the schedule then differs', () => {
  const r = resumedRunSettings('m.safetensors', state, { steps: 80 });
  expect(r.settings.steps).toBe(80);
  expect(r.settings.lr).toEqual(state.lr);
  expect(r.notes).toHaveLength(1);
  expect(r.notes[0]).toMatch(/started for 40 steps; going on to 80/);
});

it('a checkpoint written before the schedule was recorded gets the default schedule of its step count', () => {
  const { lr: _lr, ...old } = state;
  expect(resumedRunSettings('m.safetensors', old, {}).settings.lr).toEqual({ maxLr: 1e-3, minLr: 1e-4, warmupSteps: 2 });
});

describe('the resumed model', () => {
  const spec = { grid: [4, 4], vocabSize: 16, condition: { kind: 'class' as const, numClasses: 12 } };

  it.each(['c2i', 'raster-c2i'] as ShapesKind[])('%s: its kind is read back from its config', (kind) => {
    expect(kindOfConfig(shapesModelConfig(kind, spec, TINY_SIZE))).toBe(kind);
  });

  it('another kind or size is refused; the same (or none) is fine', () => {
    const config = shapesModelConfig('c2i', spec, TINY_SIZE);
    expect(() => checkResumedModel('m.safetensors', config, 'raster-c2i', {})).toThrow('resume from m.safetensors: it holds a c2i model, not raster-c2i; leave --kind out, or start a new run (no --resume)');
    expect(() => checkResumedModel('m.safetensors', config, 'c2i', { dim: 64, nHead: 2 })).toThrow(/its model has dim 32 \(asked for 64\); leave the size out/);
    expect(() => checkResumedModel('m.safetensors', config, undefined, { ...TINY_SIZE, positions: 'rope' })).not.toThrow();
    const raster = shapesModelConfig('raster-c2i', spec, TINY_SIZE);
    expect(() => checkResumedModel('m.safetensors', raster, 'raster-c2i', { nLayer: TINY_SIZE.nLayer })).not.toThrow(); // its extra blocks are not asked-for layers
  });
});

// TrainNAR and TrainTokenizer nodes: progress with loss / lr / step / samples per second and sample
// previews, a checkpoint in the weights folder, Stop that keeps the last checkpoint, resume, and no
// tensors left behind.
import * as tf from '@tensorflow/tfjs';
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../../models/backend';
import { readSafetensors } from '../../models/checkpoint/safetensors';
import { readTrainingCheckpoint } from '../../models/training';
import { LoadTextEncoder, LoadTokenizer } from '../../nodes/nar/loaders';
import { TrainNAR } from '../../nodes/nar/training/trainNarNode';
import { TrainTokenizer } from '../../nodes/nar/training/trainTokenizerNode';
import { trainedModelFile } from '../../nodes/nar/modelFiles';
import type { NarModelValue, TokenizerValue } from '../../nodes/nar/values';
import type { ExecContext, Inputs, Preview } from '../../server/engine/nodeApi';
import type { ApiWorkflow } from '../../server/engine/workflow/schema';
import { nodeHarness, type NodeHarness } from './helpers';

let h: NodeHarness;
let tokenizer: TokenizerValue;
beforeAll(async () => {
  await initBackend('wasm');
  h = nodeHarness();
  tokenizer = (await LoadTokenizer.execute({ tokenizer_name: 'shapes-vq.safetensors' }, context().ctx)).outputs[0] as TokenizerValue;
});
afterAll(() => fs.rmSync(h.root, { recursive: true, force: true }));

interface Event {
  value: number;
  max: number;
  preview?: Preview;
  extra?: Record<string, unknown>;
}

function context(stopAt?: number): { ctx: ExecContext; events: Event[] } {
  const events: Event[] = [];
  const abort = new AbortController();
  const ctx: ExecContext = {
    promptId: 't',
    nodeId: '1',
    progress: (value, max, preview, extra) => {
      events.push({ value, max, preview, extra });
      if (value === stopAt) abort.abort();
    },
    signal: abort.signal,
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    paths: h.paths,
  };
  return { ctx, events };
}

const NAR: Inputs = { kind: 'c2i', if_exists: 'resume', steps: 4, batch: 2, lr: 0.003, seed: 1, checkpoint_every: 2, preview_every: 2, dim: 32, layers: 1, heads: 2, frames: 3, codes: '' };

describe('TrainNAR', () => {
  it('streams loss, lr, step and samples/s every step, a sample preview every preview_every steps, and writes the checkpoint', async () => {
    const before = tf.memory().numTensors;
    const { ctx, events } = context();
    const r = await TrainNAR.execute({ ...NAR, tokenizer, output_name: 'run-a' }, ctx);
    expect(events.map((e) => [e.value, e.max])).toEqual([[1, 4], [2, 4], [3, 4], [4, 4]]);
    for (const e of events) {
      expect(Object.keys(e.extra!).sort()).toEqual(['loss', 'lr', 'samples_per_s', 'step']);
      expect(Number.isFinite(e.extra!.loss)).toBe(true);
      expect(e.extra!.step).toBe(e.value);
      expect(e.extra!.samples_per_s).toBeGreaterThan(0);
    }
    expect(events.map((e) => e.preview?.label ?? null)).toEqual([null, 'step 2', null, 'step 4']);
    const model = r.outputs[0] as NarModelValue;
    expect(model.file).toBe(path.join(h.paths.models.nar[0], 'run-a.safetensors'));
    expect(readTrainingCheckpoint(model.file).state.step).toBe(4);
    expect(r.ui!.text![0]).toMatch(/^finished at step 4\/4/);
    model.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('Stop ends after the current step and keeps the checkpoint; running again resumes from it', async () => {
    const stopped = context(3);
    const r = await TrainNAR.execute({ ...NAR, tokenizer, output_name: 'run-b', steps: 6, checkpoint_every: 0 }, stopped.ctx);
    expect(stopped.events.map((e) => e.value)).toEqual([1, 2, 3]);
    expect(r.ui!.text![0]).toMatch(/^stopped at step 3\/6/);
    const file = path.join(h.paths.models.nar[0], 'run-b.safetensors');
    expect(readTrainingCheckpoint(file).state.step).toBe(3);
    (r.outputs[0] as NarModelValue).model.dispose();

    const resumed = context();
    const again = await TrainNAR.execute({ ...NAR, tokenizer, output_name: 'run-b', steps: 6, checkpoint_every: 0 }, resumed.ctx);
    expect(resumed.events.map((e) => e.value)).toEqual([4, 5, 6]);
    expect(readTrainingCheckpoint(file).state.step).toBe(6);
    (again.outputs[0] as NarModelValue).model.dispose();
  });

  it('a resume keeps the run in the checkpoint: a changed lr, batch, seed or kind is refused; more steps train on, and say so', async () => {
    const first = await TrainNAR.execute({ ...NAR, tokenizer, output_name: 'run-c', steps: 2, checkpoint_every: 0, preview_every: 0 }, context().ctx);
    (first.outputs[0] as NarModelValue).model.dispose();
    const file = path.join(h.paths.models.nar[0], 'run-c.safetensors');
    expect(readTrainingCheckpoint(file).state.lr).toEqual({ maxLr: 0.003, minLr: 0.003 / 10, warmupSteps: 1 }); // recorded for a CLI resume
    for (const [name, changed] of [['lr', { lr: 0.01 }], ['batch', { batch: 3 }], ['seed', { seed: 2 }], ['kind', { kind: 'raster-c2i' }]] as const) {
      await expect(TrainNAR.execute({ ...NAR, tokenizer, output_name: 'run-c', steps: 2, preview_every: 0, ...changed }, context().ctx)).rejects.toThrow(
        new RegExp(`${name === 'kind' ? 'holds a c2i model' : name}.*set the widgets back, or choose if_exists 'overwrite'`),
      );
    }
    const { ctx, events } = context();
    const more = await TrainNAR.execute({ ...NAR, tokenizer, output_name: 'run-c', steps: 4, checkpoint_every: 0, preview_every: 0 }, ctx);
    expect(events.map((e) => e.value)).toEqual([3, 4]);
    expect(more.ui!.text!.join('\n')).toMatch(/started for 2 steps; going on to 4 instead/);
    (more.outputs[0] as NarModelValue).model.dispose();
  });

  it('interrupting the prompt in the executor stops the trainer and keeps its checkpoint', async () => {
    const abort = new AbortController();
    const prompt = {
      '1': { class_type: 'LoadTokenizer', inputs: { tokenizer_name: 'shapes-vq.safetensors' } },
      '2': { class_type: 'TrainNAR', inputs: { ...NAR, tokenizer: ['1', 0], output_name: 'run-executor', steps: 50, checkpoint_every: 0, preview_every: 0 } },
    } as ApiWorkflow;
    const r = await h.executor.run({
      promptId: 'stop',
      prompt,
      outputs: ['2'],
      signal: abort.signal,
      emit: (e) => {
        if (e.type === 'progress' && e.data.value >= 2) abort.abort(); // events closer than 25 ms are thinned out
      },
    });
    expect(r.status).toBe('interrupted');
    const step = readTrainingCheckpoint(path.join(h.paths.models.nar[0], 'run-executor.safetensors')).state.step;
    expect(step).toBeGreaterThanOrEqual(2);
    expect(step).toBeLessThan(50);
  });

  it.each(['t2i', 'video', 'raster-c2i'])('trains kind %s and previews its samples', async (kind) => {
    const text_encoder = kind === 't2i' ? (await LoadTextEncoder.execute({ encoder_name: 'shapes-text.safetensors' }, context().ctx)).outputs[0] : undefined;
    const { ctx, events } = context();
    const r = await TrainNAR.execute({ ...NAR, tokenizer, text_encoder, kind, output_name: `run-${kind}`, steps: 2, checkpoint_every: 0 }, ctx);
    const model = r.outputs[0] as NarModelValue;
    expect(model.config.grid).toEqual(kind === 'video' ? [3, 4, 4] : [4, 4]);
    expect(model.config.ordering).toBe(kind === 'raster-c2i' ? 'raster' : 'neighbor');
    expect(events[1].preview?.label).toBe('step 2');
    model.model.dispose();
  });

  it('seed_position other than the corner trains a model with a head per direction that records its seed', async () => {
    const { ctx, events } = context();
    const r = await TrainNAR.execute({ ...NAR, tokenizer, output_name: 'run-center', seed_position: 'center' }, ctx);
    const model = r.outputs[0] as NarModelValue;
    expect(model.config.heads).toHaveLength(4);
    expect(model.config.trainedSeed).toEqual(model.config.grid.map((g) => Math.floor(g / 2)));
    expect(readTrainingCheckpoint(model.file).config.trainedSeed).toEqual(model.config.trainedSeed);
    expect(events[1].preview?.label).toBe('step 2'); // the preview samples from the trained seed
    model.model.dispose();
    await expect(TrainNAR.execute({ ...NAR, tokenizer, output_name: 'y', seed_position: 'middle' }, context().ctx)).rejects.toThrow(/seed_position 'middle' is not 'corner', 'center' or integer coordinates/);
    await expect(TrainNAR.execute({ ...NAR, tokenizer, kind: 'raster-c2i', output_name: 'y', seed_position: 'center' }, context().ctx)).rejects.toThrow(/raster-AR \(kind raster-c2i\) has no seed position/);
  });

  it('refuses t2i without a text encoder, no data at all, and names that are not plain file names', async () => {
    await expect(TrainNAR.execute({ ...NAR, tokenizer, kind: 't2i', output_name: 'x' }, context().ctx)).rejects.toThrow(/needs a text encoder/);
    await expect(TrainNAR.execute({ ...NAR, output_name: 'x' }, context().ctx)).rejects.toThrow(/link a tokenizer .* or give 'codes'/);
    await expect(TrainNAR.execute({ ...NAR, tokenizer, output_name: '../escape' }, context().ctx)).rejects.toThrow(/must be a plain file name/);
  });

  it("refuses an output_name ending in '.optim' (Load NAR Model hides such files as optimizer state), for both trainers", async () => {
    const listed = () => [...h.paths.models.nar, ...h.paths.models.tokenizer].flatMap((d) => fs.readdirSync(d)).sort();
    const before = listed();
    for (const [name, file] of [['x.optim', 'x\\.optim'], ['x.OPTIM.safetensors', 'x\\.OPTIM']]) {
      const message = new RegExp(`would write ${file}\\.safetensors, which is how a training run names the optimizer state .*choose a name that does not end in '\\.optim'`);
      await expect(TrainNAR.execute({ ...NAR, tokenizer, output_name: name }, context().ctx)).rejects.toThrow(message);
      await expect(TrainTokenizer.execute({ ...VQ, output_name: name }, context().ctx)).rejects.toThrow(message);
    }
    expect(listed()).toEqual(before);
    // a name with '.optim' elsewhere is an ordinary model name
    expect(trainedModelFile('/w', 'x.optim.v2')).toBe(path.join('/w', 'x.optim.v2.safetensors'));
  });
});

const VQ: Inputs = { data: 'shapes images', folder: '', image_size: 32, patch_size: 8, codebook_size: 16, warmup_steps: 2, steps: 4, batch: 2, lr: 0.002, seed: 0, checkpoint_every: 2, preview_every: 2 };

describe('TrainTokenizer', () => {
  it('streams progress in both phases with reconstructions, writes the tokenizer, Stop keeps the last checkpoint', async () => {
    const before = tf.memory().numTensors;
    const { ctx, events } = context();
    const r = await TrainTokenizer.execute({ ...VQ, output_name: 'vq-a' }, ctx);
    expect(events.map((e) => e.value)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(events.map((e) => e.extra!.phase)).toEqual(['autoencoder', 'autoencoder', 'vq', 'vq', 'vq', 'vq']);
    expect(events.every((e) => Number.isFinite(e.extra!.loss) && e.max === 6)).toBe(true);
    expect(events.filter((e) => e.preview).map((e) => e.value)).toEqual([4, 6]);
    const tok = r.outputs[0] as TokenizerValue;
    const file = path.join(h.paths.models.tokenizer[0], 'vq-a.safetensors');
    expect(tok.file).toBe(file);
    expect(readSafetensors(file).metadata.step).toBe('6');
    tok.tokenizer.dispose();
    expect(tf.memory().numTensors).toBe(before);

    const stopped = context(5);
    const s = await TrainTokenizer.execute({ ...VQ, output_name: 'vq-b', checkpoint_every: 0 }, stopped.ctx);
    expect(stopped.events.map((e) => e.value)).toEqual([1, 2, 3, 4, 5]);
    expect(readSafetensors(path.join(h.paths.models.tokenizer[0], 'vq-b.safetensors')).metadata.step).toBe('5');
    expect(s.ui!.text![0]).toMatch(/^stopped at step 5/);
    (s.outputs[0] as TokenizerValue).tokenizer.dispose();
  });

  it('a Stop during the auto-encoder warm-up writes nothing and says so', async () => {
    const stopped = context(1);
    await expect(TrainTokenizer.execute({ ...VQ, output_name: 'vq-c' }, stopped.ctx)).rejects.toThrow(/stopped during the auto-encoder warm-up/);
    expect(fs.existsSync(path.join(h.paths.models.tokenizer[0], 'vq-c.safetensors'))).toBe(false);
  });
});

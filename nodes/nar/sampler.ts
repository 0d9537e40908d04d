// NARSampler: runs a NAR (or raster-AR) model from a seed position, ring by ring, with guidance,
// temperature / top-k / top-p, a seeded RNG and a live preview of the growing grid.
import type { NarConfig, NarStepEngine, SampleCondition } from '../../models/nar';
import { createNarStepEngine, ENGINE_CHOICES, parseEngineChoice } from '../../models/onnx/engineChoice';
import { resolveSeed } from '../../models/nar/ordering/neighbor';
import type { Tokenizer } from '../../models/vq/tokenizer';
import { defineNode, NodeInputError, type ExecContext, type Inputs } from '../../server/engine/nodeApi';
import { asMask } from '../core/mask';
import { greyCode, previewPng } from './gridPreview';
import { keepPlan, type KeepPlan } from './inpaint';
import { checkSeedPosition, parseSeedPosition } from './seedPosition';
import { asConditioning, asNarModel, asTokenizer, asTokens, conditioningRows, describeModel, type Conditioning, type TokenGrid } from './values';

/** The sampler's condition for `perRow` samples of each conditioning row (row-major: row 0's samples first). */
export function sampleCondition(c: Conditioning, config: NarConfig, perRow: number): SampleCondition {
  const mc = config.condition;
  if (c.kind === 'class') {
    if (mc.kind !== 'class') throw new NodeInputError(`the model is caption-conditioned (${mc.tokens}×${mc.captionDim} features): link a TextEncode, not a ClassLabel`);
    const bad = c.classIds.filter((i) => i >= mc.numClasses);
    if (bad.length) throw new NodeInputError(`class ids ${bad.join(', ')} are outside the model's ${mc.numClasses} classes (0..${mc.numClasses - 1})`);
    return { kind: 'class', classIds: c.classIds.flatMap((id) => Array<number>(perRow).fill(id)) };
  }
  if (mc.kind !== 'text') throw new NodeInputError(`the model is class-conditioned (${mc.numClasses} classes): link a ClassLabel, not a TextEncode`);
  if (c.captionDim !== mc.captionDim || c.tokens !== mc.tokens) {
    throw new NodeInputError(`caption features are [${c.tokens}, ${c.captionDim}] but the model reads [${mc.tokens}, ${mc.captionDim}]: use the text encoder the model was trained with`);
  }
  const rows = c.prompts.length;
  const per = c.tokens * c.captionDim;
  const features = new Float32Array(rows * perRow * per);
  const mask = new Float32Array(rows * perRow * c.tokens);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < perRow; k++) {
      const b = r * perRow + k;
      features.set(c.features.subarray(r * per, (r + 1) * per), b * per);
      mask.set(c.mask.subarray(r * c.tokens, (r + 1) * c.tokens), b * c.tokens);
    }
  }
  return { kind: 'text', features, mask };
}

/**
 * Most samples one sampler run makes (conditioning rows × batch). Far more than any workflow here
 * needs (all 18 Shapes classes × batch 56 fit); beyond it one run's KV cache and the pictures
 * decoded from it outgrow the tfjs-wasm heap (300 class ids × batch 64 broke decoding for good).
 */
export const MAX_SAMPLES_PER_RUN = 1024;

function checkSampleCount(rows: number, perRow: number): number {
  const samples = rows * perRow;
  if (samples > MAX_SAMPLES_PER_RUN) {
    throw new NodeInputError(
      `${rows} conditioning row(s) × batch ${perRow} = ${samples} samples, more than the ${MAX_SAMPLES_PER_RUN} one sampler run makes: ` +
        'use fewer class ids or prompt lines or a smaller batch, and queue several runs (other seeds) for more',
    );
  }
  return samples;
}

function stepLabel(config: NarConfig, step: number, passes: number): string {
  return config.ordering === 'raster' ? `token ${step + 1}/${passes}` : `ring ${step}/${passes - 1}`;
}

async function chooseEngine(inputs: Inputs, model: ReturnType<typeof asNarModel>): Promise<{ engine: NarStepEngine; kind: string; note?: string }> {
  let choice;
  try {
    choice = parseEngineChoice(String(inputs.engine ?? 'auto'));
  } catch (e) {
    throw new NodeInputError((e as Error).message);
  }
  if (choice === 'tfjs') return { engine: model.model.createEngine(), kind: 'tfjs' };
  // the graph cache is keyed by the weights' contents: a file replaced by another of the same size and
  // mtime (cp -p, rsync -a, archives) must not reuse the graph compiled from the old weights
  return createNarStepEngine({ choice, stateDict: model.model.toStateDict(), config: model.config, tfjs: () => model.model.createEngine(), ort: { checkpointHash: model.checkpointHash } });
}

function checkTokenizer(config: NarConfig, tok: Tokenizer | undefined): void {
  if (tok && tok.codebookSize < config.vocabSize) {
    throw new NodeInputError(`the tokenizer has ${tok.codebookSize} codes but the model samples from ${config.vocabSize}: link the tokenizer the model was trained with`);
  }
}

/**
 * The kept tokens, when init_tokens are linked: with a mask (inpainting), or, for a video model
 * given fewer frames than it makes, alone (image-to-video, continuation).
 */
function inpaintPlan(inputs: Inputs, config: NarConfig, samples: number, rank: Int32Array): KeepPlan | undefined {
  const hasInit = inputs.init_tokens !== undefined && inputs.init_tokens !== null;
  const hasMask = inputs.mask !== undefined && inputs.mask !== null;
  if (!hasInit && !hasMask) return undefined;
  if (!hasInit) throw new NodeInputError('a mask is linked but no init_tokens: link the tokens to keep (e.g. Tokenizer Encode of a picture)');
  return keepPlan(asTokens(inputs.init_tokens, 'init_tokens'), hasMask ? asMask(inputs.mask) : undefined, config, samples, rank);
}

function describePlan(plan: KeepPlan, samples: number, config: NarConfig): string {
  const n = (v: number) => v / samples;
  const each = samples === 1 ? '' : ' per image';
  const cornerOnly = config.ordering === 'raster' || config.heads.every((h) => h.sign > 0);
  const advice = cornerOnly ? 'this model only grows from the corner: keep the top-left part, or use a model with heads in every direction' : 'seed the sampler inside the kept area';
  const blind = plan.blind ? `; ${n(plan.blind)} of them come before every kept token and cannot see it (${advice})` : '';
  const what = plan.frames === undefined ? 'inpainting' : `continuing ${plan.frames === 1 ? 'the first frame' : `the first ${plan.frames} frames`}`;
  return `${what}: ${n(plan.kept)} tokens kept, ${n(plan.regenerated)} regenerated${each}${blind}`;
}

async function runSampler(inputs: Inputs, ctx: ExecContext) {
  const model = asNarModel(inputs.model);
  const config = model.config;
  const cond = asConditioning(inputs.conditioning);
  const tok = inputs.tokenizer ? asTokenizer(inputs.tokenizer).tokenizer : undefined;
  checkTokenizer(config, tok);
  const seedText = String(inputs.seed_position ?? 'auto');
  const seedPosition = parseSeedPosition(seedText, config);
  const ordering = checkSeedPosition(config, seedPosition, seedText);
  const passes = ordering.steps.length;
  const perRow = Number(inputs.batch ?? 1);
  const samples = checkSampleCount(conditioningRows(cond), perRow);
  const condition = sampleCondition(cond, config, perRow);
  const plan = inpaintPlan(inputs, config, samples, ordering.rank);
  if (plan?.blind) ctx.log.warn(describePlan(plan, samples, config));
  const preview = String(inputs.preview ?? 'decoded');
  const filler = tok && preview === 'decoded' ? greyCode(tok) : 0;
  // image grids: where the preview's first picture starts growing, so the editor can mark it and pick another
  const pickerInfo = config.grid.length === 2 && config.ordering !== 'raster' ? { seed_grid: [...config.grid], seed: resolveSeed(config.grid, seedPosition) } : undefined;
  const chosen = await chooseEngine(inputs, model);
  if (chosen.note) ctx.log.info(`engine 'auto' uses tfjs: ${chosen.note}`);
  const t0 = performance.now();
  try {
    const grids = await model.model.generate({
      cond: condition,
      seedPosition,
      cfgScale: Number(inputs.cfg ?? 1),
      cfgInterval: Number(inputs.cfg_interval ?? -1),
      temperature: Number(inputs.temperature ?? 1),
      topK: Number(inputs.top_k ?? 0),
      topP: Number(inputs.top_p ?? 1),
      greedy: Boolean(inputs.greedy),
      seed: Number(inputs.seed ?? 0),
      engine: chosen.engine,
      fixed: plan?.fixed,
      onStep: async (info) => {
        if (ctx.signal.aborted) throw Object.assign(new Error('sampling cancelled'), { name: 'AbortError' });
        const png = preview === 'none' ? undefined : previewPng({ grid: config.grid, batch: info.batch, tokens: info.tokens, tokenizer: preview === 'decoded' ? tok : undefined, filler });
        ctx.progress(info.step + 1, info.passes, png ? { pngBase64: png, label: stepLabel(config, info.step, info.passes) } : undefined, pickerInfo);
        await new Promise((resolve) => setImmediate(resolve));
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    const batch = grids.length;
    const tokens: TokenGrid = { grid: [...config.grid], batch, tokens: Int32Array.from(grids.flat()), vocabSize: config.vocabSize };
    const text = [
      describeModel(config),
      `${batch} sample(s), ${passes} forward passes from seed ${JSON.stringify(seedPosition)}, ${chosen.kind} engine, ${seconds.toFixed(2)} s`,
      ...(plan ? [describePlan(plan, batch, config)] : []),
    ];
    return { outputs: [tokens], ui: { text } };
  } finally {
    const release = (chosen.engine as { release?: () => Promise<void> }).release;
    if (release) await release.call(chosen.engine);
  }
}

export const NARSampler = defineNode({
  type: 'NARSampler',
  displayName: 'NAR Sampler',
  category: 'NAR/sampling',
  description:
    'Generates token grids by neighbouring autoregression: the seed token first, then every token one step further away per forward pass ' +
    '(H+W−1 passes from a corner). A seed position needs a head for every direction it grows in; the model\'s heads are listed after a run. ' +
    'Raster-AR models sample one token per pass from the corner. Link a tokenizer for a decoded live preview. ' +
    'Inpainting / outpainting: link init_tokens (the picture\'s tokens) and a mask (1 = regenerate); kept tokens are context for every later pass, so seed inside the kept area. ' +
    'Image-to-video: a video model given a picture\'s tokens (or a shorter clip\'s) keeps them as the first frame(s) and makes the rest; no mask needed.',
  inputs: {
    model: { type: 'NAR_MODEL', kind: 'link' },
    conditioning: { type: 'CONDITIONING', kind: 'link' },
    tokenizer: { type: 'TOKENIZER', kind: 'link', optional: true, tooltip: 'decodes the live preview (not needed for sampling)' },
    init_tokens: { type: 'TOKENS', kind: 'link', optional: true, tooltip: 'tokens to keep outside the mask (inpainting / outpainting): one grid for all images or one per image; for a video model a picture or a shorter clip is kept as the first frame(s)' },
    mask: { type: 'MASK', kind: 'link', optional: true, tooltip: 'pixels to regenerate (1) and to keep (0), at the picture\'s size; a token is regenerated when any of its pixels is marked' },
    seed_position: { type: 'STRING', default: 'auto', tooltip: "'auto' (where the model was trained from: the corner for published models), 'corner', 'center', or grid coordinates \"r,c\" (images) / \"t,r,c\" (videos)" },
    cfg: { type: 'FLOAT', default: 2, min: 0, max: 30, step: 0.1, tooltip: 'classifier-free guidance scale (1 = off; published: c2i 2.0, t2i 7.5, video 1.25)' },
    cfg_interval: { type: 'INT', default: -1, min: -1, max: 1_000_000, tooltip: 'guidance stops once more than this many tokens exist (-1 = always on)' },
    temperature: { type: 'FLOAT', default: 1, min: 0.01, max: 5, step: 0.05 },
    top_k: { type: 'INT', default: 0, min: 0, max: 1_000_000, tooltip: '0 = off' },
    top_p: { type: 'FLOAT', default: 1, min: 0.01, max: 1, step: 0.01, tooltip: '1 = off' },
    greedy: { type: 'BOOLEAN', default: false, tooltip: 'argmax instead of sampling' },
    seed: { type: 'INT', default: 0, min: 0, max: 2 ** 31 - 1, seed: true },
    batch: { type: 'INT', default: 1, min: 1, max: 64, tooltip: 'samples per conditioning row' },
    engine: { type: 'COMBO', options: [...ENGINE_CHOICES], default: 'auto', tooltip: "'auto': onnxruntime where it loads, else tfjs" },
    preview: { type: 'COMBO', options: ['decoded', 'tokens', 'none'], default: 'decoded', tooltip: "'decoded' needs the tokenizer input" },
  },
  outputs: [{ name: 'TOKENS', type: 'TOKENS' }],
  execute: runSampler,
});

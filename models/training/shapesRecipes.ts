// The Shapes training setups shared by `narflow train` and scripts/train-bundled.ts: for each kind,
// the data source and the model config that fits it. Raster-AR uses the same size and data as the
// class-to-image NAR model, so the two are comparable.
import { buildNarConfig, type NarConfig, type PositionKind, type SeedSpec } from '../nar';
import { resolveSeed } from '../nar/ordering/neighbor';
import type { TextEncoder } from '../text';
import type { Tokenizer } from '../vq/tokenizer';
import { codeFileSource } from './sources/codeFileSource';
import { shapesCaptionSource, shapesClassSource, shapesVideoSource } from './sources/shapesSources';
import { TrainingError, type NarDataSource, type SourceSpec } from './types';

export const SHAPES_KINDS = ['c2i', 't2i', 'video', 'raster-c2i'] as const;
export type ShapesKind = (typeof SHAPES_KINDS)[number];

export interface ModelSize {
  dim: number;
  /** base blocks; each extra head axis adds one block (the published depth pattern) */
  nLayer: number;
  nHead: number;
  /** grid positions: RoPE (one equal part of head_dim per axis) or learned absolute; default RoPE for images, absolute for videos (the published video layout) */
  positions?: PositionKind;
}

/** The bundled models' size: small enough to train on a CPU in minutes and sample in well under a second. */
export const BUNDLED_SIZE: ModelSize = { dim: 128, nLayer: 3, nHead: 4 };

/**
 * Caption positions a Shapes text-to-image model reads: the last 24 of the encoder's 120
 * (left-padded; the longest Shapes caption is 16 words), which keeps training and sampling cheap.
 */
export const SHAPES_CAPTION_POSITIONS = 24;

export function parseKind(kind: string): ShapesKind {
  if (!(SHAPES_KINDS as readonly string[]).includes(kind)) throw new TrainingError(`--kind must be one of ${SHAPES_KINDS.join(', ')}, got '${kind}'`);
  return kind as ShapesKind;
}

export interface ShapesSourceRequest {
  kind: ShapesKind;
  seed: number;
  tokenizer?: Tokenizer;
  /** needed for t2i */
  textEncoder?: TextEncoder;
  /** a code file from `narflow extract-codes` instead of the generator */
  codes?: string;
  imageSize?: number;
  frames?: number;
}

/** The data source of a kind: the Shapes generator (seeded) or a code file. */
export function shapesSource(r: ShapesSourceRequest): NarDataSource {
  const condition = r.kind === 't2i' ? 'text' : 'class';
  if (condition === 'text' && !r.textEncoder) throw new TrainingError(`training kind '${r.kind}' needs a text encoder`);
  if (r.codes) return codeFileSource({ codes: r.codes, seed: r.seed, condition, textEncoder: r.textEncoder });
  if (!r.tokenizer) throw new TrainingError(`training kind '${r.kind}' on the Shapes generator needs a tokenizer (or --codes FILE)`);
  const base = { tokenizer: r.tokenizer, seed: r.seed, imageSize: r.imageSize };
  if (r.kind === 't2i') return shapesCaptionSource({ ...base, textEncoder: r.textEncoder! });
  if (r.kind === 'video') return shapesVideoSource({ ...base, frames: r.frames });
  return shapesClassSource(base);
}

/**
 * A model config fitting a source: neighbour ordering, or raster-AR for 'raster-c2i'. `seed` is
 * where training grows from: the corner (the published layout, one head per axis) or any other
 * position (one head per direction, recorded as the config's trainedSeed).
 */
export function shapesModelConfig(kind: ShapesKind, spec: SourceSpec, size: ModelSize = BUNDLED_SIZE, seed: SeedSpec = 'corner'): NarConfig {
  if (kind === 'raster-c2i' && seed !== 'corner') throw new TrainingError(`raster-AR (kind raster-c2i) has no seed position; got ${JSON.stringify(seed)}`);
  return buildNarConfig({
    ...size,
    heads: headsForSeed(seed),
    ...(seed === 'corner' ? {} : { trainedSeed: resolveSeed(spec.grid, seed) }),
    vocabSize: spec.vocabSize,
    grid: spec.grid,
    condition: spec.condition,
    ordering: kind === 'raster-c2i' ? 'raster' : 'neighbor',
    // raster-AR gets the blocks the NAR model spends on its extra heads, so both have the same depth
    ...(kind === 'raster-c2i' ? { nLayer: size.nLayer + spec.grid.length - 1 } : {}),
    ...(spec.condition.kind === 'text' ? { clsTokenNum: Math.min(SHAPES_CAPTION_POSITIONS, spec.condition.tokens) } : {}),
    // 3-axis (video) grids use learned absolute positions by default, as the published video layout does
    positions: size.positions ?? (spec.grid.length === 3 ? 'abs' : 'rope'),
    multipleOf: 64,
    classDropoutProb: 0.1,
  });
}

/** The head layout a model trained from `seed` needs: one head per axis for the corner, else one per direction. */
export function headsForSeed(seed: SeedSpec = 'corner'): 'corner' | 'all' {
  return seed === 'corner' ? 'corner' : 'all';
}

// Picks the NAR step engine: onnxruntime-node where it loads (the default), tfjs otherwise or
// when asked. The tfjs engine is passed in as a factory so this module never imports tfjs.
import type { StateDict } from '../checkpoint/safetensors';
import type { NarConfig } from '../nar/config';
import type { NarStepEngine } from '../nar/engine';
import { OrtNarEngine, type OrtNarEngineOptions } from './narEngine';
import { loadOrt } from './session';

export type EngineKind = 'ort' | 'tfjs';
export type EngineChoice = EngineKind | 'auto';

export const ENGINE_CHOICES: readonly EngineChoice[] = ['auto', 'ort', 'tfjs'];

export interface NarEngineRequest {
  choice: EngineChoice;
  stateDict: StateDict;
  config: NarConfig;
  /** builds the tfjs engine (e.g. `() => model.createEngine()`) */
  tfjs: () => NarStepEngine;
  ort?: OrtNarEngineOptions;
}

export interface ChosenEngine {
  engine: NarStepEngine;
  kind: EngineKind;
  /** why 'auto' fell back to tfjs, when it did */
  note?: string;
}

/** Parses a user's `--engine` value. */
export function parseEngineChoice(value: string | undefined): EngineChoice {
  const v = (value ?? 'auto').toLowerCase();
  if ((ENGINE_CHOICES as readonly string[]).includes(v)) return v as EngineChoice;
  throw new Error(`engine must be one of ${ENGINE_CHOICES.join(', ')}, got '${value}'`);
}

export async function createNarStepEngine(req: NarEngineRequest): Promise<ChosenEngine> {
  if (req.choice === 'tfjs') return { engine: req.tfjs(), kind: 'tfjs' };
  const ort = loadOrt();
  if (ort instanceof Error) {
    if (req.choice === 'ort') throw ort;
    return { engine: req.tfjs(), kind: 'tfjs', note: ort.message };
  }
  return { engine: await OrtNarEngine.create(req.stateDict, req.config, req.ort), kind: 'ort' };
}

// The node API: what a node pack declares. The engine derives /api/object_info, validation and
// scheduling from these definitions; node packs import only this file from the engine.

export type DataType =
  | 'IMAGE'
  | 'VIDEO'
  | 'TOKENS'
  | 'CONDITIONING'
  | 'MODEL'
  | 'NAR_MODEL'
  | 'TOKENIZER'
  | 'TEXT_ENCODER'
  | 'METRICS'
  | 'INT'
  | 'FLOAT'
  | 'STRING'
  | 'BOOLEAN'
  | 'COMBO'
  | (string & {});

/** Types that may be typed in as constants (widgets); the rest arrive only through links. */
export const WIDGET_TYPES: ReadonlySet<string> = new Set(['INT', 'FLOAT', 'STRING', 'BOOLEAN', 'COMBO']);

export interface InputSpec {
  type: DataType;
  /** 'widget': a constant typed in the editor (may also be linked); 'link': only by a link. Default: widget for widget types. */
  kind?: 'widget' | 'link';
  optional?: boolean;
  default?: number | string | boolean;
  min?: number;
  max?: number;
  step?: number;
  /** COMBO choices, or a function listing them at request time (e.g. files in a models folder). */
  options?: string[] | ((paths: HostPaths) => string[]);
  multiline?: boolean;
  tooltip?: string;
  /** INT seeds: the editor offers "randomize after queue". */
  seed?: boolean;
}

export interface OutputSpec {
  name: string;
  type: DataType;
}

export interface Preview {
  /** PNG bytes, base64 encoded, small (the engine limits size). */
  pngBase64: string;
  label?: string;
}

export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

/** What a node's `execute` receives besides its inputs. */
export interface ExecContext {
  promptId: string;
  nodeId: string;
  /** Report progress; optionally a preview image shown in the node. `extra` is free-form JSON (e.g. loss). */
  progress(value: number, max: number, preview?: Preview, extra?: Record<string, unknown>): void;
  signal: AbortSignal;
  log: Logger;
  /** Folders the host resolved (outputs, inputs, models, temp). */
  paths: HostPaths;
  /** Text chunks the host asks saved files to carry (the workflow in both forms: `prompt`, `workflow`). */
  pngText?: Record<string, string>;
}

export interface HostPaths {
  output: string;
  input: string;
  temp: string;
  /** weights/<kind>/ folders, first is the bundled one; extra folders configurable. */
  models: Record<string, string[]>;
}

/** What an output node returns for the UI: files written (served by /view) and any JSON. */
export interface UiResult {
  images?: { filename: string; subfolder: string; type: 'output' | 'temp' }[];
  text?: string[];
  table?: Record<string, unknown>[];
  [key: string]: unknown;
}

export interface NodeResult {
  /** Values in the order of `outputs`. */
  outputs: unknown[];
  ui?: UiResult;
}

export type Inputs = Record<string, unknown>;

export interface NodeDefinition {
  /** Unique type name, e.g. "NARSampler". */
  type: string;
  displayName: string;
  category: string;
  description: string;
  inputs: Record<string, InputSpec>;
  outputs: OutputSpec[];
  outputNode?: boolean;
  execute(inputs: Inputs, ctx: ExecContext): Promise<NodeResult>;
  /**
   * Extra cache key for inputs that read files (e.g. a file's mtime and size): when it changes
   * the node re-runs even though its constants did not.
   */
  fingerprint?(inputs: Inputs, paths: HostPaths): string | Promise<string>;
  /** Never cache (e.g. nodes with side effects on every run). */
  alwaysRun?: boolean;
}

/** A node pack module (`nodes/<pack>/index.ts`) exports `pack: NodePack`. */
export interface NodePack {
  name: string;
  nodes: NodeDefinition[];
  /**
   * The model files of a kind (a folder of `weights/`) its loader nodes offer, for GET
   * /api/models/KIND: loadable files only, training side files left out. Kinds no pack lists
   * answer every file of their folders.
   */
  modelLists?: Record<string, (paths: HostPaths) => string[]>;
}

export function defineNode(def: NodeDefinition): NodeDefinition {
  return def;
}

/** Thrown by a node for bad input: the engine reports its message as the node's error. */
export class NodeInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NodeInputError';
  }
}

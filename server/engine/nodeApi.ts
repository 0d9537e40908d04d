// The node API: what a node pack declares. The engine derives /api/object_info, validation and
// scheduling from these definitions; node packs import only this file from the engine.
import * as fs from 'fs';
import * as path from 'path';
import type { ApiWorkflow } from './workflow/schema';

export { expandFilenamePrefix, FILENAME_PREFIX_PLACEHOLDERS, splitFilenamePrefix } from './filenamePrefix';

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
  /**
   * Where the files a COMBO lists live, as a user would name the folder ('weights/nar/', 'input/'):
   * a value not in the list is then a missing file, and the editor says where to put it.
   */
  folder?: string;
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
  /** The whole prompt being run (API form; read it, never change it), e.g. for `%Title.input%` in file names. */
  prompt?: ApiWorkflow;
}

export interface HostPaths {
  output: string;
  input: string;
  temp: string;
  /** weights/<kind>/ folders, first is the bundled one; extra folders configurable. */
  models: Record<string, string[]>;
  /** The folder holding output/ and input/: where relative paths in node inputs start (see nodeInputPath). */
  data?: string;
  /**
   * Paths in node inputs may name any file (a local `narflow run`: the files are its user's own).
   * Unset for servers and workers, whose prompts come from the network.
   */
  anyPath?: boolean;
}

/**
 * The file or folder a STRING node input names (a folder to evaluate, a code file). In a local run
 * (`paths.anyPath`) any path, relative ones from the working directory. Otherwise relative paths
 * start at the data folder ('output/run1') and the path, symlinks followed, must lie inside the
 * input, output or temp folder or a weights folder: a prompt from the network reads nothing else.
 * Refusals are NodeInputErrors naming `what` and the value, not where the server keeps its files.
 */
export function nodeInputPath(paths: HostPaths, value: string, what: string): string {
  if (value.includes('\0')) throw new NodeInputError(`${what} ${JSON.stringify(value)} contains a NUL byte`);
  if (paths.anyPath) return path.resolve(value);
  const full = path.resolve(paths.data ?? path.dirname(paths.output), value);
  const real = (p: string): string => {
    try {
      return fs.realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  const target = real(full);
  const roots = [paths.input, paths.output, paths.temp, ...Object.values(paths.models).flat()];
  const inside = roots.some((root) => {
    const rel = path.relative(real(root), target);
    return !rel.startsWith('..') && !path.isAbsolute(rel);
  });
  if (!inside) {
    throw new NodeInputError(
      `${what} ${JSON.stringify(value)} is outside the folders a prompt may read on this server: input/, output/, user/temp/ and the weights folders ` +
        `(a relative path starts at the data folder, e.g. 'output/run1'); any path is allowed only in a local narflow run`,
    );
  }
  return target;
}

/**
 * nodeInputPath, then `read` of the path: an error of `read` names the path as the input gave it,
 * not as resolved on the server ("image folder output/run1 holds no images").
 */
export function readNodeInputPath<T>(paths: HostPaths, value: string, what: string, read: (resolved: string) => T): T {
  const resolved = nodeInputPath(paths, value, what);
  try {
    return read(resolved);
  } catch (e) {
    if (e instanceof Error && !paths.anyPath) e.message = e.message.split(resolved).join(value);
    throw e;
  }
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

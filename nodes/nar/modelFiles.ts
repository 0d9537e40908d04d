// Model files in the host's weights/<kind>/ folders: what the loader COMBOs list, which file a
// chosen name is, and a fingerprint (size, mtime, inode, ctime) so that a replaced file re-runs its loader.
import * as fs from 'fs';
import * as path from 'path';
import type { HostPaths } from '../../server/engine/nodeApi';
import { NodeInputError } from '../../server/engine/nodeApi';

export const MODEL_KINDS = ['nar', 'tokenizer', 'text_encoder'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

export function isModelKind(kind: string): kind is ModelKind {
  return (MODEL_KINDS as readonly string[]).includes(kind);
}

const EXTENSIONS: Record<ModelKind, RegExp> = {
  nar: /\.(safetensors|pt|pth|bin)$/i,
  tokenizer: /\.(safetensors|pt|pth|bin)$/i,
  text_encoder: /\.safetensors$/i,
};

/** Where each kind's files come from, for "not found" messages (see weights/README.md). */
const HINTS: Record<ModelKind, string> = {
  nar: 'NAR generators (.safetensors or published .pt)',
  tokenizer: 'image tokenizers (.safetensors or published LlamaGen VQ .pt)',
  text_encoder: 'caption encoders: a .safetensors small encoder, or a folder with model.onnx + tokenizer.json (T5)',
};

/** Files a training run writes beside its weights (never offered as models). */
const SIDE_FILES = /\.optim\.safetensors$|\.partial$/i;

export function modelFolders(paths: HostPaths, kind: ModelKind): string[] {
  return paths.models[kind] ?? [];
}

function isT5Folder(dir: string): boolean {
  try {
    const files = fs.readdirSync(dir);
    return files.includes('tokenizer.json') && files.some((f) => f.endsWith('.onnx'));
  } catch {
    return false;
  }
}

/** Model names of a kind: paths relative to their folder with '/', sorted, each listed once. */
export function listModels(paths: HostPaths, kind: ModelKind): string[] {
  const out = new Set<string>();
  const walk = (root: string, rel: string, depth: number) => {
    const dir = path.join(root, rel);
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (kind === 'text_encoder' && isT5Folder(path.join(root, r))) out.add(r);
        else if (depth < 3) walk(root, r, depth + 1);
      } else if (EXTENSIONS[kind].test(e.name) && !SIDE_FILES.test(e.name)) out.add(r);
    }
  };
  for (const root of modelFolders(paths, kind)) walk(root, '', 0);
  return [...out].sort();
}

/** The file (or T5 folder) a model name refers to: the first folder that has it. */
export function resolveModel(paths: HostPaths, kind: ModelKind, name: string): string {
  const folders = modelFolders(paths, kind);
  if (!name || typeof name !== 'string') throw new NodeInputError(`no ${kind} model chosen (expected a name from weights/${kind}/)`);
  const parts = name.replace(/\\/g, '/').split('/');
  if (path.isAbsolute(name) || parts.some((p) => p === '..' || p === '')) {
    throw new NodeInputError(`${kind} model name ${JSON.stringify(name)} must be a path inside a weights/${kind}/ folder`);
  }
  for (const root of folders) {
    const file = path.join(root, ...parts);
    if (fs.existsSync(file)) return file;
  }
  const where = folders.length ? folders.join(', ') : `(no weights/${kind}/ folder is configured)`;
  throw new NodeInputError(`${kind} model '${name}' not found: put the file in weights/${kind}/ (${HINTS[kind]}; searched ${where}; see weights/README.md)`);
}

/**
 * Size, mtime, inode and ctime of a file, or of every file of a folder (T5). Size and mtime alone
 * miss a file replaced by another of the same size with its mtime kept (cp -p, rsync -a, archives);
 * such a replacement gets a new inode or a new ctime, which no copying tool sets back.
 */
export function fileFingerprint(file: string): string {
  const st = fs.statSync(file);
  if (!st.isDirectory()) return `${st.size}:${st.mtimeMs}:${st.ino}:${st.ctimeMs}`;
  return fs
    .readdirSync(file)
    .sort()
    .map((f) => `${f}=${fileFingerprint(path.join(file, f))}`)
    .join(';');
}

/** Fingerprint of a chosen model; a missing file gives a stable marker (execution then reports it). */
export function modelFingerprint(paths: HostPaths, kind: ModelKind, name: unknown): string {
  try {
    const file = resolveModel(paths, kind, String(name));
    return `${file}:${fileFingerprint(file)}`;
  } catch {
    return `missing:${String(name)}`;
  }
}

/** The folder a trainer writes into: the last configured folder of the kind (a user's extra folder when given). */
export function outputFolder(paths: HostPaths, kind: ModelKind): string {
  const folders = modelFolders(paths, kind);
  if (!folders.length) throw new NodeInputError(`no weights/${kind}/ folder is configured to write the trained model into`);
  return folders[folders.length - 1];
}

/** A file name for a trained model inside `folder` (a bare name; '.safetensors' added). */
export function trainedModelFile(folder: string, name: string): string {
  const stem = String(name).trim().replace(/\.safetensors$/i, '');
  if (!/^[\w.-]{1,100}$/.test(stem) || stem.startsWith('.')) {
    throw new NodeInputError(`output_name ${JSON.stringify(name)} must be a plain file name (letters, digits, '-', '_', '.')`);
  }
  const file = `${stem}.safetensors`;
  if (SIDE_FILES.test(file)) {
    throw new NodeInputError(
      `output_name ${JSON.stringify(name)} would write ${file}, which is how a training run names the optimizer state beside a model's weights: ` +
        "model lists leave such files out, so it could never be loaded; choose a name that does not end in '.optim'",
    );
  }
  return path.join(folder, file);
}

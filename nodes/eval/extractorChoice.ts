// Which feature extractor an evaluation node uses, found in the host's weights/metrics folders.
import * as fs from 'fs';
import * as path from 'path';
import type { HostPaths } from '../../server/engine/nodeApi';
import { NodeInputError, nodeInputPath } from '../../server/engine/nodeApi';
import { initBackend } from '../../models/backend';
import type { ImageFeatureExtractor } from '../../models/metrics/extractors/types';
import { OnnxInceptionExtractor } from '../../models/metrics/extractors/onnxInception';
import { ShapesFeatureExtractor } from '../../models/metrics/shapesClassifier/extractor';

export const EXTRACTORS = ['shapes (built-in)', 'inception (ONNX)'] as const;
export type ExtractorChoice = (typeof EXTRACTORS)[number];

export const SHAPES_WEIGHTS = 'shapes-classifier.safetensors';

/**
 * Resolves a file name against the weights/metrics folders. An absolute path is used as is in a
 * local run, and on a server only inside its own folders (nodeInputPath); a relative one may not
 * climb out of the metrics folders with '..'.
 */
export function findMetricsFile(paths: HostPaths, name: string): string {
  if (path.isAbsolute(name)) {
    const file = nodeInputPath(paths, name, 'metrics weights file');
    if (!fs.existsSync(file)) throw new NodeInputError(`metrics weights file not found: ${name}`);
    return file;
  }
  if (!paths.anyPath && name.split(/[\\/]/).includes('..')) throw new NodeInputError(`metrics weights file ${JSON.stringify(name)} must be a name inside a weights/metrics folder, without '..'`);
  const dirs = paths.models.metrics ?? [];
  for (const d of dirs) {
    const f = path.join(d, name);
    if (fs.existsSync(f)) return f;
  }
  throw new NodeInputError(`'${name}' not found in the metrics weights folders${paths.anyPath ? ` [${dirs.join(', ')}]` : ''}${name === SHAPES_WEIGHTS ? ' (train it with: npx tsx scripts/train-shapes-classifier.ts)' : ''}`);
}

/** Size, mtime, inode and ctime: a same-size replacement with its mtime kept still changes it. */
export function fileFingerprint(file: string): string {
  const s = fs.statSync(file);
  return `${file}:${s.size}:${s.mtimeMs}:${s.ino}:${s.ctimeMs}`;
}

export async function openExtractor(
  choice: string,
  onnxFile: string,
  paths: HostPaths,
): Promise<{ extractor: ImageFeatureExtractor; fingerprint: string }> {
  if (choice === 'shapes (built-in)') {
    const file = findMetricsFile(paths, SHAPES_WEIGHTS);
    await initBackend();
    return { extractor: ShapesFeatureExtractor.load(file), fingerprint: fileFingerprint(file) };
  }
  if (choice === 'inception (ONNX)') {
    if (!onnxFile) throw new NodeInputError('extractor "inception (ONNX)" needs inception_onnx: an .onnx file exported as in docs/metrics.md');
    const file = findMetricsFile(paths, onnxFile);
    return { extractor: await OnnxInceptionExtractor.create({ model: file }), fingerprint: fileFingerprint(file) };
  }
  throw new NodeInputError(`unknown extractor '${choice}' (expected one of ${EXTRACTORS.join(', ')})`);
}

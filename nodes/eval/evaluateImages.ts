// EvaluateImages: FID (or FID-shapes), IS, k-NN precision/recall and ShapeEval of a generated
// image set (linked IMAGE or a folder) against reference statistics from a folder or the Shapes
// generator (cached on disk). The result goes to the node as a table and out as METRICS JSON.
import * as fs from 'fs';
import * as path from 'path';
import { defineNode, NodeInputError, nodeInputPath, readNodeInputPath, type ExecContext, type HostPaths, type Inputs } from '../../server/engine/nodeApi';
import type { ImageBatch } from '../../models/image/types';
import { evaluate, reportTable } from '../../models/metrics/evaluator/evaluate';
import { ImageSource, folderSource, memorySource, shapesSource } from '../../models/metrics/evaluator/imageSource';
import { EXTRACTORS, openExtractor } from './extractorChoice';

export const REFERENCES = ['shapes generator', 'folder', 'none'] as const;

function splitPrompts(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

function generatedSource(inputs: Inputs, paths: HostPaths): ImageSource {
  const images = inputs.images as ImageBatch | undefined;
  const folder = String(inputs.generated_folder ?? '').trim();
  if (images && folder) throw new NodeInputError('give the generated images either as a linked IMAGE or as generated_folder, not both');
  if (images) return memorySource(images);
  if (folder) return readNodeInputPath(paths, folder, 'generated_folder', (dir) => folderSource(dir));
  throw new NodeInputError('no generated images: link an IMAGE input or set generated_folder');
}

function referenceSource(inputs: Inputs, paths: HostPaths): ImageSource | undefined {
  const kind = String(inputs.reference);
  if (kind === 'none') return undefined;
  if (kind === 'folder') {
    const dir = String(inputs.reference_folder ?? '').trim();
    if (!dir) throw new NodeInputError('reference "folder" needs reference_folder');
    return readNodeInputPath(paths, dir, 'reference_folder', (resolved) => folderSource(resolved));
  }
  if (kind === 'shapes generator') {
    const objects = String(inputs.shapes_objects);
    return shapesSource({
      count: Number(inputs.reference_count),
      seed: Number(inputs.reference_seed),
      size: Number(inputs.shapes_size),
      objects: objects === '1' ? 1 : objects === '2' ? 2 : 'mixed',
    });
  }
  throw new NodeInputError(`reference must be one of ${REFERENCES.join(', ')}, got '${kind}'`);
}

export const EvaluateImages = defineNode({
  type: 'EvaluateImages',
  displayName: 'Evaluate images (FID / IS / precision-recall / ShapeEval)',
  category: 'eval',
  description:
    'Scores generated images against a reference set. "shapes (built-in)" gives FID-shapes, which is NOT comparable with ImageNet FID; "inception (ONNX)" uses your exported pytorch-fid InceptionV3.',
  inputs: {
    images: { type: 'IMAGE', kind: 'link', optional: true, tooltip: 'generated images (or use generated_folder)' },
    generated_folder: { type: 'STRING', default: '', optional: true },
    reference: { type: 'COMBO', options: [...REFERENCES], default: 'shapes generator' },
    reference_folder: { type: 'STRING', default: '', optional: true },
    reference_count: { type: 'INT', default: 2000, min: 4, max: 200000 },
    reference_seed: { type: 'INT', default: 1234, min: 0, max: 2 ** 31 - 1 },
    shapes_size: { type: 'INT', default: 32, min: 12, max: 512 },
    shapes_objects: { type: 'COMBO', options: ['mixed', '1', '2'], default: 'mixed' },
    extractor: { type: 'COMBO', options: [...EXTRACTORS], default: 'shapes (built-in)' },
    inception_onnx: { type: 'STRING', default: '', optional: true, tooltip: 'file in weights/metrics or an absolute path' },
    prompts: { type: 'STRING', multiline: true, default: '', optional: true, tooltip: 'ShapeEval prompts: one per image, or one for all; empty = skip ShapeEval' },
    batch_size: { type: 'INT', default: 64, min: 1, max: 1024 },
    is_splits: { type: 'INT', default: 10, min: 1, max: 100 },
    k: { type: 'INT', default: 3, min: 1, max: 50 },
  },
  outputs: [{ name: 'metrics', type: 'METRICS' }],
  outputNode: true,
  fingerprint(inputs, paths) {
    const stamp = (d: unknown) => {
      const name = String(d ?? '').trim();
      let dir: string;
      try {
        dir = name && nodeInputPath(paths, name, 'folder');
      } catch {
        return ''; // refused when it runs
      }
      return dir && fs.existsSync(dir) ? `${dir}:${fs.statSync(dir).mtimeMs}` : '';
    };
    return `${stamp(inputs.generated_folder)}|${stamp(inputs.reference_folder)}`;
  },
  async execute(inputs: Inputs, ctx: ExecContext) {
    const generated = generatedSource(inputs, ctx.paths);
    const reference = referenceSource(inputs, ctx.paths);
    const prompts = splitPrompts(String(inputs.prompts ?? ''));
    const { extractor, fingerprint } = await openExtractor(String(inputs.extractor), String(inputs.inception_onnx ?? '').trim(), ctx.paths);
    try {
      const total = generated.count + (reference?.count ?? 0);
      const report = await evaluate({
        extractor,
        extractorFingerprint: fingerprint,
        reference,
        generated,
        cacheDir: path.join(ctx.paths.temp, 'reference-stats'),
        batchSize: Number(inputs.batch_size),
        isSplits: Number(inputs.is_splits),
        k: Number(inputs.k),
        prompts,
        shapeEval: prompts.length > 0,
        signal: ctx.signal,
        onProgress: (done, _n, phase) => ctx.progress(phase === 'generated' ? done : generated.count + done, total, undefined, { phase }),
      });
      ctx.log.info(`evaluation: ${JSON.stringify(report)}`);
      return { outputs: [report], ui: { table: reportTable(report), text: [JSON.stringify(report), ...(report.notes ?? [])], metrics: report } };
    } finally {
      await extractor.dispose();
    }
  },
});

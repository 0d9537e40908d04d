// EvaluateVideos: FVD (I3D from your ONNX file) or FVD-shapes (built-in Shapes features) of a
// generated video set against the Shapes video generator or a folder of clips (cached).
import * as path from 'path';
import { defineNode, NodeInputError, readNodeInputPath, type ExecContext, type HostPaths, type Inputs } from '../../server/engine/nodeApi';
import type { VideoBatch } from '../../models/image/types';
import { initBackend } from '../../models/backend';
import { loadVideoFolder } from '../../models/data/folders';
import { OnnxI3dExtractor } from '../../models/metrics/extractors/onnxI3d';
import type { VideoFeatureExtractor } from '../../models/metrics/extractors/types';
import { ShapesFeatureExtractor, ShapesVideoFeatureExtractor } from '../../models/metrics/shapesClassifier/extractor';
import { VideoSet, evaluateVideos, folderVideoSet, shapesVideoSet } from '../../models/metrics/evaluator/evaluateVideos';
import { SHAPES_WEIGHTS, fileFingerprint, findMetricsFile } from './extractorChoice';

const VIDEO_EXTRACTORS = ['shapes (built-in)', 'i3d (ONNX)'] as const;

async function openVideoExtractor(inputs: Inputs, ctx: ExecContext): Promise<{ extractor: VideoFeatureExtractor; fingerprint: string }> {
  const choice = String(inputs.extractor);
  if (choice === 'shapes (built-in)') {
    const file = findMetricsFile(ctx.paths, SHAPES_WEIGHTS);
    await initBackend();
    return { extractor: new ShapesVideoFeatureExtractor(ShapesFeatureExtractor.load(file)), fingerprint: fileFingerprint(file) };
  }
  if (choice === 'i3d (ONNX)') {
    const name = String(inputs.i3d_onnx ?? '').trim();
    if (!name) throw new NodeInputError('extractor "i3d (ONNX)" needs i3d_onnx: an .onnx file exported as in docs/metrics.md');
    const file = findMetricsFile(ctx.paths, name);
    return { extractor: await OnnxI3dExtractor.create({ model: file }), fingerprint: fileFingerprint(file) };
  }
  throw new NodeInputError(`unknown extractor '${choice}' (expected one of ${VIDEO_EXTRACTORS.join(', ')})`);
}

function generatedVideos(inputs: Inputs, paths: HostPaths): VideoBatch {
  const videos = inputs.videos as VideoBatch | undefined;
  const folder = String(inputs.generated_folder ?? '').trim();
  if (videos && folder) throw new NodeInputError('give the generated videos either as a linked VIDEO or as generated_folder, not both');
  if (videos) return videos;
  if (folder) return readNodeInputPath(paths, folder, 'generated_folder', (dir) => loadVideoFolder(dir).videos);
  throw new NodeInputError('no generated videos: link a VIDEO input or set generated_folder');
}

function referenceSet(inputs: Inputs, generated: VideoBatch, paths: HostPaths): VideoSet {
  if (String(inputs.reference) === 'folder') {
    const dir = String(inputs.reference_folder ?? '').trim();
    if (!dir) throw new NodeInputError('reference "folder" needs reference_folder');
    return readNodeInputPath(paths, dir, 'reference_folder', (resolved) => folderVideoSet(resolved));
  }
  return shapesVideoSet(Number(inputs.reference_count), Number(inputs.reference_seed), generated.frames, generated.height);
}

export const EvaluateVideos = defineNode({
  type: 'EvaluateVideos',
  displayName: 'Evaluate videos (FVD / FVD-shapes)',
  category: 'eval',
  description: 'Fréchet video distance. "shapes (built-in)" gives FVD-shapes, NOT comparable with Kinetics FVD; "i3d (ONNX)" uses your exported I3D.',
  inputs: {
    videos: { type: 'VIDEO', kind: 'link', optional: true },
    generated_folder: { type: 'STRING', default: '', optional: true },
    reference: { type: 'COMBO', options: ['shapes generator', 'folder'], default: 'shapes generator' },
    reference_folder: { type: 'STRING', default: '', optional: true },
    reference_count: { type: 'INT', default: 500, min: 4, max: 100000 },
    reference_seed: { type: 'INT', default: 4321, min: 0, max: 2 ** 31 - 1 },
    extractor: { type: 'COMBO', options: [...VIDEO_EXTRACTORS], default: 'shapes (built-in)' },
    i3d_onnx: { type: 'STRING', default: '', optional: true },
  },
  outputs: [{ name: 'metrics', type: 'METRICS' }],
  outputNode: true,
  async execute(inputs: Inputs, ctx: ExecContext) {
    const generated = generatedVideos(inputs, ctx.paths);
    const reference = referenceSet(inputs, generated, ctx.paths);
    const { extractor, fingerprint } = await openVideoExtractor(inputs, ctx);
    try {
      const total = generated.batch + reference.videos.batch;
      const r = await evaluateVideos({
        extractor,
        extractorFingerprint: fingerprint,
        reference,
        generated,
        cacheDir: path.join(ctx.paths.temp, 'reference-stats'),
        onProgress: (d, _n, phase) => ctx.progress(phase === 'generated' ? d : generated.batch + d, total, undefined, { phase }),
      });
      const label = r.domain === 'shapes' ? 'FVD-shapes' : 'FVD';
      const table = [{ metric: label, value: r.fvd, note: `${r.referenceCount} reference vs ${r.generatedCount} generated; ${r.note}` }];
      return { outputs: [r], ui: { table, text: [JSON.stringify(r)], metrics: r } };
    } finally {
      await extractor.dispose();
    }
  },
});

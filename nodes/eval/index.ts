// The evaluation node pack: FID / IS / precision-recall / ShapeEval on image sets, FVD on videos.
import type { NodePack } from '../../server/engine/nodeApi';
import { EvaluateImages } from './evaluateImages';
import { EvaluateVideos } from './evaluateVideos';
import { ShapeEvalNode } from './shapeEvalNode';

export const pack: NodePack = {
  name: 'eval',
  nodes: [EvaluateImages, EvaluateVideos, ShapeEvalNode],
};

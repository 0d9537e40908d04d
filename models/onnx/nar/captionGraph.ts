// The caption projection of text-conditioned NAR (`cls_embedding.cap_proj`): fc1 → GELU (tanh)
// → fc2, no biases. Its own small graph so the 120×caption_dim matmuls run in onnxruntime.
//   features [B, C, captionDim] (the last C caption positions) → cond [B, C, dim]
import type { StateDict } from '../../checkpoint/safetensors';
import type { NarConfig } from '../../nar/config';
import { GraphBuilder } from '../builder';
import { geluTanh, linear, weight } from '../layers';

export const CAPTION_GRAPH_VERSION = 'nar-caption-1';

export function buildCaptionGraph(sd: StateDict, c: NarConfig): GraphBuilder {
  if (c.condition.kind !== 'text') throw new Error(`caption graph needs a text-conditioned config, got '${c.condition.kind}'`);
  const capDim = c.condition.captionDim;
  const g = new GraphBuilder('nar_caption');
  const x = g.input('features', 'float', ['B', 'C', capDim]);
  const h = linear(g, x, 'fc1', [weight(sd, 'cls_embedding.cap_proj.fc1.weight', [c.dim, capDim])]);
  const y = linear(g, geluTanh(g, h), 'fc2', [weight(sd, 'cls_embedding.cap_proj.fc2.weight', [c.dim, c.dim])]);
  g.output(y, 'cond', 'float', ['B', 'C', c.dim]);
  return g;
}

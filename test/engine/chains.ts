// Long linear graphs for the tests of graph walks (test/engine/longChain.test.ts, test/server/longChain.test.ts).
import type { ApiWorkflow } from '../../server/engine/workflow/schema';

/**
 * Node 1 is the gradient, 2..n+1 the inverts, n+2 the preview; ids are `${prefix}${i}`. With a
 * prefix the keys keep their insertion order, last node first, so walks start at the deep end.
 */
export function invertChain(n: number, prefix = ''): ApiWorkflow {
  const id = (i: number) => `${prefix}${i}`;
  const p: ApiWorkflow = {};
  p[id(n + 2)] = { class_type: 'PreviewImage', inputs: { images: [id(n + 1), 0] } };
  for (let i = n + 1; i >= 2; i--) p[id(i)] = { class_type: 'ImageInvert', inputs: { image: [id(i - 1), 0] } };
  p[id(1)] = { class_type: 'ColorGradient', inputs: { width: 1, height: 1, color_a: '#102030', color_b: '#ffffff', direction: 'vertical', noise: 0, seed: 0 } };
  return p;
}

// An example node pack (see docs/plugins.md): load it with `--plugins examples/plugins`.
// RandomCaption writes a Shapes caption from a seed, to feed the text-to-image sampler's prompt;
// ShowText is an output node that shows any text in the editor and prints it from `narflow run`.
// A pack outside this repository imports the same types from its narflow checkout (or none: the
// objects below are plain data plus an async function).
import type { NodeDefinition, NodePack } from '../../../server/engine/nodeApi';
import { NodeInputError } from '../../../server/engine/nodeApi';

const COLOURS = ['red', 'green', 'blue', 'yellow', 'purple', 'cyan'];
const SHAPES = ['circle', 'square', 'triangle'];
const PLACES = ['top left', 'top', 'top right', 'left', 'center', 'right', 'bottom left', 'bottom', 'bottom right'];

/** mulberry32: a small seeded generator, so a seed always gives the same caption. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function words(list: unknown, what: string, allowed: string[]): string[] {
  const picked = String(list)
    .split(',')
    .map((w) => w.trim())
    .filter(Boolean);
  const unknown = picked.filter((w) => !allowed.includes(w));
  if (!picked.length || unknown.length) {
    throw new NodeInputError(`${what} must be a comma-separated list of ${allowed.join(', ')}; got ${JSON.stringify(list)}`);
  }
  return picked;
}

export const RandomCaption: NodeDefinition = {
  type: 'RandomCaption',
  displayName: 'Random Caption',
  category: 'examples/text',
  description: 'A Shapes caption ("a red circle at the top left") drawn from the listed words with a seed.',
  inputs: {
    seed: { type: 'INT', default: 0, min: 0, max: 2 ** 32 - 1, seed: true },
    colours: { type: 'STRING', default: COLOURS.join(', ') },
    shapes: { type: 'STRING', default: SHAPES.join(', ') },
  },
  outputs: [{ name: 'caption', type: 'STRING' }],
  async execute(inputs) {
    const next = rng(inputs.seed as number);
    const pick = <T>(xs: T[]): T => xs[Math.floor(next() * xs.length)];
    const caption = `a ${pick(words(inputs.colours, 'colours', COLOURS))} ${pick(words(inputs.shapes, 'shapes', SHAPES))} at the ${pick(PLACES)}`;
    return { outputs: [caption] };
  },
};

export const ShowText: NodeDefinition = {
  type: 'ShowText',
  displayName: 'Show Text',
  category: 'examples/text',
  description: 'Shows its text on the node (and in history; `narflow run` prints it).',
  inputs: { text: { type: 'STRING', kind: 'link' } },
  outputs: [],
  outputNode: true,
  async execute(inputs) {
    return { outputs: [], ui: { text: [String(inputs.text)] } };
  },
};

export const pack: NodePack = { name: 'caption-tools', nodes: [RandomCaption, ShowText] };

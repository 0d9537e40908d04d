// The NAR node pack: loaders, conditioning, the NAR sampler, tokenizer encode/decode, video loading,
// cutting and saving, and the trainers. Thin adapters over models/ (NAR, VQ, text encoders, training).
import type { NodePack } from '../../server/engine/nodeApi';
import { ClassLabel, TextEncode } from './conditioning';
import { LoadNARModel, LoadTextEncoder, LoadTokenizer } from './loaders';
import { listModels } from './modelFiles';
import { ImagesToVideo, LoadVideo, VideoFrames } from './loadVideo';
import { NARSampler } from './sampler';
import { SaveVideo } from './saveVideo';
import { ShapesData } from './shapesData';
import { TokenizerDecode, TokenizerEncode } from './tokenizerNodes';
import { TrainNAR } from './training/trainNarNode';
import { TrainTokenizer } from './training/trainTokenizerNode';

export const pack: NodePack = {
  name: 'nar',
  nodes: [LoadNARModel, LoadTokenizer, LoadTextEncoder, TextEncode, ClassLabel, NARSampler, TokenizerEncode, TokenizerDecode, ShapesData, LoadVideo, VideoFrames, ImagesToVideo, SaveVideo, TrainNAR, TrainTokenizer],
  // GET /api/models/KIND answers what the loaders offer
  modelLists: {
    nar: (paths) => listModels(paths, 'nar'),
    tokenizer: (paths) => listModels(paths, 'tokenizer'),
    text_encoder: (paths) => listModels(paths, 'text_encoder'),
  },
};

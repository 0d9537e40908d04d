// Text encoders: NAR's caption condition ([B, 120, captionDim] features + left-padded mask).
export { TEXT_MAX_TOKENS, TextEncoderError, leftPadRows, pooledFeatures } from './textEncoder';
export type { TextEncoder, TextEncoding } from './textEncoder';
export { loadTextEncoder } from './loadTextEncoder';
export type { LoadTextEncoderOptions } from './loadTextEncoder';
export { SmallTextEncoder, loadSmallEncoder, saveSmallEncoder, readSmallEncoderBundle } from './shapes/smallTextEncoder';
export { WordTokenizer, shapesVocabulary, splitWords } from './shapes/wordTokenizer';
export { T5OnnxEncoder, findT5Model } from './t5/t5OnnxEncoder';
export { T5Tokenizer } from './t5/t5Tokenizer';

/** Where the bundled small encoder lives, relative to the repository root. */
export const BUNDLED_TEXT_ENCODER = 'weights/text_encoder/shapes-text.safetensors';

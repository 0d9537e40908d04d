// Picks the text-encoder backend from what a path holds: a .safetensors file → the small Shapes
// encoder; a folder with an .onnx encoder and tokenizer.json → the T5 backend.
import * as fs from 'fs';
import * as path from 'path';
import type { SessionConfig } from '../onnx/session';
import { loadSmallEncoder } from './shapes/smallTextEncoder';
import { T5OnnxEncoder, T5_MODEL_FILES } from './t5/t5OnnxEncoder';
import { TextEncoder, TextEncoderError } from './textEncoder';

export interface LoadTextEncoderOptions {
  /** onnxruntime session options for the T5 backend */
  onnx?: SessionConfig;
}

const WHERE = 'text encoders belong in weights/text_encoder/: a .safetensors file (small Shapes encoder) or a folder with model.onnx + tokenizer.json (T5)';

export async function loadTextEncoder(pathOrFolder: string, options: LoadTextEncoderOptions = {}): Promise<TextEncoder> {
  if (!fs.existsSync(pathOrFolder)) throw new TextEncoderError(`text encoder not found: ${pathOrFolder} (${WHERE})`);
  if (fs.statSync(pathOrFolder).isDirectory()) {
    const files = fs.readdirSync(pathOrFolder);
    if (!files.some((f) => f.endsWith('.onnx'))) {
      throw new TextEncoderError(`${pathOrFolder} has no ONNX encoder: expected ${T5_MODEL_FILES.join(' or ')} beside tokenizer.json (${WHERE})`);
    }
    return T5OnnxEncoder.load(pathOrFolder, options.onnx);
  }
  if (path.extname(pathOrFolder).toLowerCase() === '.safetensors') return loadSmallEncoder(pathOrFolder);
  throw new TextEncoderError(`cannot tell the text encoder kind of ${pathOrFolder}: expected a .safetensors file or a folder (${WHERE})`);
}

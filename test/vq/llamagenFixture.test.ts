import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../models/backend';
import { readSafetensors } from '../../models/checkpoint/safetensors';
import { LlamaGenVq } from '../../models/vq/llamagenVq';
import { loadTokenizer } from '../../models/vq/io';
import { inferLlamaGenVqConfig, parseLlamaGenVqConfig } from '../../models/vq/llamagenConfig';
import { VQ_FIXTURE_DIR, readVqCases } from './fixtures';

const cases = readVqCases();
const sd = readSafetensors(path.join(VQ_FIXTURE_DIR, 'model.safetensors')).tensors;

function nchwToNhwc(x: number[][][][]): tf.Tensor4D {
  return tf.tidy(() => tf.transpose(tf.tensor4d(x), [0, 2, 3, 1]) as tf.Tensor4D);
}

describe('LlamaGen VQ against the published code (vq-tiny-16 fixture)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('reads the architecture off the weights and agrees with the fixture config', () => {
    expect(inferLlamaGenVqConfig(sd)).toEqual(parseLlamaGenVqConfig(cases.config));
  });

  it('encodes to identical indices and decode_code within 1e-4, leaving no tensors behind', () => {
    const vq = LlamaGenVq.fromStateDict(sd, parseLlamaGenVqConfig(cases.config), 'fixture');
    const before = tf.memory().numTensors;
    const x = nchwToNhwc(cases.input_nchw);
    const idx = vq.encodeTensor(x);
    expect(idx.arraySync()).toEqual(cases.indices);
    const codes = tf.tensor3d(cases.indices, undefined, 'int32');
    const dec = vq.decodeIndices(codes);
    const want = nchwToNhwc(cases.decoded_from_indices_nchw);
    const maxErr = tf.tidy(() => tf.max(tf.abs(tf.sub(dec, want))).dataSync()[0]);
    expect(maxErr).toBeLessThan(1e-4);
    tf.dispose([x, idx, codes, dec, want]);
    expect(tf.memory().numTensors).toBe(before);
    vq.dispose();
  });

  it('gives the same outputs with im2col convolutions (the training path)', () => {
    const vq = LlamaGenVq.fromStateDict(sd);
    const x = nchwToNhwc(cases.input_nchw);
    const l = tf.tidy(() => {
      const losses = vq.losses(x);
      return losses.indices.arraySync();
    });
    expect(l).toEqual(cases.indices.flat(2));
    x.dispose();
    vq.dispose();
  });

  it('loads the bare published state dict through loadTokenizer (config read off the shapes)', () => {
    const tok = loadTokenizer(path.join(VQ_FIXTURE_DIR, 'model.safetensors'));
    expect([tok.kind, tok.codebookSize, tok.codeDim, tok.downsample]).toEqual(['llamagen-vq', 64, 8, 2]);
    const x = nchwToNhwc(cases.input_nchw);
    const idx = tok.encodeTensor(x);
    expect(idx.arraySync()).toEqual(cases.indices);
    tf.dispose([x, idx]);
    tok.dispose();
  });

  it('refuses a file that is not a tokenizer, naming it', () => {
    const sdFile = path.join(VQ_FIXTURE_DIR, '../../nar/c2i-4x4/model.safetensors');
    expect(() => loadTokenizer(sdFile)).toThrow(/c2i-4x4\/model\.safetensors: not a tokenizer/);
  });

  it('names missing and misshapen keys', () => {
    const broken = new Map(sd);
    broken.delete('decoder.conv_out.bias');
    broken.set('quant_conv.bias', { shape: [9], data: new Float32Array(9) });
    expect(() => LlamaGenVq.fromStateDict(broken, parseLlamaGenVqConfig(cases.config), 'broken.safetensors')).toThrow(
      /broken\.safetensors: not a LlamaGen VQ state dict for this config \(missing decoder\.conv_out\.bias; quant_conv\.bias: expected \[8\], got \[9\]\)/,
    );
    expect(() => LlamaGenVq.fromStateDict(sd, parseLlamaGenVqConfig({ ...cases.config, ch: 64 }), 'x')).toThrow(/ch: config 64, weights 32/);
  });
});

describe('narflow vq-encode on the fixture', () => {
  const { execFileSync } = require('child_process') as typeof import('child_process');
  const fs = require('fs') as typeof import('fs');
  const os = require('os') as typeof import('os');
  const repo = path.resolve(__dirname, '../..');
  const run = (args: string[]) => execFileSync('node', [path.join(repo, 'bin/narflow.js'), 'vq-encode', ...args], { cwd: repo, encoding: 'utf8', stdio: 'pipe' });

  it('prints the fixture indices for the fixture input and config', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-vq-'));
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(cases.config));
    fs.writeFileSync(path.join(dir, 'input.json'), JSON.stringify(cases.input_nchw));
    const out = run(['--weights', path.join(VQ_FIXTURE_DIR, 'model.safetensors'), '--config', path.join(dir, 'config.json'), '--input', path.join(dir, 'input.json'), '--device', 'wasm']);
    expect(JSON.parse(out)).toEqual(cases.indices);
  });

  it('refuses a config that does not match the weights, saying which field', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-vq-'));
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...cases.config, z_channels: 16 }));
    fs.writeFileSync(path.join(dir, 'input.json'), JSON.stringify(cases.input_nchw));
    let stderr = '';
    try {
      run(['--weights', path.join(VQ_FIXTURE_DIR, 'model.safetensors'), '--config', path.join(dir, 'config.json'), '--input', path.join(dir, 'input.json'), '--device', 'wasm']);
    } catch (e) {
      stderr = String((e as { stderr: string }).stderr);
    }
    expect(stderr).toMatch(/zChannels: config 16, weights 32/);
  });
});

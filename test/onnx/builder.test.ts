import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { floatAttr, GraphBuilder } from '../../models/onnx/builder';
import { decodeModel } from '../../models/onnx/proto';
import { createSession, floatTensor, runFloat } from '../../models/onnx/session';

function matmulGraph(): GraphBuilder {
  const g = new GraphBuilder('mm');
  const x = g.input('x', 'float', ['B', 4]);
  const w = g.initializer('w', Float32Array.from({ length: 8 }, (_, i) => i - 3), [4, 2]);
  const y = g.op('MatMul', [x, w]);
  const z = g.op('LeakyRelu', [y], { alpha: floatAttr(0.5) });
  g.output(z, 'y', 'float', ['B', 2]);
  return g;
}

function expected(x: number[]): number[] {
  const w = Array.from({ length: 8 }, (_, i) => i - 3);
  const out: number[] = [];
  for (let r = 0; r < x.length / 4; r++) {
    for (let c = 0; c < 2; c++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += x[r * 4 + k] * w[k * 2 + c];
      out.push(s < 0 ? 0.5 * s : s);
    }
  }
  return out;
}

describe('GraphBuilder', () => {
  it('writes a model that onnxruntime runs with the expected result', async () => {
    const session = await createSession(matmulGraph().toBytes());
    const x = [1, 2, 3, 4, -1, 0.5, 2, -3, 0, 0, 1, 0];
    const out = await runFloat(session, { x: floatTensor(Float32Array.from(x), [3, 4]) });
    expect(out.y.dims).toEqual([3, 2]);
    Array.from(out.y.data).forEach((v, i) => expect(v).toBeCloseTo(expected(x)[i], 5));
  });

  it('round-trips through the protobuf reader (opset, names, dims, raw weights)', () => {
    const model = decodeModel(matmulGraph().toBytes({ opset: 17, metadata: { k: 'v' } }));
    expect(model.opsetImport[0].version).toBe(17);
    expect(model.graph.input[0].name).toBe('x');
    expect(model.graph.input[0].type.tensorType.shape?.dim[0].dimParam).toBe('B');
    const w = model.graph.initializer[0];
    expect(w.dims).toEqual([4, 2]);
    expect(Array.from(new Float32Array(Uint8Array.from(w.rawData!).buffer))).toEqual(Array.from({ length: 8 }, (_, i) => i - 3));
    expect(model.metadataProps).toEqual([{ key: 'k', value: 'v' }]);
  });

  it('writes external data files that onnxruntime loads by path', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-builder-'));
    const file = path.join(dir, 'mm.onnx');
    matmulGraph().writeFiles(file, { externalThreshold: 16 });
    expect(fs.statSync(`${file}.data`).size).toBeGreaterThanOrEqual(32);
    const session = await createSession(file);
    const x = [1, 2, 3, 4];
    const out = await runFloat(session, { x: floatTensor(Float32Array.from(x), [1, 4]) });
    Array.from(out.y.data).forEach((v, i) => expect(v).toBeCloseTo(expected(x)[i], 5));
    fs.rmSync(dir, { recursive: true });
  });

  it('refuses a reused value name and a wrong initializer size', () => {
    const g = new GraphBuilder();
    g.input('x', 'float', [1]);
    expect(() => g.input('x', 'float', [1])).toThrow(/'x' is used twice/);
    expect(() => g.initializer('w', new Float32Array(3), [2, 2])).toThrow(/need 4 values, got 3/);
  });
});

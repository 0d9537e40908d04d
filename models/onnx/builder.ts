// A small typed builder for ONNX graphs:
//   const g = new GraphBuilder();
//   const x = g.input('x', 'float', ['B', 4]);
//   const y = g.op('MatMul', [x, g.initializer('w', new Float32Array(8), [4, 2])]);
//   g.output(y, 'y', 'float', ['B', 2]);
//   const bytes = g.toBytes();          // or g.writeFiles('model.onnx') for external weights
import * as fs from 'fs';
import * as path from 'path';
import {
  ATTR_TYPE,
  AttributeMsg,
  encodeModel,
  GraphMsg,
  ModelMsg,
  NodeMsg,
  ONNX_DTYPE,
  OnnxElemType,
  TensorMsg,
  ValueInfoMsg,
} from './proto';

/** A named value in the graph (graph input, initializer or node output). */
export interface Value {
  readonly name: string;
}

/** A dimension: a fixed size or a symbolic name such as 'B'. */
export type Dim = number | string;

export type TensorData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array | Uint16Array;

/** Forces a number attribute to be written as FLOAT (integers are written as INT otherwise). */
export class FloatAttr {
  constructor(readonly value: number) {}
}
/** Forces a list attribute to be written as FLOATS. */
export class FloatsAttr {
  constructor(readonly values: number[]) {}
}
export const floatAttr = (v: number): FloatAttr => new FloatAttr(v);
export const floatsAttr = (v: number[]): FloatsAttr => new FloatsAttr(v);

/** A tensor-valued attribute (e.g. Constant's `value`). */
export interface TensorAttr {
  tensor: { data: TensorData; dims: number[]; type: OnnxElemType };
}

export type AttrValue = number | string | number[] | string[] | FloatAttr | FloatsAttr | TensorAttr;

export interface OpOptions {
  domain?: string;
  /** node name; also the output's name when the node has one output */
  name?: string;
  /** names for some outputs of a multi-output node (e.g. graph outputs, so no Identity is needed) */
  outputs?: Record<number, string>;
}

export interface ModelOptions {
  /** default opset of the ai.onnx domain (17) */
  opset?: number;
  /** ONNX IR version (8) */
  irVersion?: number;
  producer?: string;
  metadata?: Record<string, string>;
}

export interface WriteOptions extends ModelOptions {
  /** tensors at least this many bytes go to `<file>.data` (default 1024) */
  externalThreshold?: number;
}

const DEFAULT_OPSET = 17;
const DEFAULT_IR = 8;
const PROTOBUF_LIMIT = 2 ** 31 - 1;

interface Initializer {
  name: string;
  dims: number[];
  type: OnnxElemType;
  bytes: Uint8Array;
}

export class GraphBuilder {
  private readonly nodes: NodeMsg[] = [];
  private readonly inits: Initializer[] = [];
  private readonly inputs: ValueInfoMsg[] = [];
  private readonly outputs: ValueInfoMsg[] = [];
  private readonly names = new Set<string>();
  private readonly domains = new Map<string, number>();
  private readonly int64Cache = new Map<string, Value>();
  private counter = 0;

  constructor(readonly name = 'graph') {}

  /** Declares a graph input. */
  input(name: string, type: OnnxElemType, dims: Dim[]): Value {
    this.claim(name);
    this.inputs.push(valueInfo(name, type, dims));
    return { name };
  }

  /** Adds a named weight tensor; `data.length` must equal the product of `dims`. */
  initializer(name: string, data: TensorData | number[], dims: number[], type?: OnnxElemType): Value {
    this.claim(name);
    const typed = Array.isArray(data) ? toTyped(data, type ?? 'float') : data;
    const elemType = type ?? inferType(typed);
    const count = dims.reduce((a, b) => a * b, 1);
    if (typed.length !== count) {
      throw new Error(`initializer '${name}': dims [${dims}] need ${count} values, got ${typed.length}`);
    }
    this.inits.push({ name, dims: [...dims], type: elemType, bytes: new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength) });
    return { name };
  }

  /** An auto-named constant tensor. */
  constant(data: TensorData | number[], dims: number[], type?: OnnxElemType): Value {
    return this.initializer(this.fresh('const'), data, dims, type);
  }

  /** A 1-D int64 constant (shapes, axes, indices); identical lists are shared. */
  int64s(values: number[]): Value {
    const key = values.join(',');
    const hit = this.int64Cache.get(key);
    if (hit) return hit;
    const v = this.initializer(this.fresh('i64'), BigInt64Array.from(values.map(BigInt)), [values.length], 'int64');
    this.int64Cache.set(key, v);
    return v;
  }

  /** A scalar constant (rank 0). */
  scalar(value: number, type: OnnxElemType = 'float'): Value {
    return this.initializer(this.fresh('scalar'), toTyped([value], type), [], type);
  }

  /** Adds a node with one output and returns it. `null` inputs are skipped optional inputs. */
  op(opType: string, inputs: (Value | null)[], attrs: Record<string, AttrValue> = {}, opts: OpOptions = {}): Value {
    return this.opN(opType, inputs, 1, attrs, opts)[0];
  }

  /** Adds a node with `nOutputs` outputs. */
  opN(opType: string, inputs: (Value | null)[], nOutputs: number, attrs: Record<string, AttrValue> = {}, opts: OpOptions = {}): Value[] {
    const nodeName = opts.name ?? this.fresh(opType);
    const outputs = Array.from({ length: nOutputs }, (_, i) => opts.outputs?.[i] ?? (nOutputs === 1 ? nodeName : `${nodeName}:${i}`));
    outputs.forEach((o) => this.claim(o));
    const domain = opts.domain ?? '';
    if (domain && !this.domains.has(domain)) this.domains.set(domain, 1);
    this.nodes.push({
      input: inputs.map((v) => (v ? v.name : '')),
      output: outputs,
      name: nodeName,
      opType,
      domain: domain || undefined,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outputs.map((name) => ({ name }));
  }

  /** Marks `v` as a graph output named `name` (an Identity is inserted when the names differ). */
  output(v: Value, name: string, type: OnnxElemType, dims: Dim[]): Value {
    const out = v.name === name ? v : this.op('Identity', [v], {}, { name });
    this.outputs.push(valueInfo(name, type, dims));
    return out;
  }

  /** Declares the opset version of a non-default domain (e.g. 'com.microsoft'). */
  useDomain(domain: string, version: number): void {
    this.domains.set(domain, version);
  }

  /** Total bytes of all initializers. */
  weightBytes(): number {
    return this.inits.reduce((a, t) => a + t.bytes.byteLength, 0);
  }

  toModel(opts: ModelOptions = {}, external?: (t: Initializer) => TensorMsg | null): ModelMsg {
    const graph: GraphMsg = {
      name: this.name,
      node: this.nodes,
      initializer: this.inits.map((t) => external?.(t) ?? { name: t.name, dims: t.dims, dataType: ONNX_DTYPE[t.type], rawData: t.bytes }),
      input: this.inputs,
      output: this.outputs,
    };
    return {
      irVersion: opts.irVersion ?? DEFAULT_IR,
      producerName: opts.producer ?? 'narflow',
      producerVersion: '1',
      graph,
      opsetImport: [{ domain: '', version: opts.opset ?? DEFAULT_OPSET }, ...[...this.domains].map(([domain, version]) => ({ domain, version }))],
      metadataProps: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
    };
  }

  /** The whole model, weights inline, as ONNX bytes (below protobuf's 2 GiB limit). */
  toBytes(opts: ModelOptions = {}): Uint8Array {
    if (this.weightBytes() >= PROTOBUF_LIMIT) {
      throw new Error(`model weights are ${this.weightBytes()} bytes, over protobuf's 2 GiB limit: use writeFiles()`);
    }
    return encodeModel(this.toModel(opts));
  }

  /** Writes `file` and, for tensors over the threshold, `file + '.data'` (ONNX external data). */
  writeFiles(file: string, opts: WriteOptions = {}): void {
    const threshold = opts.externalThreshold ?? 1024;
    const dataName = `${path.basename(file)}.data`;
    const fd = fs.openSync(`${file}.data`, 'w');
    let offset = 0;
    try {
      const model = this.toModel(opts, (t) => {
        if (t.bytes.byteLength < threshold) return null;
        const start = offset;
        fs.writeSync(fd, t.bytes, 0, t.bytes.byteLength, start);
        offset = start + t.bytes.byteLength;
        const pad = (64 - (offset % 64)) % 64; // keep every tensor 64-byte aligned
        if (pad) fs.writeSync(fd, new Uint8Array(pad), 0, pad, offset);
        offset += pad;
        return {
          name: t.name,
          dims: t.dims,
          dataType: ONNX_DTYPE[t.type],
          dataLocation: 1,
          externalData: [
            { key: 'location', value: dataName },
            { key: 'offset', value: String(start) },
            { key: 'length', value: String(t.bytes.byteLength) },
          ],
        };
      });
      fs.writeFileSync(file, encodeModel(model));
    } finally {
      fs.closeSync(fd);
    }
  }

  private claim(name: string): void {
    if (this.names.has(name)) throw new Error(`graph value name '${name}' is used twice`);
    this.names.add(name);
  }

  private fresh(prefix: string): string {
    let name = `${prefix}_${this.counter++}`;
    while (this.names.has(name)) name = `${prefix}_${this.counter++}`;
    return name;
  }
}

function valueInfo(name: string, type: OnnxElemType, dims: Dim[]): ValueInfoMsg {
  return {
    name,
    type: {
      tensorType: {
        elemType: ONNX_DTYPE[type],
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function inferType(data: TensorData): OnnxElemType {
  if (data instanceof Float32Array) return 'float';
  if (data instanceof Float64Array) return 'double';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint16Array) return 'float16';
  return 'uint8';
}

function toTyped(values: number[], type: OnnxElemType): TensorData {
  switch (type) {
    case 'float':
      return Float32Array.from(values);
    case 'double':
      return Float64Array.from(values);
    case 'int32':
      return Int32Array.from(values);
    case 'int64':
      return BigInt64Array.from(values.map((v) => BigInt(Math.trunc(v))));
    case 'int8':
      return Int8Array.from(values);
    case 'uint8':
    case 'bool':
      return Uint8Array.from(values);
    default:
      throw new Error(`cannot build a ${type} tensor from a number list; pass a typed array`);
  }
}

function attribute(name: string, v: AttrValue): AttributeMsg {
  if (v instanceof FloatAttr) return { name, type: ATTR_TYPE.FLOAT, f: v.value };
  if (v instanceof FloatsAttr) return { name, type: ATTR_TYPE.FLOATS, floats: v.values };
  if (typeof v === 'number') {
    return Number.isInteger(v) ? { name, type: ATTR_TYPE.INT, i: v } : { name, type: ATTR_TYPE.FLOAT, f: v };
  }
  if (typeof v === 'string') return { name, type: ATTR_TYPE.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'string')) {
      return { name, type: ATTR_TYPE.STRINGS, strings: (v as string[]).map((s) => new TextEncoder().encode(s)) };
    }
    const nums = v as number[];
    return nums.every(Number.isInteger) ? { name, type: ATTR_TYPE.INTS, ints: nums } : { name, type: ATTR_TYPE.FLOATS, floats: nums };
  }
  const { data, dims, type } = v.tensor;
  return {
    name,
    type: ATTR_TYPE.TENSOR,
    t: { name, dims, dataType: ONNX_DTYPE[type], rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) },
  };
}

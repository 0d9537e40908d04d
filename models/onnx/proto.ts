// The subset of the ONNX protobuf schema (onnx/onnx.proto3) that the graph builder writes:
// ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto (raw or external data),
// ValueInfoProto / TypeProto.Tensor / TensorShapeProto, OperatorSetIdProto and
// StringStringEntryProto. Field numbers follow the public schema so ORT reads what we write.
import * as protobuf from 'protobufjs';

/** ONNX TensorProto.DataType codes for the element types the builder supports. */
export const ONNX_DTYPE = {
  float: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  double: 11,
} as const;

export type OnnxElemType = keyof typeof ONNX_DTYPE;

/** AttributeProto.AttributeType codes. */
export const ATTR_TYPE = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

const SCHEMA = {
  nested: {
    onnx: {
      nested: {
        StringStringEntryProto: { fields: { key: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        OperatorSetIdProto: { fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } } },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1 },
            dataType: { type: 'int32', id: 2 },
            floatData: { rule: 'repeated', type: 'float', id: 4 },
            int32Data: { rule: 'repeated', type: 'int32', id: 5 },
            int64Data: { rule: 'repeated', type: 'int64', id: 7 },
            name: { type: 'string', id: 8 },
            rawData: { type: 'bytes', id: 9 },
            docString: { type: 'string', id: 12 },
            externalData: { rule: 'repeated', type: 'StringStringEntryProto', id: 13 },
            dataLocation: { type: 'int32', id: 14 },
          },
        },
        TensorShapeProto: {
          fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ['dimValue', 'dimParam'] } },
              fields: { dimValue: { type: 'int64', id: 1 }, dimParam: { type: 'string', id: 2 } },
            },
          },
        },
        TypeProto: {
          fields: { tensorType: { type: 'Tensor', id: 1 } },
          nested: {
            Tensor: { fields: { elemType: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } } },
          },
        },
        ValueInfoProto: {
          fields: { name: { type: 'string', id: 1 }, type: { type: 'TypeProto', id: 2 }, docString: { type: 'string', id: 3 } },
        },
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 },
            g: { type: 'GraphProto', id: 6 },
            floats: { rule: 'repeated', type: 'float', id: 7 },
            ints: { rule: 'repeated', type: 'int64', id: 8 },
            strings: { rule: 'repeated', type: 'bytes', id: 9 },
            docString: { type: 'string', id: 13 },
            type: { type: 'int32', id: 20 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            opType: { type: 'string', id: 4 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
            docString: { type: 'string', id: 6 },
            domain: { type: 'string', id: 7 },
          },
        },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            docString: { type: 'string', id: 10 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
            valueInfo: { rule: 'repeated', type: 'ValueInfoProto', id: 13 },
          },
        },
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            producerName: { type: 'string', id: 2 },
            producerVersion: { type: 'string', id: 3 },
            domain: { type: 'string', id: 4 },
            modelVersion: { type: 'int64', id: 5 },
            docString: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
            opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
            metadataProps: { rule: 'repeated', type: 'StringStringEntryProto', id: 14 },
          },
        },
      },
    },
  },
};

// Plain-object shapes of the messages (camelCase, as protobufjs maps them).
export interface StringStringEntry {
  key: string;
  value: string;
}
export interface TensorMsg {
  name: string;
  dims: number[];
  dataType: number;
  rawData?: Uint8Array;
  externalData?: StringStringEntry[];
  dataLocation?: number;
  docString?: string;
}
export interface DimensionMsg {
  dimValue?: number;
  dimParam?: string;
}
export interface ValueInfoMsg {
  name: string;
  type: { tensorType: { elemType: number; shape?: { dim: DimensionMsg[] } } };
  docString?: string;
}
export interface AttributeMsg {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorMsg;
  g?: GraphMsg;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
}
export interface NodeMsg {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  domain?: string;
  attribute: AttributeMsg[];
}
export interface GraphMsg {
  name: string;
  node: NodeMsg[];
  initializer: TensorMsg[];
  input: ValueInfoMsg[];
  output: ValueInfoMsg[];
  valueInfo?: ValueInfoMsg[];
  docString?: string;
}
export interface ModelMsg {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  docString?: string;
  graph: GraphMsg;
  opsetImport: { domain: string; version: number }[];
  metadataProps?: StringStringEntry[];
}

/** The protobufjs message types, built once from SCHEMA (immutable after construction). */
export interface OnnxTypes {
  ModelProto: protobuf.Type;
  GraphProto: protobuf.Type;
  TensorProto: protobuf.Type;
}

export function onnxTypes(): OnnxTypes {
  const root = protobuf.Root.fromJSON(SCHEMA);
  return {
    ModelProto: root.lookupType('onnx.ModelProto'),
    GraphProto: root.lookupType('onnx.GraphProto'),
    TensorProto: root.lookupType('onnx.TensorProto'),
  };
}

/** Serialise a model message to ONNX protobuf bytes. */
export function encodeModel(model: ModelMsg, types: OnnxTypes = onnxTypes()): Uint8Array {
  const msg = types.ModelProto.fromObject(model as unknown as Record<string, unknown>);
  return types.ModelProto.encode(msg).finish();
}

/** Parse ONNX protobuf bytes back into a plain object (int64 fields as numbers, bytes as Uint8Array). */
export function decodeModel(bytes: Uint8Array, types: OnnxTypes = onnxTypes()): ModelMsg {
  const msg = types.ModelProto.decode(bytes);
  return types.ModelProto.toObject(msg, { longs: Number, defaults: false, arrays: true }) as unknown as ModelMsg;
}

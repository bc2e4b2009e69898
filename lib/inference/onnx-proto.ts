/**
 * The subset of the ONNX protobuf schema (onnx/onnx.proto, field numbers from the ONNX IR spec)
 * needed to write models, as a protobufjs reflection root. Encoding goes through protobufjs, so
 * wire-format details (varints, packed fields, lengths) are handled by a maintained library.
 */
import protobuf from "protobufjs";

const rep = (type: string, id: number) => ({ rule: "repeated", type, id });
const one = (type: string, id: number) => ({ type, id });

const root = protobuf.Root.fromJSON({
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            ir_version: one("int64", 1),
            producer_name: one("string", 2),
            producer_version: one("string", 3),
            domain: one("string", 4),
            model_version: one("int64", 5),
            doc_string: one("string", 6),
            graph: one("GraphProto", 7),
            opset_import: rep("OperatorSetIdProto", 8),
            metadata_props: rep("StringStringEntryProto", 14),
          },
        },
        OperatorSetIdProto: { fields: { domain: one("string", 1), version: one("int64", 2) } },
        StringStringEntryProto: { fields: { key: one("string", 1), value: one("string", 2) } },
        GraphProto: {
          fields: {
            node: rep("NodeProto", 1),
            name: one("string", 2),
            initializer: rep("TensorProto", 5),
            doc_string: one("string", 10),
            input: rep("ValueInfoProto", 11),
            output: rep("ValueInfoProto", 12),
            value_info: rep("ValueInfoProto", 13),
          },
        },
        NodeProto: {
          fields: {
            input: rep("string", 1),
            output: rep("string", 2),
            name: one("string", 3),
            op_type: one("string", 4),
            attribute: rep("AttributeProto", 5),
            doc_string: one("string", 6),
            domain: one("string", 7),
          },
        },
        AttributeProto: {
          fields: {
            name: one("string", 1),
            f: one("float", 2),
            i: one("int64", 3),
            s: one("bytes", 4),
            t: one("TensorProto", 5),
            floats: rep("float", 7),
            ints: rep("int64", 8),
            type: one("int32", 20),
          },
        },
        TensorProto: {
          fields: {
            dims: rep("int64", 1),
            data_type: one("int32", 2),
            float_data: rep("float", 4),
            int64_data: rep("int64", 7),
            name: one("string", 8),
            raw_data: one("bytes", 9),
          },
        },
        ValueInfoProto: { fields: { name: one("string", 1), type: one("TypeProto", 2), doc_string: one("string", 3) } },
        TypeProto: { fields: { tensor_type: one("TypeProtoTensor", 1) } },
        TypeProtoTensor: { fields: { elem_type: one("int32", 1), shape: one("TensorShapeProto", 2) } },
        TensorShapeProto: { fields: { dim: rep("Dimension", 1) } },
        Dimension: { fields: { dim_value: one("int64", 1), dim_param: one("string", 2) } },
      },
    },
  },
});

export const ModelProto = root.lookupType("onnx.ModelProto");

/** TensorProto.DataType values. */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7 } as const;
/** AttributeProto.AttributeType values. */
export const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

export interface TensorMsg {
  name?: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}
export interface AttributeMsg {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorMsg;
  floats?: number[];
  ints?: number[];
}
export interface NodeMsg {
  op_type: string;
  name: string;
  input: string[];
  output: string[];
  attribute: AttributeMsg[];
}
export interface ValueInfoMsg {
  name: string;
  type: { tensor_type: { elem_type: number; shape: { dim: ({ dim_value: number } | { dim_param: string })[] } } };
}

export function tensorMsg(name: string, data: Float32Array | BigInt64Array, dims: number[]): TensorMsg {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  return { name, dims, data_type: data instanceof Float32Array ? DataType.FLOAT : DataType.INT64, raw_data: bytes };
}

export function valueInfo(name: string, elemType: number, dims: (number | string)[]): ValueInfoMsg {
  return {
    name,
    type: { tensor_type: { elem_type: elemType, shape: { dim: dims.map((d) => (typeof d === "number" ? { dim_value: d } : { dim_param: d })) } } },
  };
}

/** Serialises a ModelProto given as a plain object (verified against the schema first). */
export function encodeModel(model: Record<string, unknown>): Uint8Array {
  const err = ModelProto.verify(model);
  if (err) throw new Error(`invalid ONNX model: ${err}`);
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}

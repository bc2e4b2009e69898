import { GELU_TANH_C, LAYER_NORM_EPS, inputChannels, type Activation, type ForecastModel, type NamedArray, type Ops, type ParamInit } from "@/lib/models";
import { AttrType, DataType, encodeModel, tensorMsg, valueInfo, type AttributeMsg, type NodeMsg, type TensorMsg } from "./onnx-proto";

/** Opset used by exported models (LayerNormalization needs 17; ScatterND reduction needs 16). */
export const ONNX_OPSET = 17;
/** IR version matching opset 17. */
export const ONNX_IR_VERSION = 8;
export const ONNX_INPUT_NAME = "input";
export const ONNX_OUTPUT_NAME = "output";

const attrInt = (name: string, i: number): AttributeMsg => ({ name, type: AttrType.INT, i });
const attrInts = (name: string, ints: number[]): AttributeMsg => ({ name, type: AttrType.INTS, ints });
const attrFloat = (name: string, f: number): AttributeMsg => ({ name, type: AttrType.FLOAT, f });
const attrString = (name: string, s: string): AttributeMsg => ({ name, type: AttrType.STRING, s: new TextEncoder().encode(s) });

/**
 * Ops that emit ONNX nodes instead of computing: values are tensor names. Parameters become
 * initializers holding the trained weights; graph indices become int64 initializers.
 * Standard ai.onnx ops only: MatMul, Add, Mul, Tanh, Sigmoid, Relu, LayerNormalization, Gather,
 * ScatterND (reduction add), Shape, Slice, Concat, ConstantOfShape, Transpose, Reshape.
 */
export class OnnxOps implements Ops<string> {
  readonly nodes: NodeMsg[] = [];
  readonly initializers: TensorMsg[] = [];
  private readonly names = new Set<string>();
  private readonly indexData = new Map<string, Int32Array>();
  private readonly scalars = new Map<number, string>();
  private counter = 0;

  constructor(private readonly weights: Map<string, NamedArray>) {}

  private fresh(op: string): string {
    return `${op.toLowerCase()}_${this.counter++}`;
  }

  private init(name: string, data: Float32Array | BigInt64Array, dims: number[]): string {
    if (!this.names.has(name)) {
      this.names.add(name);
      this.initializers.push(tensorMsg(name, data, dims));
    }
    return name;
  }

  node(op: string, inputs: string[], attribute: AttributeMsg[] = []): string {
    const out = this.fresh(op);
    this.nodes.push({ op_type: op, name: `${out}_node`, input: inputs, output: [out], attribute });
    return out;
  }

  private scalar(v: number): string {
    let s = this.scalars.get(v);
    if (!s) {
      s = this.init(`const_${this.scalars.size}`, Float32Array.of(v), []);
      this.scalars.set(v, s);
    }
    return s;
  }

  private int64(name: string, values: ArrayLike<number>, dims: number[]): string {
    return this.init(name, BigInt64Array.from(Array.from(values), (v) => BigInt(v)), dims);
  }

  param(name: string, shape: number[], _init: ParamInit): string {
    const w = this.weights.get(name);
    if (!w) throw new Error(`ONNX export: no value for parameter ${name}`);
    if (w.shape.join() !== shape.join()) throw new Error(`ONNX export: parameter ${name} has shape [${w.shape}], expected [${shape}]`);
    return this.init(`param/${name}`, w.data, shape);
  }

  constFloat(name: string, data: Float32Array, shape: number[]): string {
    return this.init(`const/${name}`, data, shape);
  }

  constIndex(name: string, data: Int32Array): string {
    const id = `index/${name}`;
    this.indexData.set(id, data);
    return this.int64(id, data, [data.length]);
  }

  matmul(x: string, w: string): string {
    return this.node("MatMul", [x, w]);
  }

  add(a: string, b: string): string {
    return this.node("Add", [a, b]);
  }

  mul(a: string, b: string): string {
    return this.node("Mul", [a, b]);
  }

  div(a: string, b: string): string {
    return this.node("Div", [a, b]);
  }

  exp(x: string): string {
    return this.node("Exp", [x]);
  }

  act(x: string, kind: Activation): string {
    switch (kind) {
      case "relu":
        return this.node("Relu", [x]);
      case "tanh":
        return this.node("Tanh", [x]);
      case "silu":
        return this.mul(x, this.node("Sigmoid", [x]));
      case "gelu": {
        // Same expression and order as tfActivation: x/2 · (1 + tanh(x·(c + c·0.044715·x²))).
        const inner = this.mul(x, this.add(this.scalar(GELU_TANH_C), this.mul(this.mul(x, x), this.scalar(GELU_TANH_C * 0.044715))));
        return this.mul(this.mul(x, this.scalar(0.5)), this.add(this.scalar(1), this.node("Tanh", [inner])));
      }
    }
  }

  layerNorm(x: string, gamma: string, beta: string): string {
    return this.node("LayerNormalization", [x, gamma, beta], [attrInt("axis", -1), attrFloat("epsilon", LAYER_NORM_EPS)]);
  }

  gather(x: string, idx: string): string {
    return this.node("Gather", [x, idx], [attrInt("axis", 0)]);
  }

  segmentSum(x: string, idx: string, n: number): string {
    const data = this.indexData.get(idx);
    if (!data) throw new Error(`ONNX export: segment ids ${idx} are not a graph index constant`);
    const nd = this.int64(`${idx}/nd`, data, [data.length, 1]);
    // zeros of shape [n, ...x.shape[1:]], then ScatterND with reduction "add".
    const tail = this.node("Slice", [this.node("Shape", [x]), this.int64("const/one", [1], [1]), this.int64("const/big", [2 ** 31 - 1], [1])]);
    const shape = this.node("Concat", [this.int64(`const/n${n}`, [n], [1]), tail], [attrInt("axis", 0)]);
    const zeros = this.node("ConstantOfShape", [shape], [{ name: "value", type: AttrType.TENSOR, t: tensorMsg("", Float32Array.of(0), [1]) }]);
    return this.node("ScatterND", [zeros, nd, x], [attrString("reduction", "add")]);
  }

  transpose(x: string, perm: number[]): string {
    return this.node("Transpose", [x], [attrInts("perm", perm)]);
  }

  reshape(x: string, shape: number[]): string {
    return this.node("Reshape", [x, this.int64(`const/shape_${shape.join("_").replace(/-/g, "m")}`, shape, [shape.length])]);
  }

  scope<R extends string | string[]>(_name: string, inputs: string[], fn: (...inputs: string[]) => R): R {
    return fn(...inputs);
  }

  /** Renames the last node's output (to give the graph output its public name). */
  renameOutput(from: string, to: string): void {
    for (const n of this.nodes) {
      n.output = n.output.map((o) => (o === from ? to : o));
      n.input = n.input.map((i) => (i === from ? to : i));
    }
  }
}

export interface OnnxExportOptions {
  producerVersion?: string;
  /** Free-form key/values stored in the ONNX model's metadata_props. */
  metadataProps?: Record<string, string>;
}

/**
 * Builds the ONNX model of a trained ForecastModel: input "input" float32 [batch, T, N, V],
 * output "output" float32 [batch, N, P] (normalised tendencies). The forward pass is the same
 * code as in training (see lib/models/ops.ts), traced with OnnxOps.
 */
export function exportOnnx(model: ForecastModel, options: OnnxExportOptions = {}): Uint8Array {
  const weights = new Map(model.params.export().map((w) => [w.name, w]));
  const ops = new OnnxOps(weights);
  const io = model.io, n = model.numPoints;
  const y = model.trace(ops, ONNX_INPUT_NAME);
  ops.renameOutput(y, ONNX_OUTPUT_NAME);
  const graph = {
    name: "isobar_forecast_model",
    node: ops.nodes,
    initializer: ops.initializers,
    input: [valueInfo(ONNX_INPUT_NAME, DataType.FLOAT, ["batch", io.multistepInput, n, inputChannels(io)])],
    output: [valueInfo(ONNX_OUTPUT_NAME, DataType.FLOAT, ["batch", n, io.numPrognostic])],
  };
  return encodeModel({
    ir_version: ONNX_IR_VERSION,
    producer_name: "isobar",
    producer_version: options.producerVersion ?? "0.1.0",
    opset_import: [{ domain: "", version: ONNX_OPSET }],
    graph,
    metadata_props: Object.entries(options.metadataProps ?? {}).map(([key, value]) => ({ key, value })),
  });
}

import type { EncProcDecGraph } from "@/lib/graphs";
import { NUM_EDGE_ATTRIBUTES } from "@/lib/graphs";
import { TfOps, type Ops, type ParamInit } from "./ops";
import { ParamStore } from "./params";
import { inputChannels, ModelIoSchema, ModelSpecSchema, type ModelIo, type ModelIoInput, type ModelSpec, type ModelSpecInput } from "./spec";
import { tf } from "./tf";

/** Static data a model is built on: the data points and, for graph models, the graph. */
export interface ModelGeometry {
  /** Data-node latitudes/longitudes in degrees (the dataset grid's point order). */
  latitudes: Float64Array;
  longitudes: Float64Array;
  graph: EncProcDecGraph | null;
}

/** Number of static features per node: cos/sin of latitude and longitude. */
export const NUM_STATIC_FEATURES = 4;

function staticFeatures(lat: Float64Array, lon: Float64Array): Float32Array {
  const n = lat.length;
  const out = new Float32Array(NUM_STATIC_FEATURES * n);
  for (let i = 0; i < n; i++) {
    const p = (lat[i] * Math.PI) / 180, l = (lon[i] * Math.PI) / 180;
    out[4 * i] = Math.cos(p);
    out[4 * i + 1] = Math.sin(p);
    out[4 * i + 2] = Math.cos(l);
    out[4 * i + 3] = Math.sin(l);
  }
  return out;
}

interface Part<T> {
  key: string;
  x: T;
  width: number;
}

/** The forward pass, written once against `Ops` (see ops.ts). x: [B, T, N, V] → [B, N, P]. */
export function forward<T>(ops: Ops<T>, spec: ModelSpec, io: ModelIo, geom: ModelGeometry, x: T): T {
  const C = spec.num_channels;
  const act = spec.activation;
  const n = geom.latitudes.length;
  const vin = io.multistepInput * inputChannels(io);

  const linearParts = (prefix: string, parts: Part<T>[], out: number): T => {
    const fanIn = parts.reduce((a, p) => a + p.width, 0);
    let acc: T | null = null;
    for (const p of parts) {
      const y = ops.matmul(p.x, ops.param(`${prefix}.w_${p.key}`, [p.width, out], { kind: "uniform", fanIn }));
      acc = acc === null ? y : ops.add(acc, y);
    }
    return ops.add(acc as T, ops.param(`${prefix}.b`, [out], { kind: "uniform", fanIn }));
  };
  /** After the first (summed) layer: activation, extra layers, output layer, layer norm. */
  const mlpTail = (prefix: string, first: T, extra: number): T => {
    let h = ops.act(first, act);
    for (let k = 0; k < extra; k++) h = ops.act(linearParts(`${prefix}.extra${k}`, [{ key: "h", x: h, width: C }], C), act);
    h = linearParts(`${prefix}.l2`, [{ key: "h", x: h, width: C }], C);
    return ops.layerNorm(h, ops.param(`${prefix}.ln_g`, [C], { kind: "ones" }), ops.param(`${prefix}.ln_b`, [C], { kind: "zeros" }));
  };
  const mlp = (prefix: string, parts: Part<T>[], extra = 0) => mlpTail(prefix, linearParts(`${prefix}.l1`, parts, C), extra);

  // [B, T, N, V] → [N, B, T·V]
  const xin = ops.reshape(ops.transpose(x, [2, 0, 1, 3]), [0, 0, -1]);
  const dataStatic = ops.constFloat("data.static", staticFeatures(geom.latitudes, geom.longitudes), [n, 1, NUM_STATIC_FEATURES]);

  if (spec.processor.type === "mlp") {
    const dims = spec.processor.hidden_dims;
    let h = ops.act(
      linearParts("mlp.l0", [
        { key: "x", x: xin, width: vin },
        { key: "static", x: dataStatic, width: NUM_STATIC_FEATURES },
      ], dims[0]),
      act,
    );
    for (let k = 1; k < dims.length; k++) h = ops.act(linearParts(`mlp.l${k}`, [{ key: "h", x: h, width: dims[k - 1] }], dims[k]), act);
    const y = linearParts("mlp.out", [{ key: "h", x: h, width: dims[dims.length - 1] }], io.numPrognostic);
    return ops.transpose(y, [1, 0, 2]);
  }

  const g = geom.graph;
  if (!g) throw new Error("a gnn model needs a graph");
  if (g.nodes.data.size !== n) throw new Error(`graph has ${g.nodes.data.size} data nodes, the grid ${n} points`);
  const nh = g.nodes.hidden.size;
  const extra = spec.processor.type === "gnn" ? spec.processor.mlp_extra_layers : 0;
  const td = spec.trainable_size.data, th = spec.trainable_size.hidden;

  // Node embeddings: data [N, B, C]; hidden [Nh, 1, C] (the same for every batch member).
  let hd = ops.scope("embed.data", [xin], (xi) => {
    const parts: Part<T>[] = [
      { key: "x", x: xi, width: vin },
      { key: "static", x: dataStatic, width: NUM_STATIC_FEATURES },
    ];
    if (td > 0) parts.push({ key: "trainable", x: ops.param("data.trainable", [n, 1, td], { kind: "normal", std: 0.1 }), width: td });
    return mlp("embed.data", parts, extra);
  });
  const hiddenStatic = ops.constFloat("hidden.static", staticFeatures(g.nodes.hidden.latitudes, g.nodes.hidden.longitudes), [nh, 1, NUM_STATIC_FEATURES]);
  let hh = ops.scope("embed.hidden", [], () => {
    const parts: Part<T>[] = [{ key: "static", x: hiddenStatic, width: NUM_STATIC_FEATURES }];
    if (th > 0) parts.push({ key: "trainable", x: ops.param("hidden.trainable", [nh, 1, th], { kind: "normal", std: 0.1 }), width: th });
    return mlp("embed.hidden", parts, extra);
  });

  /** Edges as graph constants; `chunk`/`of` select a contiguous part (constants keep their plain names when of = 1). */
  const edgeSet = (name: "encoder" | "processor" | "decoder", chunk = 0, of = 1) => {
    const e = g.edges[name];
    const lo = Math.floor((chunk * e.size) / of), hi = Math.floor(((chunk + 1) * e.size) / of);
    const tag = of === 1 ? name : `${name}.chunk${chunk}of${of}`;
    return {
      size: hi - lo,
      src: ops.constIndex(`${tag}.src`, e.src.subarray(lo, hi)),
      dst: ops.constIndex(`${tag}.dst`, e.dst.subarray(lo, hi)),
      attr: ops.constFloat(`${tag}.attr`, e.attributes.subarray(lo * NUM_EDGE_ATTRIBUTES, hi * NUM_EDGE_ATTRIBUTES), [hi - lo, 1, NUM_EDGE_ATTRIBUTES]),
    };
  };
  /** Node projections of the first message layer, W_s·h_src and W_d·h_dst (before the gather). */
  const project = (prefix: string, hs: T, ht: T): [T, T] => {
    const fanIn = 3 * C;
    const ws = ops.param(`${prefix}.l1.w_src`, [C, C], { kind: "uniform", fanIn });
    const wd = ops.param(`${prefix}.l1.w_dst`, [C, C], { kind: "uniform", fanIn });
    return [ops.matmul(hs, ws), ops.matmul(ht, wd)];
  };
  /** First message layer from the projections: (W_s·h_src)[src] + (W_d·h_dst)[dst] + W_e·e + b. */
  const messageFirst = (prefix: string, [ps, pt]: [T, T], e: T, es: ReturnType<typeof edgeSet>) => {
    const fanIn = 3 * C;
    const we = ops.param(`${prefix}.l1.w_edge`, [C, C], { kind: "uniform", fanIn });
    const b = ops.param(`${prefix}.l1.b`, [C], { kind: "uniform", fanIn });
    return ops.add(ops.add(ops.add(ops.gather(ps, es.src), ops.gather(pt, es.dst)), ops.matmul(e, we)), b);
  };
  /**
   * Encoder/decoder aggregation: Σ_dst MLP(e, h_src[src], h_dst[dst]) into `nDst` nodes, with e
   * the embedded edge attributes. The node projections are one block; the edges are processed in
   * spec.edge_chunks contiguous chunks, each its own block, so with activation checkpointing only
   * one chunk's edge activations are alive in the backward pass.
   */
  const aggregate = (name: "encoder" | "decoder", prefix: string, nDst: number, hs: T, ht: T): T => {
    const [ps, pt] = ops.scope(`${name}.project`, [hs, ht], (hs, ht) => project(`${prefix}.msg`, hs, ht));
    const k = Math.min(spec.edge_chunks, g.edges[name].size);
    let agg: T | null = null;
    for (let c = 0; c < k; c++) {
      const part = ops.scope(`${name}.edges${k === 1 ? "" : c}`, [ps, pt], (ps, pt) => {
        const es = edgeSet(name, c, k);
        const e = mlp(`${prefix}.edge_embed`, [{ key: "attr", x: es.attr, width: NUM_EDGE_ATTRIBUTES }]);
        return ops.segmentSum(mlpTail(`${prefix}.msg`, messageFirst(`${prefix}.msg`, [ps, pt], e, es), extra), es.dst, nDst);
      });
      agg = agg === null ? part : ops.add(agg, part);
    }
    return agg as T;
  };

  // Encoder: data → hidden.
  const encAgg = aggregate("encoder", "enc", nh, hd, hh);
  [hh, hd] = ops.scope("encoder", [hh, hd, encAgg], (hh, hd, encAgg) => [
    ops.add(hh, mlp("enc.node", [{ key: "h", x: hh, width: C }, { key: "agg", x: encAgg, width: C }], extra)),
    ops.add(hd, mlp("enc.data", [{ key: "h", x: hd, width: C }], extra)),
  ]);

  /**
   * Graph-transformer processor (pre-norm, as anemoi's GraphTransformer): per layer, queries of
   * the receiving node, keys and values of the sending node plus a projection of the edge
   * embedding; per-head scores q·k/√d_head, soft-capped to ±5 by 5·tanh(s/5) so the softmax
   * needs no per-node maximum; softmax over each receiving node's incoming edges with segment
   * sums; the weighted sum of values, an output projection and a residual; then a residual MLP
   * of width mlp_hidden_ratio·C. Heads are summed and expanded by constant 0/1 matrices.
   */
  function transformerProcessor(h0: T, pe: T): T {
    if (spec.processor.type !== "transformer") throw new Error("not a transformer processor");
    const { num_heads: H, num_layers: L, mlp_hidden_ratio: ratio } = spec.processor;
    if (C % H !== 0) throw new Error(`transformer: num_channels ${C} is not a multiple of num_heads ${H}`);
    const dh = C / H;
    const headSum = new Float32Array(C * H), headExpand = new Float32Array(H * C);
    for (let c = 0; c < C; c++) {
      headSum[c * H + Math.floor(c / dh)] = 1 / Math.sqrt(dh);
      headExpand[Math.floor(c / dh) * C + c] = 1;
    }
    const sumHeads = ops.constFloat(`proc.head_sum_${C}_${H}`, headSum, [C, H]);
    const expandHeads = ops.constFloat(`proc.head_expand_${H}_${C}`, headExpand, [H, C]);
    const cap = 5;
    const invCap = ops.constFloat("proc.inv_cap", Float32Array.of(1 / cap), [1]);
    const capT = ops.constFloat("proc.cap", Float32Array.of(cap), [1]);
    const lin = (name: string, x: T, fanIn: number, out: number) => ops.add(ops.matmul(x, ops.param(`${name}.w`, [fanIn, out], { kind: "uniform", fanIn })), ops.param(`${name}.b`, [out], { kind: "uniform", fanIn }));
    const norm = (name: string, x: T) => ops.layerNorm(x, ops.param(`${name}.ln_g`, [C], { kind: "ones" }), ops.param(`${name}.ln_b`, [C], { kind: "zeros" }));
    let h = h0;
    for (let l = 0; l < L; l++) {
      h = ops.scope(`proc${l}`, [h, pe], (h, pe) => {
        const p = `proc${l}`;
        const hn = norm(`${p}.attn`, h);
        const q = ops.gather(lin(`${p}.q`, hn, C, C), proc.dst);
        const k = ops.add(ops.gather(lin(`${p}.k`, hn, C, C), proc.src), lin(`${p}.edge_k`, pe, C, C));
        const v = ops.add(ops.gather(lin(`${p}.v`, hn, C, C), proc.src), lin(`${p}.edge_v`, pe, C, C));
        const scores = ops.mul(ops.act(ops.mul(ops.matmul(ops.mul(q, k), sumHeads), invCap), "tanh"), capT); // [E, B, H]
        const a = ops.exp(scores);
        const alpha = ops.div(a, ops.gather(ops.segmentSum(a, proc.dst, nh), proc.dst));
        const attended = ops.segmentSum(ops.mul(ops.matmul(alpha, expandHeads), v), proc.dst, nh); // [Nh, B, C]
        const h1 = ops.add(h, lin(`${p}.out`, attended, C, C));
        const ff = lin(`${p}.ff2`, ops.act(lin(`${p}.ff1`, norm(`${p}.ff`, h1), C, ratio * C), act), ratio * C, C);
        return ops.add(h1, ff);
      });
    }
    return h;
  }

  // Processor: hidden → hidden, edge and node states both updated with residuals.
  const proc = edgeSet("processor");
  let pe = ops.scope("proc.edge_embed", [], () => mlp("proc.edge_embed", [{ key: "attr", x: proc.attr, width: NUM_EDGE_ATTRIBUTES }]));
  if (spec.processor.type === "transformer") hh = transformerProcessor(hh, pe);
  else for (let l = 0; l < spec.processor.num_layers; l++) {
    [pe, hh] = ops.scope(`proc${l}`, [pe, hh], (pe, hh) => {
      const e = ops.add(pe, mlpTail(`proc${l}.edge`, messageFirst(`proc${l}.edge`, project(`proc${l}.edge`, hh, hh), pe, proc), extra));
      const agg = ops.segmentSum(e, proc.dst, nh);
      return [e, ops.add(hh, mlp(`proc${l}.node`, [{ key: "h", x: hh, width: C }, { key: "agg", x: agg, width: C }], extra))];
    });
  }

  // Decoder: hidden → data.
  const decAgg = aggregate("decoder", "dec", n, hh, hd);
  hd = ops.scope("decoder", [hd, decAgg], (hd, decAgg) =>
    ops.add(hd, mlp("dec.node", [{ key: "h", x: hd, width: C }, { key: "agg", x: decAgg, width: C }], extra)),
  );
  const y = linearParts("dec.out", [{ key: "h", x: hd, width: C }], io.numPrognostic);
  return ops.transpose(y, [1, 0, 2]);
}

/**
 * Ops that only create parameters: the forward pass is traced for its side effect on the store.
 * It also records which parameters each `scope` block uses (for activation checkpointing).
 */
class ParamOnlyOps implements Ops<null> {
  readonly blockParams = new Map<string, string[]>();
  private readonly open: string[] = [];

  constructor(private readonly params: ParamStore) {}
  param(name: string, shape: number[], init: ParamInit): null {
    this.params.get(name, shape, init);
    for (const block of this.open) {
      const used = this.blockParams.get(block)!;
      if (!used.includes(name)) used.push(name);
    }
    return null;
  }
  constFloat = () => null;
  constIndex = () => null;
  matmul = () => null;
  add = () => null;
  mul = () => null;
  div = () => null;
  exp = () => null;
  act = () => null;
  layerNorm = () => null;
  gather = () => null;
  segmentSum = () => null;
  transpose = () => null;
  reshape = () => null;
  scope<R>(name: string, inputs: null[], fn: (...inputs: null[]) => R): R {
    if (this.blockParams.has(name)) throw new Error(`model: block name '${name}' is used twice`);
    this.blockParams.set(name, []);
    this.open.push(name);
    try {
      return fn(...inputs);
    } finally {
      this.open.pop();
    }
  }
}

/** A model with its parameters in TensorFlow.js variables. */
export class ForecastModel {
  readonly spec: ModelSpec;
  readonly io: ModelIo;
  readonly params: ParamStore;
  private readonly ops: TfOps;

  constructor(spec: ModelSpecInput, io: ModelIoInput, readonly geometry: ModelGeometry, readonly seed: number) {
    this.spec = ModelSpecSchema.parse(spec);
    this.io = ModelIoSchema.parse(io);
    if (geometry.latitudes.length !== geometry.longitudes.length) throw new Error("latitudes and longitudes differ in length");
    this.params = new ParamStore(seed);
    // Create every parameter now, in a fixed order, without computing anything (a full forward
    // pass on a large grid could exceed the wasm heap), and note each block's parameters.
    const tracer = new ParamOnlyOps(this.params);
    forward(tracer, this.spec, this.io, this.geometry, null);
    this.ops = new TfOps(this.params, { checkpoint: this.spec.activation_checkpointing, blockParams: tracer.blockParams });
  }

  get numPoints(): number {
    return this.geometry.latitudes.length;
  }

  /** x: [B, T, N, V] normalised inputs → [B, N, P] normalised tendencies. */
  apply(x: tf.Tensor): tf.Tensor {
    const want = [this.io.multistepInput, this.numPoints, inputChannels(this.io)];
    if (x.rank !== 4 || x.shape.slice(1).join() !== want.join()) throw new Error(`model input must be [batch, ${want.join(", ")}], got [${x.shape.join(", ")}]`);
    return forward(this.ops, this.spec, this.io, this.geometry, x);
  }

  /**
   * Emits the same forward pass on another Ops implementation (e.g. the ONNX builder). Edge chunks
   * are a training-memory device: the traced graph processes each edge set at once (the same
   * function; sums differ only in rounding).
   */
  trace<T>(ops: Ops<T>, input: T): T {
    return forward(ops, { ...this.spec, edge_chunks: 1 }, this.io, this.geometry, input);
  }

  /** Runs the model on a plain array [B, T, N, V]; returns [B, N, P]. */
  predict(x: Float32Array, batch = 1): Float32Array {
    return tf.tidy(() => {
      const t = tf.tensor(x, [batch, this.io.multistepInput, this.numPoints, inputChannels(this.io)]);
      return this.apply(t).dataSync() as Float32Array;
    });
  }

  dispose(): void {
    this.ops.dispose();
    this.params.dispose();
  }
}

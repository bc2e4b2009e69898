import type { Activation } from "./spec";
import { tf } from "./tf";

/**
 * The operations a model's forward pass is written in. The same forward code runs on TensorFlow.js
 * tensors (training, `TfOps`) and emits an ONNX graph (`OnnxOps` in lib/inference), so the exported
 * model is the trained model by construction. Axis conventions: node tensors are [nodes, batch,
 * channels]; `gather`/`segmentSum` work on axis 0; `matmul` multiplies the last axis by a 2-D matrix.
 */
export interface Ops<T> {
  /** A trainable parameter (created with a seeded initialiser on first use). */
  param(name: string, shape: number[], init: ParamInit): T;
  /** A float constant (graph attributes, static node features). */
  constFloat(name: string, data: Float32Array, shape: number[]): T;
  /** An index vector (edge sources/targets). */
  constIndex(name: string, data: Int32Array): T;
  matmul(x: T, w: T): T;
  add(a: T, b: T): T;
  /** Broadcasting elementwise product and quotient, and exp (attention weights). */
  mul(a: T, b: T): T;
  div(a: T, b: T): T;
  exp(x: T): T;
  act(x: T, kind: Activation): T;
  /** Layer normalisation over the last axis, ε = 1e-5. */
  layerNorm(x: T, gamma: T, beta: T): T;
  /** x[idx] along axis 0. */
  gather(x: T, idx: T): T;
  /** Sum of the rows of x into `n` segments given by idx (axis 0). */
  segmentSum(x: T, idx: T, n: number): T;
  transpose(x: T, perm: number[]): T;
  /** ONNX Reshape semantics: 0 keeps the input dimension, −1 is inferred. */
  reshape(x: T, shape: number[]): T;
  /**
   * Runs one block (a layer). `inputs` are the block's tensor inputs, passed to fn; parameters
   * are fetched with `param` inside fn. Block names are unique. TfOps frees the block's
   * intermediates when it returns, or checkpoints the block (recomputes it in the backward pass)
   * when activation checkpointing is on. Other implementations just call fn.
   */
  scope<R extends T | T[]>(name: string, inputs: T[], fn: (...inputs: T[]) => R): R;
}

export type ParamInit =
  | { kind: "zeros" }
  | { kind: "ones" }
  /** Uniform in ±1/√fanIn (PyTorch's Linear default). */
  | { kind: "uniform"; fanIn: number }
  | { kind: "normal"; std: number };

export const LAYER_NORM_EPS = 1e-5;
const GELU_C = Math.sqrt(2 / Math.PI);

/** Applies an activation with TF.js ops (GELU in its tanh form x/2·(1 + tanh(x·(c + c·0.044715·x²))), c = √(2/π), which ONNX can express with opset 17). */
export function tfActivation(x: tf.Tensor, kind: Activation): tf.Tensor {
  switch (kind) {
    case "relu":
      return tf.relu(x);
    case "tanh":
      return tf.tanh(x);
    case "silu":
      return tf.mul(x, tf.sigmoid(x));
    case "gelu": {
      const inner = tf.mul(x, tf.add(tf.scalar(GELU_C), tf.mul(tf.square(x), tf.scalar(GELU_C * 0.044715))));
      return tf.mul(tf.mul(x, tf.scalar(0.5)), tf.add(tf.scalar(1), tf.tanh(inner)));
    }
  }
}

export const GELU_TANH_C = GELU_C;

/**
 * Gather and segment sum along axis 0 as each other's gradient. tfjs' own gradients work too, but
 * clip negative indices with GreaterEqual/LogicalAnd/Where over the whole [E, B, C] tensor and add
 * transposes, which made them the slowest part of a training step. Indices here are always valid.
 */
function layerNormForward(x: tf.Tensor): tf.Tensor {
  const axis = x.rank - 1;
  const mean = tf.mean(x, axis, true);
  const centred = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centred), axis, true);
  return tf.mul(centred, tf.rsqrt(tf.add(variance, tf.scalar(LAYER_NORM_EPS))));
}

/**
 * GELU and layer norm with hand-written gradients that keep only their input for the backward
 * pass. Autodiff through their ~8 elementwise ops keeps every intermediate alive until the
 * backward pass, which overflowed the 4 GB wasm heap with the shipped model (128 channels,
 * 8 layers) at O96. Forward values are computed with exactly the same ops as before.
 */
function geluLowMemory(x: tf.Tensor): tf.Tensor {
  const f = tf.customGrad(((a: tf.Tensor, save: (t: tf.Tensor[]) => void) => {
    save([a]);
    return {
      value: tfActivation(a, "gelu"),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const v = saved[0];
        const sq = tf.square(v);
        const th = tf.tanh(tf.mul(v, tf.add(tf.scalar(GELU_C), tf.mul(sq, tf.scalar(GELU_C * 0.044715)))));
        // d/dx [x/2 (1 + tanh u)] = (1 + tanh u)/2 + x/2 (1 − tanh² u) c (1 + 3·0.044715 x²)
        const du = tf.mul(tf.scalar(GELU_C), tf.add(tf.scalar(1), tf.mul(sq, tf.scalar(3 * 0.044715))));
        const d = tf.add(tf.mul(tf.scalar(0.5), tf.add(tf.scalar(1), th)), tf.mul(tf.mul(tf.mul(v, tf.scalar(0.5)), tf.sub(tf.scalar(1), tf.square(th))), du));
        return tf.mul(dy as tf.Tensor, d);
      },
    };
  }) as CustomGrad);
  return f(x);
}

function layerNormLowMemory(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const f = tf.customGrad(((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: (t: tf.Tensor[]) => void) => {
    save([a, g]);
    return {
      value: tf.add(tf.mul(layerNormForward(a), g), b),
      gradFunc: (dyIn: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const dy = dyIn as tf.Tensor;
        const [v, gam] = saved;
        const axis = v.rank - 1;
        const c = v.shape[axis];
        const xhat = layerNormForward(v);
        const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(tf.sub(v, tf.mean(v, axis, true))), axis, true), tf.scalar(LAYER_NORM_EPS)));
        const lead = Array.from({ length: axis }, (_, i) => i);
        const dGamma = tf.reshape(tf.sum(tf.mul(dy, xhat), lead), [c]);
        const dBeta = tf.reshape(tf.sum(dy, lead), [c]);
        const dxhat = tf.mul(dy, gam);
        const dx = tf.mul(rstd, tf.sub(tf.sub(dxhat, tf.mean(dxhat, axis, true)), tf.mul(xhat, tf.mean(tf.mul(dxhat, xhat), axis, true))));
        return [dx, dGamma, dBeta];
      },
    };
  }) as CustomGrad);
  return f(x, gamma, beta);
}

/**
 * x [..., K] · w [K, M] with a gradient that keeps only x and w (autodiff through the reshapes
 * also kept the output alive). dW = xᵀ·dy uses an explicit transpose: the wasm backend's
 * transposeA path measured ~3× slower.
 */
function matmulLastAxis(x: tf.Tensor, w: tf.Tensor): tf.Tensor {
  const k = x.shape[x.rank - 1];
  const m = w.shape[1] as number;
  const outShape = [...x.shape.slice(0, -1), m];
  const f = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: (t: tf.Tensor[]) => void) => {
    save([a, b]);
    return {
      value: tf.reshape(tf.matMul(tf.reshape(a, [-1, k]) as tf.Tensor2D, b as tf.Tensor2D), outShape),
      gradFunc: (dyIn: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sa, sb] = saved;
        const dy2 = tf.reshape(dyIn as tf.Tensor, [-1, m]) as tf.Tensor2D;
        const a2 = tf.reshape(sa, [-1, k]) as tf.Tensor2D;
        return [tf.reshape(tf.matMul(dy2, sb as tf.Tensor2D, false, true), sa.shape), tf.matMul(tf.transpose(a2), dy2)];
      },
    };
  }) as CustomGrad);
  return f(x, w);
}

/** Sums dy over the axes along which `shape` was broadcast to dy's shape, then reshapes to `shape`. */
function unbroadcast(dy: tf.Tensor, shape: number[]): tf.Tensor {
  if (dy.shape.join() === shape.join()) return dy;
  const axes = tf.backend_util.getReductionAxes(shape, dy.shape);
  return tf.reshape(axes.length ? tf.sum(dy, axes) : dy, shape);
}

/**
 * Broadcasting add whose gradient needs only the input shapes. tfjs' Add keeps both inputs alive
 * until the backward pass, which kept every intermediate of a message-passing layer alive.
 */
function addNoSave(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const sa = [...a.shape], sb = [...b.shape];
  const f = tf.customGrad(((x: tf.Tensor, y: tf.Tensor) => ({
    value: tf.add(x, y),
    gradFunc: (dy: tf.Tensor | tf.Tensor[]) => [unbroadcast(dy as tf.Tensor, sa), unbroadcast(dy as tf.Tensor, sb)],
  })) as CustomGrad);
  return f(a, b);
}

/** tfjs types the custom-gradient function with variadic inputs; ours takes exactly two. */
type CustomGrad = Parameters<typeof tf.customGrad>[0];

function gatherRows(x: tf.Tensor, idx: tf.Tensor): tf.Tensor {
  const n = x.shape[0];
  const f = tf.customGrad(((a: tf.Tensor, i: tf.Tensor) => ({
    value: tf.gather(a, i as tf.Tensor1D, 0),
    gradFunc: (dy: tf.Tensor | tf.Tensor[]) => [tf.unsortedSegmentSum(dy as tf.Tensor, i as tf.Tensor1D, n), tf.zerosLike(i)],
  })) as CustomGrad);
  return f(x, idx);
}

function segmentSumRows(x: tf.Tensor, idx: tf.Tensor, n: number): tf.Tensor {
  const f = tf.customGrad(((a: tf.Tensor, i: tf.Tensor) => ({
    value: tf.unsortedSegmentSum(a, i as tf.Tensor1D, n),
    gradFunc: (dy: tf.Tensor | tf.Tensor[]) => [tf.gather(dy as tf.Tensor, i as tf.Tensor1D, 0), tf.zerosLike(i)],
  })) as CustomGrad);
  return f(x, idx);
}

/** The part of tfjs' engine a checkpointed block uses (`runKernelFunc` is internal in its typings). */
interface EngineInternals {
  state: { activeTape: unknown };
  runKernelFunc(params: {
    forwardFunc: (backend: unknown, save: (tensors: tf.Tensor[]) => void) => tf.Tensor | tf.Tensor[];
    backwardsFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => Record<string, () => tf.Tensor>;
    inputs: Record<string, tf.Tensor>;
  }): tf.Tensor | tf.Tensor[];
  gradients(f: () => tf.Tensor, xs: tf.Tensor[], dy?: tf.Tensor, allowNoGradients?: boolean): { value: tf.Tensor; grads: (tf.Tensor | undefined)[] };
}

/**
 * Activation checkpointing of one block (anemoi's idea, torch.utils.checkpoint): the block is one
 * node on tfjs' tape whose inputs are the block's tensor inputs *and* its parameters, so the
 * outer gradient reaches the parameters through it. The forward pass runs with the tape paused
 * (tfjs does not record inside a kernel), keeping only copies of the block inputs. The backward
 * pass recomputes the block from those copies under a fresh tape and differentiates
 * Σ_k sum(out_k ⊙ dy_k) with respect to inputs and parameters; the block's activations and their
 * gradients are freed when that inner gradient returns, instead of living until the end of the
 * whole backward pass.
 *
 * Why a plain nested tf.grads inside a tf.customGrad broke the tape: during backprop the outer
 * `gradients()` has already ended its tape (gradientDepth 0), so the inner `gradients()` starts a
 * new one by *replacing* `engine.state.activeTape`, and on return disposes that tape's saved
 * tensors and sets `activeTape` to null; the outer `gradients()` then fails on `null.forEach`
 * when it frees its own saved tensors (and would have leaked them). The outer tape is restored
 * here after the inner gradient. tf.customGrad also allows one output only; blocks with several
 * outputs (encoder, processor layers) use the engine's runKernelFunc, which customGrad is built on.
 */
function checkpointedBlock<R extends tf.Tensor | tf.Tensor[]>(name: string, inputs: tf.Tensor[], vars: tf.Variable[], fn: (...inputs: tf.Tensor[]) => R): R {
  const engine = tf.engine() as unknown as EngineInternals;
  // Internals of tfjs-core 4.22 (pinned in package.json); fail clearly if an upgrade moved them.
  if (typeof engine.runKernelFunc !== "function" || !Array.isArray(engine.state.activeTape)) {
    throw new Error("activation checkpointing: this tfjs-core version lacks Engine.runKernelFunc / state.activeTape (written for 4.22); set model.activation_checkpointing=false");
  }
  const all: tf.Tensor[] = [...inputs, ...vars];
  const inputMap: Record<string, tf.Tensor> = {};
  all.forEach((t, i) => (inputMap[i] = t));
  const out = engine.runKernelFunc({
    inputs: inputMap,
    forwardFunc: (_backend, save) => {
      save(inputs);
      return fn(...inputs);
    },
    backwardsFunc: (dy, saved) => {
      const dys = Array.isArray(dy) ? dy : [dy];
      const outerTape = engine.state.activeTape;
      let grads: tf.Tensor[];
      try {
        grads = tf.tidy(() => {
          const r = engine.gradients(
            () => {
              const o = fn(...saved);
              const outs = Array.isArray(o) ? o : [o];
              if (outs.length !== dys.length) throw new Error(`checkpointed block '${name}': ${outs.length} outputs on recompute, ${dys.length} gradients`);
              return outs.map((t, k) => tf.sum(tf.mul(t, dys[k]))).reduce((a, b) => tf.add(a, b));
            },
            [...saved, ...vars],
            undefined,
            true,
          );
          return r.grads.map((g, i) => g ?? tf.zerosLike(i < saved.length ? saved[i] : vars[i - saved.length]));
        });
      } finally {
        engine.state.activeTape = outerTape;
      }
      const map: Record<string, () => tf.Tensor> = {};
      grads.forEach((g, i) => (map[i] = () => g));
      return map;
    },
  });
  return out as R;
}

export interface ParamSource {
  get(name: string, shape: number[], init: ParamInit): tf.Variable;
  /** An existing parameter by name. */
  variable(name: string): tf.Variable;
}

export interface TfOpsOptions {
  /**
   * Activation checkpointing: every `scope` block keeps only its inputs for the backward pass and
   * recomputes its activations there (see `checkpointedBlock`).
   */
  checkpoint?: boolean;
  /** Names of the parameters each scope uses (from a trace of the forward pass); needed to checkpoint. */
  blockParams?: ReadonlyMap<string, readonly string[]>;
}

/** Ops on TensorFlow.js tensors. Constants are cached on the instance (dispose() frees them). */
export class TfOps implements Ops<tf.Tensor> {
  private readonly consts = new Map<string, tf.Tensor>();

  constructor(
    private readonly params: ParamSource,
    private readonly options: TfOpsOptions = {},
  ) {}

  param(name: string, shape: number[], init: ParamInit): tf.Tensor {
    return this.params.get(name, shape, init);
  }

  /**
   * Runs a block in a `tf.tidy` scope, which frees its intermediates when it returns (tensors the
   * gradient needs are kept by the tape). With `checkpoint` on and the tape recording (inside
   * tf.grads / variableGrads), the block is checkpointed instead (`checkpointedBlock`).
   */
  scope<R extends tf.Tensor | tf.Tensor[]>(name: string, inputs: tf.Tensor[], fn: (...inputs: tf.Tensor[]) => R): R {
    if (!this.options.checkpoint || !tf.engine().isTapeOn()) return tf.tidy(() => fn(...inputs));
    const names = this.options.blockParams?.get(name);
    if (!names) throw new Error(`activation checkpointing: the parameters of block '${name}' are unknown (trace the forward pass with a parameter recorder first)`);
    return checkpointedBlock(name, inputs, names.map((n) => this.params.variable(n)), fn);
  }

  constFloat(name: string, data: Float32Array, shape: number[]): tf.Tensor {
    let t = this.consts.get(name);
    if (!t) {
      t = tf.keep(tf.tensor(data, shape, "float32"));
      this.consts.set(name, t);
    }
    return t;
  }

  constIndex(name: string, data: Int32Array): tf.Tensor {
    let t = this.consts.get(name);
    if (!t) {
      t = tf.keep(tf.tensor1d(data, "int32"));
      this.consts.set(name, t);
    }
    return t;
  }

  matmul(x: tf.Tensor, w: tf.Tensor): tf.Tensor {
    return matmulLastAxis(x, w);
  }

  add(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
    return addNoSave(a, b);
  }

  mul(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
    return tf.mul(a, b);
  }

  div(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
    return tf.div(a, b);
  }

  exp(x: tf.Tensor): tf.Tensor {
    return tf.exp(x);
  }

  act(x: tf.Tensor, kind: Activation): tf.Tensor {
    return kind === "gelu" ? geluLowMemory(x) : tfActivation(x, kind);
  }

  layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
    return layerNormLowMemory(x, gamma, beta);
  }

  gather(x: tf.Tensor, idx: tf.Tensor): tf.Tensor {
    return gatherRows(x, idx);
  }

  segmentSum(x: tf.Tensor, idx: tf.Tensor, n: number): tf.Tensor {
    return segmentSumRows(x, idx, n);
  }

  transpose(x: tf.Tensor, perm: number[]): tf.Tensor {
    return tf.transpose(x, perm);
  }

  reshape(x: tf.Tensor, shape: number[]): tf.Tensor {
    return tf.reshape(x, shape.map((d, i) => (d === 0 ? x.shape[i] : d)));
  }


  dispose(): void {
    for (const t of this.consts.values()) t.dispose();
    this.consts.clear();
  }
}

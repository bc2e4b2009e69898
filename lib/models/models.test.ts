import { beforeAll, describe, expect, it } from "vitest";
import type { EncProcDecGraph } from "@/lib/graphs";
import { ForecastModel, initTf, learningRate, tf, Trainer, variableLossWeights, mulberry32, type ModelGeometry } from "@/lib/models";
import { tinyModelGeometry } from "./test-helpers";

let geom: ModelGeometry;
let graph: EncProcDecGraph;

beforeAll(async () => {
  await initTf();
  const tiny = tinyModelGeometry();
  geom = tiny;
  graph = tiny.graph;
});

const io = { multistepInput: 2, numPrognostic: 2, numForcing: 1 };
const gnnSpec = { num_channels: 8, activation: "gelu" as const, trainable_size: { data: 2, hidden: 2 }, processor: { type: "gnn" as const, num_layers: 2, mlp_extra_layers: 0 } };

/** A learnable toy problem: the tendency is a fixed smooth function of the inputs and position. */
function toyBatch(n: number, lat: Float64Array, seed: number, batch: number) {
  const rand = mulberry32(seed);
  const T = io.multistepInput, V = io.numPrognostic + io.numForcing, P = io.numPrognostic;
  const x = new Float32Array(batch * T * n * V);
  for (let i = 0; i < x.length; i++) x[i] = 2 * rand() - 1;
  const y = new Float32Array(batch * n * P);
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < n; i++) {
      const last = (k: number) => x[((b * T + T - 1) * n + i) * V + k];
      const prev = (k: number) => x[((b * T) * n + i) * V + k];
      y[(b * n + i) * P] = 0.5 * (last(0) - prev(0)) + 0.3 * last(2);
      y[(b * n + i) * P + 1] = 0.4 * Math.sin((lat[i] * Math.PI) / 90) - 0.2 * last(1);
    }
  return { x, y };
}

describe("wasm backend kernels", () => {
  it("segment sum matches a plain loop", () => {
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8], [4, 2]);
    const s = tf.unsortedSegmentSum(x, tf.tensor1d([2, 0, 2, 1], "int32"), 3);
    expect(tf.getBackend()).toBe("wasm");
    expect(Array.from(s.dataSync())).toEqual([3, 4, 7, 8, 6, 8]);
  });

  it("gradient of gather + segment sum agrees with finite differences", () => {
    const src = tf.tensor1d([0, 1, 2, 2, 3, 1], "int32");
    const dst = tf.tensor1d([1, 0, 0, 2, 1, 2], "int32");
    const w = tf.tensor2d([0.3, -1.2, 0.7, 0.5, -0.4, 0.9], [3, 2]);
    const f = (p: tf.Tensor) => tf.sum(tf.mul(tf.square(tf.unsortedSegmentSum(tf.tanh(tf.gather(p, src)), dst, 3)), w));
    const p0 = new Float32Array([0.1, -0.5, 0.8, 0.2, -0.3, 0.6, 0.05, -0.9]);
    const g = tf.grad(f)(tf.tensor2d(p0, [4, 2])).dataSync();
    const h = 1e-2;
    for (let i = 0; i < p0.length; i++) {
      const plus = p0.slice(), minus = p0.slice();
      plus[i] += h;
      minus[i] -= h;
      const fd = (f(tf.tensor2d(plus, [4, 2])).dataSync()[0] - f(tf.tensor2d(minus, [4, 2])).dataSync()[0]) / (2 * h);
      expect(Math.abs(g[i] - fd)).toBeLessThan(2e-3 * Math.max(1, Math.abs(fd)));
    }
  });

  it("graph-transformer parameter gradients (attention with segment softmax) agree with finite differences", () => {
    const spec = { num_channels: 8, trainable_size: { data: 2, hidden: 2 }, processor: { type: "transformer" as const, num_layers: 2, num_heads: 2, mlp_hidden_ratio: 2 } };
    const model = new ForecastModel(spec, io, geom, 3);
    const n = model.numPoints;
    const { x, y } = toyBatch(n, geom.latitudes, 1, 1);
    const xt = tf.tensor(x, [1, 2, n, 3]), yt = tf.tensor(y, [1, n, 2]);
    const loss = () => tf.sum(tf.squaredDifference(model.apply(xt), yt)) as tf.Scalar;
    for (const name of ["proc0.q.w", "proc1.k.w", "proc0.edge_v.w", "proc1.ff1.w", "proc0.attn.ln_g", "proc1.out.b"]) {
      const v = model.params.vars.get(name)!;
      expect(v, name).toBeDefined();
      const { grads } = tf.variableGrads(loss, [v]);
      const g = grads[v.name].dataSync();
      const base = v.dataSync().slice();
      for (const i of [0, 5]) {
        const h = 1e-2;
        const at = (d: number) => {
          const p = base.slice();
          p[i] += d;
          v.assign(tf.tensor(p, v.shape));
          return loss().dataSync()[0];
        };
        const fd = (at(h) - at(-h)) / (2 * h);
        v.assign(tf.tensor(base, v.shape));
        expect(Math.abs(g[i] - fd), `${name}[${i}]: ${g[i]} vs ${fd}`).toBeLessThan(0.03 * Math.abs(fd) + 2e-3);
      }
    }
    // The processor is the transformer: no GNN edge-update parameters.
    expect(model.params.names().some((k) => k.startsWith("proc0.edge."))).toBe(false);
    model.dispose();
  });

  it("GNN parameter gradients (GELU and layer norm with hand-written gradients) agree with finite differences", () => {
    const model = new ForecastModel(gnnSpec, io, geom, 3);
    const n = model.numPoints;
    const { x, y } = toyBatch(n, geom.latitudes, 1, 1);
    const xt = tf.tensor(x, [1, 2, n, 3]), yt = tf.tensor(y, [1, n, 2]);
    const loss = () => tf.sum(tf.squaredDifference(model.apply(xt), yt)) as tf.Scalar;
    for (const name of ["enc.msg.l1.w_src", "proc1.edge.l1.w_edge", "dec.node.l2.w_h", "hidden.trainable", "proc0.node.ln_g", "enc.edge_embed.ln_b"]) {
      const v = model.params.vars.get(name)!;
      const { grads } = tf.variableGrads(loss, [v]);
      const g = grads[v.name].dataSync();
      const base = v.dataSync().slice();
      for (const i of [0, 5]) {
        const h = 1e-2;
        const at = (d: number) => {
          const p = base.slice();
          p[i] += d;
          v.assign(tf.tensor(p, v.shape));
          return loss().dataSync()[0];
        };
        const fd = (at(h) - at(-h)) / (2 * h);
        v.assign(tf.tensor(base, v.shape));
        expect(Math.abs(g[i] - fd), `${name}[${i}]: ${g[i]} vs ${fd}`).toBeLessThan(0.03 * Math.abs(fd) + 2e-3);
      }
    }
    model.dispose();
  });
});

describe("training", () => {
  it("learning rate: linear warm-up then cosine to minLr", () => {
    const o = { lr: 1e-3, warmupSteps: 10, decaySteps: 100, minLr: 1e-5 };
    expect(learningRate(0, o)).toBeCloseTo(1e-4, 12);
    expect(learningRate(9, o)).toBeCloseTo(1e-3, 12);
    expect(learningRate(10, o)).toBeCloseTo(1e-3, 12);
    expect(learningRate(60, o)).toBeCloseTo(1e-5 + 0.5 * (1e-3 - 1e-5), 12);
    expect(learningRate(110, o)).toBeCloseTo(1e-5, 12);
    expect(learningRate(500, o)).toBeCloseTo(1e-5, 12);
  });

  it("variable loss weights combine names, base names and pressure levels", () => {
    const w = variableLossWeights(["z_500", "t_850", "2t", "q_50"], { z: 12, t: 6, q: 0.6 }, { type: "relu", slope: 0.001, minimum: 0.2 });
    expect(Array.from(w).map((v) => +v.toFixed(5))).toEqual([6, 5.1, 1, 0.12]);
  });

  it("is deterministic given a seed: bitwise identical loss curves", () => {
    const run = (seed: number) => {
      const model = new ForecastModel(gnnSpec, io, geom, seed);
      const tr = new Trainer(model, { lr: 3e-3, warmupSteps: 2, decaySteps: 20, weightDecay: 0.1, clipNorm: 1 }, { area: graph.nodes.data.areaWeight, variables: Float32Array.from([1, 0.5]) });
      const losses: number[] = [];
      for (let s = 0; s < 4; s++) {
        const { x, y } = toyBatch(model.numPoints, geom.latitudes, 100 + s, 2);
        losses.push(tr.trainStep(x, y, 2).loss);
      }
      tr.dispose();
      model.dispose();
      return losses;
    };
    const a = run(7), b = run(7), c = run(8);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it.each([
    ["gnn", gnnSpec],
    ["mlp", { num_channels: 8, activation: "gelu" as const, processor: { type: "mlp" as const, hidden_dims: [32, 32] } }],
  ])("%s: loss decreases on a learnable toy problem", { timeout: 30_000 }, (_kind, spec) => {
    const model = new ForecastModel(spec, io, geom, 1);
    const tr = new Trainer(model, { lr: 1e-2, warmupSteps: 5, decaySteps: 80, minLr: 1e-4, clipNorm: 5 });
    const val = toyBatch(model.numPoints, geom.latitudes, 999, 2);
    const before = tr.evaluate(val.x, val.y, 2);
    for (let s = 0; s < 80; s++) {
      const { x, y } = toyBatch(model.numPoints, geom.latitudes, s, 2);
      const r = tr.trainStep(x, y, 2);
      expect(Number.isFinite(r.loss)).toBe(true);
    }
    const after = tr.evaluate(val.x, val.y, 2);
    expect(after).toBeLessThan(0.25 * before);
    tr.dispose();
    model.dispose();
  });

  it("rollout loss: R = 1 equals the single-step loss; R = 2 trains deterministically", () => {
    const model = new ForecastModel(gnnSpec, io, geom, 9);
    const n = model.numPoints;
    const { x, y } = toyBatch(n, geom.latitudes, 5, 1);
    // Split the toy input into states and forcings, and turn tendencies into true states.
    const T = 2, P = 2, F = 1;
    const states = new Float32Array(T * n * P), forcings = new Float32Array((T + 1) * n * F);
    for (let t = 0; t < T; t++)
      for (let i = 0; i < n; i++) {
        for (let v = 0; v < P; v++) states[(t * n + i) * P + v] = x[(t * n + i) * 3 + v];
        forcings[t * n + i] = x[(t * n + i) * 3 + 2];
        forcings[(t + 1) * n + i] = x[(t * n + i) * 3 + 2];
      }
    const a = Float32Array.from([0.1, -0.2]), b = Float32Array.from([0.5, 2]);
    const truth1 = Float32Array.from({ length: n * P }, (_, k) => states[n * P + k] + a[k % P] + b[k % P] * y[k]);
    const tr = new Trainer(model, { lr: 1e-3, decaySteps: 10 });
    const single = tr.evaluate(x, y, 1);
    const r1 = tf.tidy(() => tr.rolloutLoss(tf.tensor(states, [1, T, n, P]), tf.tensor(forcings.slice(0, T * n), [1, T, n, F]), tf.tensor(truth1, [1, 1, n, P]), { a, b }).dataSync()[0]);
    expect(r1).toBeCloseTo(single, 5);
    const truth2 = new Float32Array(2 * n * P);
    truth2.set(truth1);
    truth2.set(truth1, n * P);
    const run = () => {
      const m = new ForecastModel(gnnSpec, io, geom, 9);
      const t2 = new Trainer(m, { lr: 1e-3, decaySteps: 10 });
      const out = [0, 1].map(() => t2.trainRolloutStep({ states, forcings, truth: truth2, batch: 1, rollout: 2 }, { a, b }).loss);
      m.dispose();
      return out;
    };
    const l1 = run();
    expect(l1.every(Number.isFinite)).toBe(true);
    expect(run()).toEqual(l1);
    model.dispose();
  });

  it("optimizer state and weights round-trip", () => {
    const model = new ForecastModel(gnnSpec, io, geom, 5);
    const tr = new Trainer(model, { lr: 1e-3, decaySteps: 10 });
    const { x, y } = toyBatch(model.numPoints, geom.latitudes, 0, 1);
    tr.trainStep(x, y);
    const weights = model.params.export(), state = tr.exportState();
    const next = tr.trainStep(x, y).loss;
    const model2 = new ForecastModel(gnnSpec, io, geom, 6);
    model2.params.import(weights);
    const tr2 = new Trainer(model2, { lr: 1e-3, decaySteps: 10 });
    tr2.importState(state);
    expect(tr2.trainStep(x, y).loss).toBe(next);
    for (const m of [model, model2]) m.dispose();
  });
});

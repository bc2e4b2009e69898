import { beforeAll, describe, expect, it } from "vitest";
import { ForecastModel, initTf, mulberry32, tf, Trainer, type ModelGeometry, type ModelSpecInput } from "@/lib/models";
import { tinyModelGeometry } from "./test-helpers";

/**
 * Activation checkpointing (model.activation_checkpointing) and edge chunks (model.edge_chunks)
 * must not change what is computed: the reference is the same model without them, whose
 * gradients the finite-difference tests in models.test.ts check.
 */
let geom: ModelGeometry;

beforeAll(async () => {
  await initTf();
  geom = tinyModelGeometry();
});

const io = { multistepInput: 2, numPrognostic: 2, numForcing: 1 };
const gnn: ModelSpecInput = { num_channels: 8, activation: "gelu", trainable_size: { data: 2, hidden: 2 }, processor: { type: "gnn", num_layers: 2, mlp_extra_layers: 1 } };
const transformer: ModelSpecInput = { num_channels: 8, trainable_size: { data: 2, hidden: 2 }, processor: { type: "transformer", num_layers: 2, num_heads: 2, mlp_hidden_ratio: 2 } };

function batch(n: number, seed: number, b: number) {
  const rand = mulberry32(seed);
  return {
    x: Float32Array.from({ length: b * 2 * n * 3 }, () => 2 * rand() - 1),
    y: Float32Array.from({ length: b * n * 2 }, () => 2 * rand() - 1),
  };
}

/** Output and the gradient of a weighted squared error for every trainable variable, as plain arrays. */
function outputAndGrads(spec: ModelSpecInput, seed: number) {
  const model = new ForecastModel(spec, io, geom, seed);
  const n = model.numPoints;
  const { x, y } = batch(n, 21, 2);
  const names = model.params.names();
  const vars = names.map((k) => model.params.vars.get(k)!);
  let result: { out: Float32Array; loss: number; grads: Map<string, Float32Array> } | null = null;
  tf.tidy(() => {
    const xt = tf.tensor(x, [2, 2, n, 3]), yt = tf.tensor(y, [2, n, 2]);
    const out = model.apply(xt).dataSync() as Float32Array;
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.squaredDifference(model.apply(xt), yt)) as tf.Scalar, vars);
    result = { out, loss: value.dataSync()[0], grads: new Map(vars.map((v, i) => [names[i], grads[v.name].dataSync() as Float32Array])) };
  });
  model.dispose();
  return result!;
}

const maxAbs = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe("activation checkpointing", () => {
  it.each([
    ["gnn, checkpointed blocks", gnn, { activation_checkpointing: true }],
    ["gnn, checkpointed blocks and 3 edge chunks", gnn, { activation_checkpointing: true, edge_chunks: 3 }],
    ["gnn, 3 edge chunks without checkpointing", gnn, { edge_chunks: 3 }],
    ["transformer, checkpointed blocks", transformer, { activation_checkpointing: true }],
  ])("%s: the same output and gradients for every trainable variable", (_name, base, extra) => {
    const ref = outputAndGrads(base, 5);
    const got = outputAndGrads({ ...base, ...extra }, 5);
    expect(maxDiff(got.out, ref.out)).toBeLessThanOrEqual(1e-5 * maxAbs(ref.out));
    expect(got.loss).toBeCloseTo(ref.loss, 3);
    expect([...got.grads.keys()]).toEqual([...ref.grads.keys()]);
    for (const [name, g] of ref.grads) {
      const scale = maxAbs(g);
      expect(scale, `${name}: reference gradient is zero`).toBeGreaterThan(0);
      expect(maxDiff(got.grads.get(name)!, g), name).toBeLessThanOrEqual(1e-5 * scale);
    }
  });

  it("trains to the same loss curve as without checkpointing, frees what it allocates, and leaves the tape usable", () => {
    const run = (spec: ModelSpecInput) => {
      const model = new ForecastModel(spec, io, geom, 7);
      const tr = new Trainer(model, { lr: 3e-3, warmupSteps: 2, decaySteps: 20, weightDecay: 0.1, clipNorm: 1 }, { area: geom.graph!.nodes.data.areaWeight, variables: null });
      const curve: number[][] = [];
      let tensors = 0;
      for (let s = 0; s < 4; s++) {
        const { x, y } = batch(model.numPoints, 100 + s, 2);
        const r = tr.trainStep(x, y, 2);
        curve.push([r.loss, r.gradNorm]);
        if (s === 1) tensors = tf.memory().numTensors;
      }
      // No tensor is left behind by a step (constants are cached after the first).
      expect(tf.memory().numTensors).toBe(tensors);
      tr.dispose();
      model.dispose();
      return curve;
    };
    const plain = run(gnn);
    const ckpt = run({ ...gnn, activation_checkpointing: true, edge_chunks: 2 });
    for (let s = 0; s < plain.length; s++) {
      expect(Math.abs(ckpt[s][0] - plain[s][0]), `loss at step ${s + 1}`).toBeLessThanOrEqual(1e-5 * plain[s][0]);
      expect(Math.abs(ckpt[s][1] - plain[s][1]), `gradient norm at step ${s + 1}`).toBeLessThanOrEqual(1e-5 * plain[s][1]);
    }
    // The loss does change over the run (the comparison is not between constants).
    expect(plain[3][0]).not.toBe(plain[0][0]);
    // An ordinary gradient still works after checkpointed steps (the engine's tape was restored).
    const g = tf.tidy(() => tf.grad((v: tf.Tensor) => tf.sum(tf.square(v)))(tf.tensor1d([1, -2])).dataSync());
    expect(Array.from(g)).toEqual([2, -4]);
  });

  it("keeps less memory in a training step", async () => {
    const peak = async (spec: ModelSpecInput) => {
      const model = new ForecastModel({ ...spec, num_channels: 32 }, io, geom, 3);
      const tr = new Trainer(model, { lr: 1e-3, decaySteps: 10 });
      const { x, y } = batch(model.numPoints, 1, 2);
      tr.trainStep(x, y, 2); // caches the graph constants
      const info = await tf.profile(() => void tr.trainStep(x, y, 2));
      tr.dispose();
      model.dispose();
      return info.peakBytes;
    };
    const plain = await peak({ ...gnn, processor: { type: "gnn", num_layers: 4 } });
    const ckpt = await peak({ ...gnn, processor: { type: "gnn", num_layers: 4 }, activation_checkpointing: true });
    expect(ckpt).toBeLessThan(0.5 * plain);
  });
});

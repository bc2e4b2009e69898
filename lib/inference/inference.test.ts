import { beforeAll, describe, expect, it } from "vitest";
import { strToU8, zipSync } from "fflate";
import * as ort from "onnxruntime-node";
import { regularGlobal } from "@/lib/grids";
import { buildGraph, deserializeGraph, type EncProcDecGraph } from "@/lib/graphs";
import { ForecastModel, initTf, type ModelSpecInput } from "@/lib/models";
import { Trainer } from "@/lib/models";
import {
  CheckpointError,
  modelFromCheckpoint,
  exportCheckpoint,
  exportOnnx,
  ForecastRunner,
  packCheckpoint,
  readAnemoiMetadata,
  unpackCheckpoint,
  type CheckpointMetadataInput,
} from "@/lib/inference";
import { DataType, encodeModel, ModelProto, tensorMsg, valueInfo } from "./onnx-proto";

const grid = regularGlobal(30, 30); // 84 points
let graph: EncProcDecGraph;
const io = { multistepInput: 2, numPrognostic: 2, numForcing: 1 };
const gnn: ModelSpecInput = { num_channels: 8, activation: "gelu", trainable_size: { data: 2, hidden: 2 }, processor: { type: "gnn", num_layers: 2, mlp_extra_layers: 1 } };
const mlp: ModelSpecInput = { num_channels: 8, activation: "silu", processor: { type: "mlp", hidden_dims: [16, 8] } };
const transformer: ModelSpecInput = { num_channels: 8, activation: "gelu", trainable_size: { data: 2, hidden: 2 }, processor: { type: "transformer", num_layers: 2, num_heads: 2, mlp_hidden_ratio: 2 } };
const variables = { prognostic: ["z_500", "t_850"], forcing: ["insolation"] };
const normalisation = {
  mean: { z_500: 54000, t_850: 275, insolation: 0.3 },
  std: { z_500: 3000, t_850: 15, insolation: 0.35 },
  tendency_mean: { z_500: 1, t_850: 0.01 },
  tendency_std: { z_500: 400, t_850: 1.5 },
};

beforeAll(async () => {
  await initTf();
  graph = buildGraph(grid, {
    hidden: { type: "icosahedral", resolution: 1 },
    encoder: { method: "cutoff", cutoff_factor: 0.7, max_num_neighbours: 16 },
    decoder: { method: "knn", num_nearest_neighbours: 3 },
    processor: { method: "multiscale", x_hops: 1 },
  });
});

const geometry = () => ({ latitudes: grid.latitudes, longitudes: grid.longitudes, graph });
const sample = (batch: number, phase = 0) => Float32Array.from({ length: batch * 2 * grid.size * 3 }, (_, i) => Math.sin(0.37 * i + phase));

function relErr(a: Float32Array, b: Float32Array): number {
  let d = 0, m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return d / m;
}

describe("ONNX export", () => {
  it.each([["gnn", gnn], ["mlp", mlp], ["transformer", transformer]] as const)("%s: onnxruntime matches TF.js within 1e-4 relative (batch 2)", async (_k, spec) => {
    const model = new ForecastModel(spec, io, geometry(), 11);
    const bytes = exportOnnx(model);
    const session = await ort.InferenceSession.create(bytes);
    const x = sample(2);
    const out = await session.run({ input: new ort.Tensor("float32", x, [2, 2, grid.size, 3]) });
    const y = out.output.data as Float32Array;
    const ref = model.predict(x, 2);
    expect(y.length).toBe(ref.length);
    expect(relErr(y, ref)).toBeLessThan(1e-4);
    await session.release();
    model.dispose();
  });

  it.each([["gnn", gnn], ["transformer", transformer]] as const)("%s: uses standard ai.onnx ops only, opset 17", (_k, spec) => {
    const model = new ForecastModel(spec, io, geometry(), 1);
    const decoded = ModelProto.toObject(ModelProto.decode(exportOnnx(model)), { longs: Number }) as {
      opset_import: { domain?: string; version: number }[];
      graph: { node: { op_type: string; domain?: string }[] };
    };
    expect(decoded.opset_import.map((o) => [o.domain ?? "", o.version])).toEqual([["", 17]]);
    const ops = new Set(decoded.graph.node.map((n) => n.op_type));
    const allowed = ["MatMul", "Add", "Mul", "Div", "Exp", "Tanh", "Sigmoid", "Relu", "LayerNormalization", "Gather", "ScatterND", "Shape", "Slice", "Concat", "ConstantOfShape", "Transpose", "Reshape"];
    for (const op of ops) expect(allowed).toContain(op);
    expect(decoded.graph.node.every((n) => !n.domain)).toBe(true);
    model.dispose();
  });
});

describe("checkpoints and the runner", () => {
  it("packs one file; the runner's step equals the TF.js model plus de-normalisation", async () => {
    const model = new ForecastModel(gnn, io, geometry(), 3);
    const bytes = exportCheckpoint(model, { variables, timestep: "6h", grid: grid.descriptor, normalisation, graph, provenance: { run: "test" } });
    const ckpt = unpackCheckpoint(bytes);
    expect(ckpt.metadata.multistep_input).toBe(2);
    expect(deserializeGraph(ckpt.graph!).edges.processor.size).toBe(graph.edges.processor.size);
    const runner = await ForecastRunner.load(bytes);
    const N = grid.size;
    const states = [0, 1].map((t) => Float32Array.from({ length: N * 2 }, (_, i) => (i % 2 === 0 ? 54000 + 2000 * Math.sin(i / 7 + t) : 275 + 10 * Math.cos(i / 5 + t))));
    const forc = [0, 1].map((t) => Float32Array.from({ length: N }, (_, i) => 0.3 + 0.3 * Math.sin(i / 3 + t)));
    const next = await runner.step(states, forc);
    // Same thing by hand with the TF.js model.
    const x = new Float32Array(2 * N * 3);
    const norm = (v: string, value: number) => (value - normalisation.mean[v as keyof typeof normalisation.mean]) / normalisation.std[v as keyof typeof normalisation.std];
    for (let t = 0; t < 2; t++)
      for (let i = 0; i < N; i++) {
        x[(t * N + i) * 3] = norm("z_500", states[t][2 * i]);
        x[(t * N + i) * 3 + 1] = norm("t_850", states[t][2 * i + 1]);
        x[(t * N + i) * 3 + 2] = norm("insolation", forc[t][i]);
      }
    const y = model.predict(x, 1);
    const expected = Float32Array.from(next, (_, k) => states[1][k] + (k % 2 === 0 ? 1 + 400 * y[k] : 0.01 + 1.5 * y[k]));
    expect(relErr(Float32Array.from(next, (v, k) => v - states[1][k]), Float32Array.from(expected, (v, k) => v - states[1][k]))).toBeLessThan(1e-4);

    // Rollouts are deterministic and start with the single step.
    const run = async () => {
      const out: Float32Array[] = [];
      const calls: number[] = [];
      for await (const s of runner.rollout({
        initial: states,
        forcings: (k, when) => {
          calls.push(k);
          expect(when?.toISOString()).toBe(new Date(Date.UTC(2020, 0, 1) + k * 6 * 3600_000).toISOString());
          return k <= 0 ? forc[k + 1] : forc[k % 2];
        },
        steps: 4,
        initTime: new Date(Date.UTC(2020, 0, 1)),
      }))
        out.push(s.state);
      return { out, calls };
    };
    const a = await run(), b = await run();
    expect(a.calls).toEqual([-1, 0, 1, 2, 3]);
    expect(a.out.length).toBe(4);
    expect(Array.from(a.out[0])).toEqual(Array.from(next));
    for (let s = 0; s < 4; s++) expect(Array.from(b.out[s])).toEqual(Array.from(a.out[s]));
    await runner.release();
    model.dispose();
  });

  it("rejects metadata and models that do not agree, with clear errors", async () => {
    const model = new ForecastModel(mlp, io, geometry(), 3);
    const onnx = exportOnnx(model);
    const metadata: CheckpointMetadataInput = { format: "isobar-checkpoint", version: 1, variables, multistep_input: 2, timestep: "6h", grid: grid.descriptor, normalisation };
    // Missing statistics.
    expect(() => packCheckpoint({ metadata: { ...metadata, normalisation: { ...normalisation, std: { z_500: 1, t_850: 1 } } }, onnx })).toThrow(/missing std of 'insolation'/);
    expect(() => packCheckpoint({ metadata: { ...metadata, timestep: "6 hours" }, onnx })).toThrow(/expected a duration/);
    // Metadata says 3 input times: the ONNX input does not match.
    const wrong = packCheckpoint({ metadata: { ...metadata, multistep_input: 3 }, onnx });
    await expect(ForecastRunner.load(wrong)).rejects.toThrow(/ONNX input 'input' has shape \[batch, 2, 84, 3\]; the metadata implies \[batch, 3, 84, 3\]/);
    const renamed = packCheckpoint({ metadata: { ...metadata, onnx: { input: "x", output: "output" } }, onnx });
    await expect(ForecastRunner.load(renamed)).rejects.toThrow(/no input 'x' \(its inputs: input\)/);
    await expect(ForecastRunner.load(strToU8("hello"))).rejects.toThrow(CheckpointError);
    model.dispose();
  });

  it("a checkpoint with weights and optimizer state resumes the same loss curve", () => {
    const model = new ForecastModel(gnn, io, geometry(), 4);
    const trainer = new Trainer(model, { lr: 1e-3, warmupSteps: 1, decaySteps: 10, weightDecay: 0.1 });
    const x = sample(1), y = Float32Array.from({ length: grid.size * 2 }, (_, i) => Math.cos(i));
    trainer.trainStep(x, y);
    const bytes = exportCheckpoint(model, { variables, timestep: "6h", grid: grid.descriptor, normalisation, graph, optimizer: trainer.exportState() });
    const expected = [trainer.trainStep(x, y).loss, trainer.trainStep(x, y).loss];
    const { model: back, optimizer } = modelFromCheckpoint(unpackCheckpoint(bytes));
    const resumed = new Trainer(back, { lr: 1e-3, warmupSteps: 1, decaySteps: 10, weightDecay: 0.1 });
    resumed.importState(optimizer!);
    expect([resumed.trainStep(x, y).loss, resumed.trainStep(x, y).loss]).toEqual(expected);
    for (const m of [model, back]) m.dispose();
  });

  it("runs a bring-your-own ONNX model (the worked example of docs/models.md)", async () => {
    // output = x[:, 1, :, :P] − x[:, 0, :, :P]: with tendency_std = std and tendency_mean = 0 the
    // runner turns this into linear extrapolation, next = last + (last − previous).
    const P = 2, N = grid.size;
    const i64 = (name: string, v: number[]) => tensorMsg(name, BigInt64Array.from(v, BigInt), [v.length]);
    const onnx = encodeModel({
      ir_version: 8,
      opset_import: [{ domain: "", version: 17 }],
      graph: {
        name: "extrapolate",
        node: [
          { op_type: "Slice", name: "last", input: ["input", "s1", "e1", "axes"], output: ["last"], attribute: [] },
          { op_type: "Slice", name: "prev", input: ["input", "s0", "e0", "axes"], output: ["prev"], attribute: [] },
          { op_type: "Sub", name: "diff", input: ["last", "prev"], output: ["diff"], attribute: [] },
          { op_type: "Squeeze", name: "squeeze", input: ["diff", "sq_axes"], output: ["output"], attribute: [] },
        ],
        initializer: [i64("s1", [1, 0]), i64("e1", [2, P]), i64("s0", [0, 0]), i64("e0", [1, P]), i64("axes", [1, 3]), i64("sq_axes", [1])],
        input: [valueInfo("input", DataType.FLOAT, ["batch", 2, N, 3])],
        output: [valueInfo("output", DataType.FLOAT, ["batch", N, P])],
      },
    });
    const metadata: CheckpointMetadataInput = {
      format: "isobar-checkpoint",
      version: 1,
      variables: { prognostic: ["z_500", "t_850"], forcing: ["insolation"] },
      multistep_input: 2,
      timestep: "6h",
      grid: grid.descriptor,
      normalisation: {
        mean: { z_500: 54000, t_850: 275, insolation: 0.3 },
        std: { z_500: 3000, t_850: 15, insolation: 0.35 },
        tendency_mean: { z_500: 0, t_850: 0 },
        tendency_std: { z_500: 3000, t_850: 15 },
      },
      provenance: { source: "hand-written ONNX" },
    };
    const runner = await ForecastRunner.load(packCheckpoint({ metadata, onnx }, "my-model"));
    const prev = Float32Array.from({ length: N * P }, (_, k) => (k % 2 ? 270 : 53000) + k);
    const last = Float32Array.from({ length: N * P }, (_, k) => (k % 2 ? 272 : 53500) + k);
    const next = await runner.step([prev, last], [new Float32Array(N), new Float32Array(N)]);
    for (let k = 0; k < N * P; k++) expect(next[k]).toBeCloseTo(2 * last[k] - prev[k], k % 2 ? 3 : 1);
    await runner.release();
  });

  it("reads anemoi checkpoint metadata", () => {
    const zip = zipSync({ "run/anemoi-metadata/anemoi.json": strToU8(JSON.stringify({ version: "2.0", run_id: "abc", dataset: { variables: ["2t", "z_500"] } })) });
    const m = readAnemoiMetadata(zip);
    expect(m.run_id).toBe("abc");
    expect(m.dataset?.variables).toEqual(["2t", "z_500"]);
    const old = zipSync({ "x/ai-models.json": strToU8(JSON.stringify({ version: "1.0" })) });
    expect(readAnemoiMetadata(old).source).toBe("x/ai-models.json");
  });
});

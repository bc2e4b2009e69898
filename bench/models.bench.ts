/**
 * Models benchmark: `npm run bench -- models`.
 *
 * - Training throughput (samples/s, batch 1) of the shipped GNN (config/model/gnn.yaml on the
 *   config/graph/multiscale.yaml graph) and of the MLP baseline, at 64×32 and O96, TF.js wasm.
 * - Inference step time at O96 and at a 542,080-point grid (N320-sized: a 1210×448 regular grid,
 *   since the classic reduced N320 row table is not built in): ForecastRunner.step (normalise,
 *   run, de-normalise) against a bare InferenceSession.run on the same model and inputs, same run.
 * - Peak resident memory after each part.
 *
 * Inference runs first: a wasm abort during training (heap limit) ends TF.js for the process.
 * Training: the shipped GNN with activation checkpointing (+ edge chunks, as config/model/gnn.yaml)
 * at 64×32 and O96, and without it at 64×32 (the cost of the recompute); peak memory per step is
 * tfjs' own count (tf.profile peakBytes of one extra step) and the wasm heap size (its high-water
 * mark: wasm memory never shrinks).
 * Env: BENCH_MODELS_CHANNELS (default 64, the shipped `gnn`), BENCH_MODELS_LAYERS (4, inference),
 * BENCH_MODELS_TRAIN_LAYERS (4); `model=gnn-large` is BENCH_MODELS_CHANNELS=128 BENCH_MODELS_LAYERS=8, BENCH_MODELS_SKIP_542K=1,
 * BENCH_MODELS_SKIP_TRAIN=1, BENCH_MODELS_SKIP_INFER=1 (training only), BENCH_MODELS_EDGE_CHUNKS (4),
 * BENCH_MODELS_O96_PLAIN=1 (also try O96 without checkpointing, last: it exhausts the heap).
 */
import * as ort from "onnxruntime-node";
import { octahedralGrid, regularGlobal, type Grid } from "@/lib/grids";
import { buildGraph, inspectGraph, type EncProcDecGraph } from "@/lib/graphs";
import { exportCheckpoint, ForecastRunner } from "@/lib/inference";
import { ForecastModel, initTf, mulberry32, tf, Trainer, wasmThreads, type ModelSpecInput } from "@/lib/models";
import { peakRssMiB, report, time } from "./harness";

const C = Number(process.env.BENCH_MODELS_CHANNELS ?? 64);
const L = Number(process.env.BENCH_MODELS_LAYERS ?? 4);
const TRAIN_L = Number(process.env.BENCH_MODELS_TRAIN_LAYERS ?? 4);
const EDGE_CHUNKS = Number(process.env.BENCH_MODELS_EDGE_CHUNKS ?? 4);
const prognostic = ["2t", "msl", "10u", "10v", "z_500", "t_850", "u_850", "v_850", "q_700"];
const forcing = ["lsm", "z", "cos_latitude", "sin_latitude", "insolation"];
const io = { multistepInput: 2, numPrognostic: prognostic.length, numForcing: forcing.length };
const gnn: ModelSpecInput = { num_channels: C, activation: "gelu", trainable_size: { data: 8, hidden: 8 }, processor: { type: "gnn", num_layers: L, mlp_extra_layers: 0 } };
const trainGnn: ModelSpecInput = { ...gnn, processor: { type: "gnn", num_layers: TRAIN_L, mlp_extra_layers: 0 } };
const trainGnnCkpt: ModelSpecInput = { ...trainGnn, activation_checkpointing: true, edge_chunks: EDGE_CHUNKS };

/** The median of a list of timings (the upper one for an even count). */
const med = (a: number[]) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
const mlp: ModelSpecInput = { num_channels: C, activation: "gelu", processor: { type: "mlp", hidden_dims: [256, 256] } };
const graphSpec = {
  hidden: { type: "icosahedral" as const, resolution: 4 },
  encoder: { method: "cutoff" as const, cutoff_factor: 0.6, max_num_neighbours: 64 },
  decoder: { method: "knn" as const, num_nearest_neighbours: 3 },
  processor: { method: "multiscale" as const, x_hops: 1 },
};

const rand = mulberry32(7);
const randomArray = (n: number) => Float32Array.from({ length: n }, () => 2 * rand() - 1);

function graphFor(grid: Grid): { graph: EncProcDecGraph; ms: number } {
  const t0 = performance.now();
  const graph = buildGraph(grid, graphSpec);
  return { graph, ms: performance.now() - t0 };
}

await initTf();
console.log(`TF.js wasm backend, ${wasmThreads()} thread(s); model gnn C=${C}, L=${L} (inference) / ${TRAIN_L} (training); ${prognostic.length} prognostic + ${forcing.length} forcing variables, multistep 2`);

// ---- Inference: runner vs bare session ---------------------------------------------------------
const inferRows: [string, string][] = [];
const grids: [string, Grid][] = [["O96", octahedralGrid(96)]];
if (process.env.BENCH_MODELS_SKIP_542K !== "1") grids.push(["542,080-pt", regularGlobal(360 / 1210, 180 / 448, { poles: false })]);
for (const [name, grid] of process.env.BENCH_MODELS_SKIP_INFER === "1" ? [] : grids) {
  const { graph, ms } = graphFor(grid);
  inferRows.push([`${name} (${grid.size.toLocaleString("en")} points) graph build`, `${ms.toFixed(0)} ms`]);
  const model = new ForecastModel(gnn, io, { latitudes: grid.latitudes, longitudes: grid.longitudes, graph }, 1);
  const t0 = performance.now();
  const ckpt = exportCheckpoint(model, {
    variables: { prognostic, forcing },
    timestep: "6h",
    grid: grid.descriptor,
    normalisation: {
      mean: Object.fromEntries([...prognostic, ...forcing].map((v) => [v, 1])),
      std: Object.fromEntries([...prognostic, ...forcing].map((v) => [v, 2])),
      tendency_mean: Object.fromEntries(prognostic.map((v) => [v, 0])),
      tendency_std: Object.fromEntries(prognostic.map((v) => [v, 0.5])),
    },
  });
  inferRows.push([`${name} export checkpoint`, `${(performance.now() - t0).toFixed(0)} ms, ${(ckpt.length / 2 ** 20).toFixed(1)} MiB`]);
  model.dispose();
  const runner = await ForecastRunner.load(ckpt);
  const bare = await ort.InferenceSession.create(runner.checkpoint.onnx, { executionMode: "sequential", graphOptimizationLevel: "all" });
  const N = grid.size, P = prognostic.length, F = forcing.length;
  const states = [randomArray(N * P), randomArray(N * P)];
  const forc = [randomArray(N * F), randomArray(N * F)];
  const x = randomArray(2 * N * (P + F));
  const feeds = { input: new ort.Tensor("float32", x, [1, 2, N, P + F]) };
  const runs = name === "O96" ? 5 : 3;
  // Interleave so both see the same machine load.
  const tb: number[] = [], tr: number[] = [];
  await bare.run(feeds);
  await runner.step(states, forc);
  for (let r = 0; r < runs; r++) {
    let s = performance.now();
    await bare.run(feeds);
    tb.push(performance.now() - s);
    s = performance.now();
    await runner.step(states, forc);
    tr.push(performance.now() - s);
  }
  inferRows.push([`${name} bare InferenceSession.run`, `${med(tb).toFixed(0)} ms median of ${runs}`]);
  inferRows.push([`${name} ForecastRunner.step`, `${med(tr).toFixed(0)} ms median of ${runs}`]);
  const lt = runner.lastTiming;
  inferRows.push([`${name} runner last step split`, `normalise ${lt.prepareMs.toFixed(1)} ms, session.run ${lt.runMs.toFixed(0)} ms, de-normalise ${lt.finishMs.toFixed(1)} ms`]);
  inferRows.push([`${name} ratio runner / bare`, `${(med(tr) / med(tb)).toFixed(3)} (target ≤ 1.2)`]);
  inferRows.push([`${name} peak RSS so far`, `${peakRssMiB().toFixed(0)} MiB`]);
  await bare.release();
  await runner.release();
}
if (inferRows.length) report("Inference (onnxruntime-node, CPU)", inferRows);

// ---- Training throughput ----------------------------------------------------------------------
const trainRows: [string, string][] = [];
const wasmHeapMiB = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length / 2 ** 20;
type TrainCase = [kind: string, spec: ModelSpecInput];
const gnnLabel = `gnn C=${C} L=${TRAIN_L}`;
const ckptLabel = `${gnnLabel} checkpointed, ${EDGE_CHUNKS} edge chunks`;
const cases: [string, Grid, number, TrainCase[]][] = process.env.BENCH_MODELS_SKIP_TRAIN === "1" ? [] : [
  ["64x32", regularGlobal(5.625, 5.625, { poles: false }), 4, [[ckptLabel, trainGnnCkpt], ["mlp", mlp]]],
  ["O96", octahedralGrid(96), 2, [[ckptLabel, trainGnnCkpt], ["mlp", mlp], ...(process.env.BENCH_MODELS_O96_PLAIN === "1" ? [[gnnLabel, trainGnn] as TrainCase] : [])]],
];
for (const [name, grid, steps, models] of cases) {
  const { graph, ms } = graphFor(grid);
  const s = inspectGraph(graph);
  trainRows.push([`${name} graph build`, `${ms.toFixed(0)} ms; edges enc/proc/dec ${s.edges.map((e) => e.size).join("/")}`]);
  for (const [kind, spec] of models) {
    const model = new ForecastModel(spec, io, { latitudes: grid.latitudes, longitudes: grid.longitudes, graph }, 1);
    const trainer = new Trainer(model, { lr: 1e-3, warmupSteps: 10, decaySteps: 1000, weightDecay: 0.1, clipNorm: 32 }, { area: graph.nodes.data.areaWeight, variables: null });
    const x = randomArray(2 * grid.size * (prognostic.length + forcing.length));
    const y = randomArray(grid.size * prognostic.length);
    let t, peak;
    try {
      t = await time(() => trainer.trainStep(x, y, 1), steps, 1);
      peak = (await tf.profile(() => void trainer.trainStep(x, y, 1))).peakBytes / 2 ** 20;
    } catch (e) {
      trainRows.push([`${name} ${kind} train step`, `FAILED: ${(e as Error).message.split("\n")[0]} (the wasm heap is limited to 4 GB)`]);
      report("Training (batch 1, TF.js wasm) — stopped", trainRows);
      process.exit(0);
    }
    trainRows.push([`${name} ${kind} train step (${model.params.numParameters().toLocaleString("en")} params)`, `${t.medianMs.toFixed(0)} ms median (min ${t.minMs.toFixed(0)}) = ${(1000 / t.medianMs).toFixed(3)} samples/s; peak tensors ${peak.toFixed(0)} MiB, wasm heap ${wasmHeapMiB().toFixed(0)} MiB`]);
    trainer.dispose();
    model.dispose();
  }
  trainRows.push([`${name} peak RSS so far`, `${peakRssMiB().toFixed(0)} MiB`]);
}
if (trainRows.length) report("Training (batch 1, TF.js wasm)", trainRows);

// ---- The cost of the recompute: the same GNN with and without checkpointing at 64×32, steps
// interleaved so that both see the same machine load -----------------------------------------
if (process.env.BENCH_MODELS_SKIP_TRAIN !== "1") {
  const grid = regularGlobal(5.625, 5.625, { poles: false });
  const { graph } = graphFor(grid);
  const x = randomArray(2 * grid.size * (prognostic.length + forcing.length));
  const y = randomArray(grid.size * prognostic.length);
  const runs = [trainGnn, trainGnnCkpt, { ...trainGnn, activation_checkpointing: true }].map((spec) => {
    const model = new ForecastModel(spec, io, { latitudes: grid.latitudes, longitudes: grid.longitudes, graph }, 1);
    const trainer = new Trainer(model, { lr: 1e-3, warmupSteps: 10, decaySteps: 1000, weightDecay: 0.1, clipNorm: 32 }, { area: graph.nodes.data.areaWeight, variables: null });
    trainer.trainStep(x, y, 1);
    return { model, trainer, ms: [] as number[] };
  });
  const PAIRS = Number(process.env.BENCH_MODELS_PAIRS ?? 6);
  for (let k = 0; k < PAIRS; k++)
    for (const r of runs) {
      const t0 = performance.now();
      r.trainer.trainStep(x, y, 1);
      r.ms.push(performance.now() - t0);
    }
  const base = med(runs[0].ms);
  const rows: [string, string][] = [];
  for (const [label, r] of [[gnnLabel, runs[0]], [ckptLabel, runs[1]], [`${gnnLabel} checkpointed, 1 edge chunk`, runs[2]]] as const) {
    const m = med(r.ms);
    const peak = (await tf.profile(() => void r.trainer.trainStep(x, y, 1))).peakBytes / 2 ** 20;
    rows.push([`64x32 ${label}`, `${m.toFixed(0)} ms median of ${PAIRS} (min ${Math.min(...r.ms).toFixed(0)}) = ${(1000 / m).toFixed(3)} samples/s; ×${(m / base).toFixed(2)} of plain; peak tensors ${peak.toFixed(0)} MiB`]);
    r.trainer.dispose();
    r.model.dispose();
  }
  report("Recompute cost at 64x32 (interleaved steps)", rows);
}
console.log(`load average at the end: ${(await import("node:os")).loadavg().map((l) => l.toFixed(1)).join(", ")}`);

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDataset, loadRecipe } from "@/lib/datasets";
import { buildGraph } from "@/lib/graphs";
import { ForecastModel, initTf, Trainer } from "@/lib/models";
import { TrainingData } from "./data";
import { batchIndices, rolloutAt, trainLoop, type TrainingHooks } from "./loop";

describe("rollout schedule", () => {
  it("starts at start, grows by the increment every N steps, stops at the maximum", () => {
    const s = { start: 1, maximum: 4, increment: 1, everyNSteps: 10 };
    expect([0, 9, 10, 19, 20, 35, 1000].map((k) => rolloutAt(k, s))).toEqual([1, 1, 2, 2, 3, 4, 4]);
    expect([0, 4, 5, 10].map((k) => rolloutAt(k, { start: 2, maximum: 12, increment: 3, everyNSteps: 5 }))).toEqual([2, 2, 5, 8]);
    expect(rolloutAt(500, { start: 3, maximum: 6, increment: 0, everyNSteps: 1 })).toBe(3);
  });
});

/** A rollout-R training step's loss against an independent computation in physical units. */
describe("rollout training", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "isobar-rollout-"));
  const store = path.join(dir, "tiny.zarr");
  const prognostic = ["z_500", "t_850"];
  const forcing = ["insolation"];

  beforeAll(async () => {
    const recipe = await loadRecipe(`
name: tiny-rollout
dates: {start: 2020-01-01T00:00:00, end: 2020-01-05T18:00:00, frequency: 6h}
input:
  join:
    - synthetic: {seed: 11, variables: [z_500, t_850], degree: 6}
    - forcings: [insolation]
output: {grid: "15"}
`);
    await createDataset(recipe, store);
    await initTf();
  }, 120_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("the loss of a rollout-R step is the mean over R autoregressive steps (checked independently for R = 3)", async () => {
    const T = 2, R = 3, B = 2, seed = 4;
    const data = await TrainingData.open(store, { prognostic, forcing, multistepInput: T, normalizer: { default: "mean-std", per_variable: { insolation: "none" } } });
    const grid = data.dataset.grid;
    const graph = buildGraph(grid, {
      hidden: { type: "icosahedral", resolution: 1 },
      encoder: { method: "knn", num_nearest_neighbours: 3 },
      decoder: { method: "knn", num_nearest_neighbours: 3 },
      processor: { method: "knn", num_nearest_neighbours: 4 },
    } as never);
    const io = { multistepInput: T, numPrognostic: 2, numForcing: 1 };
    const spec = { num_channels: 8, processor: { type: "gnn" as const, num_layers: 1 } };
    const model = new ForecastModel(spec, io, { latitudes: grid.latitudes, longitudes: grid.longitudes, graph }, 3);
    const area = Float32Array.from(grid.weights("area"));
    const varW = Float32Array.from([3, 0.5]);
    const trainer = new Trainer(model, { lr: 1e-3, decaySteps: 10 }, { area, variables: varW });

    const pool = data.sampleIndices(-Infinity, Infinity, R);
    // The last usable t leaves exactly R truth dates after it.
    expect(pool.at(-1)).toBe(data.dataset.dates.length - 1 - R);
    let logged: { loss: number; rollout: number } | null = null;
    const hooks: TrainingHooks = {
      async onLog(_step, m) {
        logged ??= m;
      },
      async onValidation() {},
      async onCheckpoint() {},
      shouldStop: () => false,
      async onProgress() {},
    };
    await trainLoop(data, model, trainer, { train: pool, validation: [] }, {
      maxSteps: 1, maxMinutes: null, batchSize: B, logEveryNSteps: 1, valEveryNSteps: 100, checkpointEveryNSteps: 100,
      rollout: { start: R, maximum: R, increment: 0, everyNSteps: 1 },
    }, seed, { ...hooks, async onCheckpoint() {} });
    expect(logged).not.toBeNull();
    expect(logged!.rollout).toBe(R);

    // Independent: a fresh model with the same seed (the loop's loss is taken before its update),
    // stepped in physical units from the raw dataset dates with model.predict.
    const fresh = new ForecastModel(spec, io, { latitudes: grid.latitudes, longitudes: grid.longitudes, graph }, 3);
    const norm = data.normalisation;
    const ds = data.dataset;
    const N = grid.size, P = 2, V = 3;
    const vi = (name: string) => ds.variables.indexOf(name);
    const rawAt = async (i: number) => {
      const d = await ds.readDate(i); // (variables, ensembles, points)
      return [...prognostic, ...forcing].map((v) => d.subarray(vi(v) * ds.ensembles * N, vi(v) * ds.ensembles * N + N));
    };
    const picks = batchIndices(seed, 0, pool, B);
    const lossesPerStep = (maxR: number) => Promise.all(picks.map(async (t) => {
      const window = [await rawAt(t - 1), await rawAt(t)].map((fields) => fields.slice(0, P).map((f) => Float64Array.from(f)));
      const out: number[] = [];
      for (let r = 0; r < maxR; r++) {
        const forc = [(await rawAt(t - 1 + r))[P], (await rawAt(t + r))[P]];
        const x = new Float32Array(T * N * V);
        for (let s = 0; s < T; s++)
          for (let p = 0; p < N; p++) {
            for (let c = 0; c < P; c++) x[(s * N + p) * V + c] = (window[s][c][p] - norm.offset[c]) / norm.scale[c];
            x[(s * N + p) * V + P] = forc[s][p]; // insolation: normaliser "none"
          }
        const y = fresh.predict(x, 1);
        const next = [0, 1].map((c) => Float64Array.from({ length: N }, (_, p) => window[1][c][p] + norm.tendencyScale[c] * y[p * P + c]));
        const truth = await rawAt(t + 1 + r);
        let sum = 0;
        for (let p = 0; p < N; p++) for (let c = 0; c < P; c++) sum += area[p] * varW[c] * ((next[c][p] - truth[c][p]) / norm.tendencyScale[c]) ** 2;
        out.push(sum / (N * P));
        window.shift();
        window.push(next);
      }
      return out;
    }));
    const perSample = await lossesPerStep(R);
    const mean = (k: number) => perSample.reduce((a, l) => a + l.slice(0, k).reduce((x, y) => x + y, 0) / k, 0) / B;
    expect(Math.abs(logged!.loss - mean(R)) / mean(R)).toBeLessThan(1e-4);
    // And it is not the loss of a shorter rollout (the test can tell them apart).
    expect(Math.abs(mean(1) - mean(R)) / mean(R)).toBeGreaterThan(1e-2);
    expect(Math.abs(mean(2) - mean(R)) / mean(R)).toBeGreaterThan(1e-2);
    for (const m of [model, fresh]) m.dispose();
    trainer.dispose();
  }, 120_000);
});

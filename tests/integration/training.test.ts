import fs from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDataset, loadRecipe } from "@/lib/datasets";
import { checkpoints } from "@/server/db/schema";
import { readEnv } from "@/server/env";
import { JobCancelledError, type JobContext } from "@/server/jobs/definition";
import { openServices, type Services } from "@/server/services";
import { getMetricHistory } from "@/server/tracking/store/history";
import { getRun } from "@/server/tracking/store/runs";
import { trainJob } from "@/server/training/train-job";
import { inferJob } from "@/server/inference/infer-job";
import { verificationScoreJob } from "@/server/verification/jobs";
import { openForecast } from "@/lib/forecasts";
import { ForecastRunner } from "@/lib/inference";
import { lineageOf } from "@/server/lineage/lineage";
import { freshHome } from "../support/isobar-process";
import { TINY_GNN_OVERRIDES, tinyDataOverrides, tinyRecipe } from "../support/tiny-training";

/** Real training (TF.js wasm) on a tiny synthetic dataset, tracked in a real database. */
describe("training.run job", () => {
  const home = freshHome("training");
  const store = path.join(home, "tiny.zarr");
  let services: Services;
  const overrides = () => [
    ...tinyDataOverrides(store),
    ...TINY_GNN_OVERRIDES,
    "training.max_steps=6",
    "training.val_every_n_steps=3",
    "training.multistep_input=1",
    "diagnostics.log.every_n_steps=1",
    "diagnostics.checkpoint.every_n_steps=3",
    "dataloader.batch_size.training=2",
    "dataloader.training.start=2020-01-01",
    "dataloader.training.end=2020-01-06",
    "dataloader.validation.start=2020-01-07",
    "dataloader.validation.end=2020-01-08",
    "diagnostics.tracker.experiment=tiny",
  ];

  beforeAll(async () => {
    const recipe = await loadRecipe(tinyRecipe({ name: "tiny", seed: 5, lastDay: 8 }));
    await createDataset(recipe, store);
    services = await openServices(readEnv({ ISOBAR_HOME: home }), { command: "vitest", runWorkers: false, supervise: false });
  }, 120_000);
  afterAll(async () => {
    await services?.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  function context(jobId: string, stopAfterStep?: number): JobContext {
    const ac = new AbortController();
    return {
      jobId,
      attempt: 1,
      signal: ac.signal,
      db: services.storage.db,
      home,
      async progress(_f, message) {
        const step = Number(/step (\d+)/.exec(message ?? "")?.[1]);
        if (stopAfterStep !== undefined && step >= stopAfterStep) ac.abort();
      },
      async log() {},
      throwIfCancelled() {
        if (ac.signal.aborted) throw new JobCancelledError();
      },
    };
  }

  const lossCurve = async (runId: string) =>
    (await getMetricHistory(services.storage.db, runId, "train_mse_loss_step")).metrics.map((m) => [m.step, m.value]);

  it("trains, tracks the run (params, config.json, metrics, input) and writes checkpoints", async () => {
    const result = await trainJob.run(trainJob.payload.parse({ overrides: overrides() }), context("00000000-0000-4000-8000-00000000a001"));
    expect(result).toMatchObject({ steps: 6, stoppedBy: "max-steps" });
    const run = await getRun(services.storage.db, result.runId);
    expect(run.info.status).toBe("FINISHED");
    expect(run.data.params.find((p) => p.key === "model.num_channels")?.value).toBe("8");
    expect(run.inputs.datasetInputs[0].dataset.source).toBe(store);
    const curve = await lossCurve(result.runId);
    expect(curve.map(([s]) => s)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(curve.every(([, l]) => Number.isFinite(l) && l > 0)).toBe(true);
    const keys = run.data.metrics.map((m) => m.key);
    for (const k of ["val_mse_loss_epoch", "val_mse_metric/z_500/1", "val_mse_metric/t_850/1", "lr-AdamW"]) expect(keys).toContain(k);
    const cps = await services.storage.db.select().from(checkpoints).where(eq(checkpoints.runId, result.runId));
    expect(cps.map((c) => [c.step, c.kind]).sort()).toEqual([
      [3, "periodic"],
      [6, "final"],
    ]);
    expect(cps.every((c) => fs.statSync(c.path).size > 1000 && c.path.endsWith(".ckpt"))).toBe(true);
    const artifactDir = path.join(home, "artifacts", run.info.artifactUri.replace("mlflow-artifacts:/", ""));
    expect(JSON.parse(fs.readFileSync(path.join(artifactDir, "config.json"), "utf8")).model.num_channels).toBe(8);
  });

  it("is deterministic, and a killed run resumes from its checkpoint on the same loss curve", async () => {
    const reference = await trainJob.run(trainJob.payload.parse({ overrides: overrides() }), context("00000000-0000-4000-8000-00000000a002"));
    const first = await lossCurve((await services.storage.db.select().from(checkpoints)).find((c) => c.kind === "final")!.runId);
    expect(await lossCurve(reference.runId)).toEqual(first); // same config and seed: the same curve, bit for bit

    const jobId = "00000000-0000-4000-8000-00000000a003";
    await expect(trainJob.run(trainJob.payload.parse({ overrides: overrides() }), context(jobId, 4))).rejects.toBeInstanceOf(JobCancelledError);
    const resumed = await trainJob.run(trainJob.payload.parse({ overrides: overrides() }), context(jobId));
    const curve = await lossCurve(resumed.runId);
    // Steps 1–4 from the first attempt, 4–6 again after resuming at the step-3 checkpoint: the same values.
    const byStep = new Map<number, number[]>();
    for (const [s, l] of curve) byStep.set(s, [...(byStep.get(s) ?? []), l]);
    for (const [s, l] of first) for (const v of byStep.get(s) ?? []) expect(v).toBe(l);
    expect([...byStep.keys()].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await getRun(services.storage.db, resumed.runId)).info.status).toBe("FINISHED");
  });

  it("follows the rollout schedule from the config and logs it as the 'rollout' metric", async () => {
    const result = await trainJob.run(
      trainJob.payload.parse({
        overrides: [...overrides(), "training.rollout.start=1", "training.rollout.maximum=3", "training.rollout.epoch_increment=1", "training.rollout.every_n_steps=2"],
      }),
      context("00000000-0000-4000-8000-00000000a005"),
    );
    const rollout = (await getMetricHistory(services.storage.db, result.runId, "rollout")).metrics.map((m) => [m.step, m.value]);
    // The loss at step k (1-based) is taken with rolloutAt(k − 1): 1, 1, 2, 2, 3, 3.
    expect(rollout).toEqual([[1, 1], [2, 1], [3, 2], [4, 2], [5, 3], [6, 3]]);
    const curve = await lossCurve(result.runId);
    expect(curve.every(([, l]) => Number.isFinite(l) && l > 0)).toBe(true);
  });

  it("runs the final checkpoint with onnxruntime into a forecast store, which scores, with lineage back to the run", async () => {
    const result = await trainJob.run(trainJob.payload.parse({ overrides: overrides() }), context("00000000-0000-4000-8000-00000000a004"));
    const [final] = (await services.storage.db.select().from(checkpoints).where(eq(checkpoints.runId, result.runId))).filter((c) => c.kind === "final");
    const ctx = context("00000000-0000-4000-8000-00000000b001");
    const inferred = await inferJob.run(
      inferJob.payload.parse({ checkpoint: final.id, dataset: store, init: "2020-01-07T00:00:00:2020-01-07T12:00:00", initStep: "6h", lead: "0:18h:6h", members: 2 }),
      ctx,
    );
    const fc = await openForecast(inferred.path);
    expect(fc.leadTimesHours).toEqual([6, 12, 18]);
    expect(fc.initTimes.length).toBe(3);
    expect(fc.members).toBe(2);
    expect(fc.variables).toEqual(["z_500", "t_850"]);
    // The store holds exactly what the runner computes for one step from the same initial state.
    const runner = await ForecastRunner.load(final.path);
    const dsMod = await import("@/lib/datasets");
    const ds = await dsMod.openDataset(store);
    const k = ds.dates.indexOf(Date.parse("2020-01-07T00:00:00Z") / 1000);
    const date = await ds.readDate(k);
    const N = runner.numPoints;
    const state = new Float32Array(N * 2);
    for (let q = 0; q < N; q++) {
      state[q * 2] = date[ds.variables.indexOf("z_500") * N + q];
      state[q * 2 + 1] = date[ds.variables.indexOf("t_850") * N + q];
    }
    const cos = new Float32Array(N);
    for (let q = 0; q < N; q++) cos[q] = date[ds.variables.indexOf("cos_latitude") * N + q];
    const next = await runner.step([state], [cos]);
    await runner.release();
    const field = await fc.readField(0, 0); // (variables, members, points); member 0 is unperturbed
    for (const q of [0, 17, N - 1]) expect(field[q]).toBeCloseTo(next[q * 2], 1);
    expect(Math.abs(field[2 * N + 5] - field[3 * N + 5])).toBeGreaterThan(0); // members differ (t_850, member 0 vs 1)

    const scored = await verificationScoreJob.run(verificationScoreJob.payload.parse({ forecast: inferred.forecastId, truth: store, regions: ["global"] }), context("00000000-0000-4000-8000-00000000b002"));
    expect(scored).toBeTruthy();
    const lineage = await lineageOf(services.storage.db, inferred.forecastId);
    expect(lineage.upstream.map((n) => n.kind).sort()).toEqual(["checkpoint"]);
    expect(lineage.downstream.map((n) => n.kind)).toEqual(["score-run"]);
    await expect(
      inferJob.run(inferJob.payload.parse({ checkpoint: final.id, dataset: store, init: "2021-01-01", lead: "6h" }), context("00000000-0000-4000-8000-00000000b003")),
    ).rejects.toThrow("initial condition 2021-01-01T00:00:00.000Z is not in the dataset");
  });
});

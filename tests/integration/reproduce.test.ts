import fs from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDataset, loadRecipe } from "@/lib/datasets";
import { registerDataset } from "@/server/datasets/registry";
import { checkpoints } from "@/server/db/schema";
import { readEnv } from "@/server/env";
import { JobCancelledError, type JobContext } from "@/server/jobs/definition";
import { startWorkers } from "@/server/jobs/worker";
import { lineageOf } from "@/server/lineage/lineage";
import { openServices, type Services } from "@/server/services";
import { localDirForArtifactUri } from "@/server/tracking/artifacts";
import { createExperiment } from "@/server/tracking/store/experiments";
import { getMetricHistory } from "@/server/tracking/store/history";
import { createRun, getRun } from "@/server/tracking/store/runs";
import { reproducePayload, ReproduceError } from "@/server/training/reproduce";
import { trainJob } from "@/server/training/train-job";
import { appRouter } from "@/server/trpc/router";
import { freshHome, waitUntil } from "../support/isobar-process";
import { TINY_GNN_OVERRIDES, tinyDataOverrides, tinyRecipe } from "../support/tiny-training";

const recipeText = (seed: number) => tinyRecipe({ name: "tiny", seed, lastDay: 8 });

/** `isobar reproduce`: the recorded config, dataset and seed give the same loss curve, step for step. */
describe("reproducing a training run", () => {
  const home = freshHome("reproduce");
  const store = path.join(home, "tiny.zarr");
  let services: Services;
  const overrides = [
    ...tinyDataOverrides(store),
    ...TINY_GNN_OVERRIDES,
    "training.max_steps=6",
    "training.val_every_n_steps=3",
    "training.multistep_input=1",
    "training.seed=123",
    "diagnostics.log.every_n_steps=1",
    "diagnostics.checkpoint.every_n_steps=6",
    "dataloader.batch_size.training=2",
    "dataloader.training.start=2020-01-01",
    "dataloader.training.end=2020-01-06",
    "dataloader.validation.start=2020-01-07",
    "dataloader.validation.end=2020-01-08",
    "diagnostics.tracker.experiment=repro",
  ];
  let originalId = "";

  beforeAll(async () => {
    await createDataset(await loadRecipe(recipeText(5)), store);
    services = await openServices(readEnv({ ISOBAR_HOME: home, DATABASE_URL: "" }), { command: "vitest", runWorkers: false, supervise: false });
    const ac = new AbortController();
    const ctx: JobContext = {
      jobId: "00000000-0000-4000-8000-0000000c0001",
      attempt: 1,
      signal: ac.signal,
      db: services.storage.db,
      home,
      async progress() {},
      async log() {},
      throwIfCancelled() {
        if (ac.signal.aborted) throw new JobCancelledError();
      },
    };
    originalId = (await trainJob.run(trainJob.payload.parse({ overrides }), ctx)).runId;
  }, 180_000);
  afterAll(async () => {
    await services?.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  const lossCurve = async (runId: string) => (await getMetricHistory(services.storage.db, runId, "train_mse_loss_step")).metrics.map((m) => [m.step, m.value]);
  const configText = async (runId: string) => {
    const run = await getRun(services.storage.db, runId);
    return fs.readFileSync(path.join(localDirForArtifactUri(home, run.info.artifactUri)!, "config.json"), "utf8");
  };

  it("relaunches the run as a training.run job (tRPC mutation) whose loss curve equals the original's step by step", { timeout: 180_000 }, async () => {
    const caller = appRouter.createCaller({ services, isLocal: true });
    const job = await caller.training.reproduce({ runId: originalId });
    expect(job.type).toBe("training.run");
    expect((job.payload as { reproduces: string }).reproduces).toBe(originalId);
    const workers = await startWorkers(services.queue, { concurrency: 1, home, only: ["training.run"] });
    let done;
    try {
      done = await waitUntil(
        async () => {
          const j = await services.queue.get(job.id);
          return j.state === "completed" || j.state === "failed" || j.state === "cancelled" ? j : null;
        },
        "the reproduction job",
        170_000,
        500,
      );
    } finally {
      await workers.stop();
    }
    expect(done.error).toBeNull();
    expect(done.state).toBe("completed");
    const reproId = (done.result as { runId: string }).runId;
    expect(reproId).not.toBe(originalId);

    const original = await lossCurve(originalId);
    const repro = await lossCurve(reproId);
    expect(original.map(([s]) => s)).toEqual([1, 2, 3, 4, 5, 6]);
    // training changes the loss (so equal curves are not a constant), and the re-run repeats it bit for bit
    expect(new Set(original.map(([, l]) => l)).size).toBeGreaterThan(1);
    expect(repro).toEqual(original);
    const val = async (id: string) => (await getMetricHistory(services.storage.db, id, "val_mse_loss_epoch")).metrics.map((m) => [m.step, m.value]);
    expect(await val(reproId)).toEqual(await val(originalId));

    // The same resolved config, dataset and seed are recorded; the reproduction trained its own checkpoints.
    expect(await configText(reproId)).toBe(await configText(originalId));
    const [a, b] = await Promise.all([getRun(services.storage.db, originalId), getRun(services.storage.db, reproId)]);
    expect(b.data.params).toEqual(a.data.params);
    expect(b.data.params.find((p) => p.key === "training.seed")?.value).toBe("123");
    expect(b.inputs.datasetInputs.map((d) => [d.dataset.digest, d.dataset.source])).toEqual(a.inputs.datasetInputs.map((d) => [d.dataset.digest, d.dataset.source]));
    expect(b.data.tags.find((t) => t.key === "isobar.reproduces")?.value).toBe(originalId);
    expect(b.info.runName).toBe(`${a.info.runName}-reproduced`);
    const cps = await services.storage.db.select().from(checkpoints).where(eq(checkpoints.runId, reproId));
    expect(cps.map((c) => c.kind)).toEqual(["final"]);

    // Lineage both ways.
    const up = await lineageOf(services.storage.db, reproId);
    expect(up.upstream.map((n) => [n.kind, n.id])).toContainEqual(["run", originalId]);
    const down = await lineageOf(services.storage.db, originalId);
    expect(down.downstream.map((n) => [n.kind, n.id])).toContainEqual(["run", reproId]);
  });

  it("refuses a run that Isobar did not train, and an unknown run, with clear errors", async () => {
    const caller = appRouter.createCaller({ services, isLocal: true });
    const exp = await createExperiment(services.storage.db, { name: "logged-from-elsewhere" });
    const foreign = await createRun(services.storage.db, { experimentId: exp, runName: "external", tags: [{ key: "mlflow.source.name", value: "train.py" }] });
    await expect(caller.training.reproduce({ runId: foreign.info.runId })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/^run external \(\w+\) is not an Isobar training run \(it has no isobar\.job_id tag; source: train\.py\)/),
    });
    await expect(caller.training.reproduce({ runId: "0123456789abcdef0123456789abcdef" })).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: expect.stringContaining("no run with id 0123456789abcdef0123456789abcdef"),
    });
  });

  it("refuses a run whose dataset is gone or was replaced, and follows a dataset that moved (same uuid, registered)", async () => {
    const db = services.storage.db;
    const moved = path.join(home, "moved.zarr");
    fs.renameSync(store, moved);
    try {
      const gone = reproducePayload(db, home, originalId);
      await expect(gone).rejects.toBeInstanceOf(ReproduceError);
      await expect(gone).rejects.toMatchObject({ reason: "dataset-gone", message: expect.stringContaining(`its dataset is gone (recorded at ${store}, uuid `) });
      await registerDataset(db, moved);
      const payload = await reproducePayload(db, home, originalId);
      const config = JSON.parse(payload.config!) as { data: { dataset: string }; training: { seed: number } };
      expect(config.data.dataset).toBe(moved);
      expect(config.training.seed).toBe(123);

      // Another store (different uuid) at the recorded path: not the data the run trained on.
      await createDataset(await loadRecipe(recipeText(6)), store);
      await expect(reproducePayload(db, home, originalId)).rejects.toMatchObject({ reason: "dataset-changed", message: expect.stringContaining(`the dataset at ${store} is no longer the one it trained on`) });
    } finally {
      fs.rmSync(store, { recursive: true, force: true });
      fs.renameSync(moved, store);
    }
  });
});

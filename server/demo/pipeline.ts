import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { and, eq } from "drizzle-orm";
import { isTerminalJobState } from "../../lib/jobs/states";
import { checkpoints, datasets, experiments, forecasts, runs, scoreRuns } from "../db/schema";
import type { Services } from "../services";

const CONFIG_DIR = fileURLToPath(new URL("../../config/", import.meta.url));

/** Sizes of the demo: `quick` is the few-minute version the tests run. */
export type DemoSize = "quick" | "full";

type Plan = {
  recipe: string;
  dataset: string;
  train: { start: string; end: string };
  validation: { start: string; end: string };
  forecastInit: string;
  /** Step between the forecasts' init times (models and baselines alike, so scorecards pair them all). */
  initStep: string;
  /** Step between the ensemble's init times: a multiple of initStep (its inits are a subset). */
  ensembleInitStep: string;
  lead: string;
  steps: number;
  minutes: number;
  /** Rough minutes of everything but the two trainings on 2 cores (dataset, inference, baselines, scores). */
  otherMinutes: number;
  channels: number;
  layers: number;
  /** Further training overrides of both models (learning rate, batch, rollout schedule). */
  training: string[];
  meshResolution: number;
};

const PLANS: Record<DemoSize, Plan> = {
  quick: {
    recipe: "demo-quick.yaml",
    dataset: "demo-quick.zarr",
    train: { start: "2018-01-01", end: "2018-02-28" },
    validation: { start: "2018-03-01", end: "2018-03-10" },
    forecastInit: "2018-03-11:2018-03-25",
    initStep: "24h",
    ensembleInitStep: "48h",
    lead: "12h:3d:12h",
    steps: 40,
    minutes: 1.5,
    otherMinutes: 3,
    channels: 16,
    layers: 1,
    training: ["training.lr=1e-3", "dataloader.batch_size.training=4"],
    meshResolution: 2,
  },
  full: {
    recipe: "demo.yaml",
    dataset: "demo.zarr",
    train: { start: "2018-01-01", end: "2019-06-30" },
    validation: { start: "2019-07-01", end: "2019-08-31" },
    forecastInit: "2019-09-01:2019-12-20",
    initStep: "72h",
    ensembleInitStep: "216h",
    lead: "12h:5d:12h",
    steps: 3000,
    minutes: 10,
    // measured: 22 min in all on 2 cores, the test suite running beside it (dataset 0.5 min;
    // inference, ensemble, baselines and scores 2 min)
    otherMinutes: 4,
    // the acceptance recipe's model (docs/acceptance.md): small enough for hundreds of steps on
    // 2 cores, with rollout training (1 → 6 steps) for skill at a few days
    channels: 16,
    layers: 2,
    training: [
      "training.lr=2e-3",
      "dataloader.batch_size.training=2",
      "training.rollout.start=1",
      "training.rollout.maximum=6",
      "training.rollout.epoch_increment=1",
      "training.rollout.every_n_steps=50",
    ],
    meshResolution: 2,
  },
};

export type DemoLog = (stage: string, message: string) => void;

/**
 * The demo pipeline: dataset → two trainings (GNN, per-point MLP) → inference for both plus
 * persistence, climatology and a small ensemble → scores. Every step is a job (visible on the
 * Jobs page) and is skipped when its result already exists, so a second start reuses everything.
 */
/** Ways to make the demo larger than its preset: a longer training time budget per model. */
export type DemoOptions = { trainMinutes?: number };

/** What the demo tells its user up front. */
export function demoEstimate(plan: Plan): string {
  const total = Math.ceil(plan.otherMinutes + 2 * plan.minutes);
  return `about ${total} minutes on 2 cores: the dataset, two trainings of ${plan.minutes} min each, forecasts, baselines and scores`;
}

/** The demo's plan for a size, with the user's options applied. */
export function demoPlan(size: DemoSize, options: DemoOptions = {}): Plan {
  const plan = PLANS[size];
  if (options.trainMinutes === undefined) return plan;
  // more minutes only pay off with enough steps to fill them
  const scale = options.trainMinutes / plan.minutes;
  return { ...plan, minutes: options.trainMinutes, steps: Math.max(plan.steps, Math.ceil(plan.steps * scale)) };
}

export async function runDemoPipeline(services: Services, size: DemoSize, log: DemoLog, options: DemoOptions = {}): Promise<{ forecasts: string[]; runs: string[] }> {
  const db = services.storage.db;
  const home = services.env.home;
  const plan = demoPlan(size, options);
  const datasetPath = path.join(home, "datasets", plan.dataset);

  async function runJob(stage: string, type: string, payload: unknown): Promise<Record<string, unknown>> {
    const job = await services.queue.submit(type, payload);
    log(stage, `job ${job.id} (${type}) submitted`);
    let last = "";
    for (;;) {
      await new Promise((r) => setTimeout(r, 1000));
      const j = await services.queue.get(job.id);
      const line = `${Math.round(j.progress * 100)}% ${j.progressMessage ?? ""}`;
      if (line !== last) log(stage, line);
      last = line;
      if (isTerminalJobState(j.state)) {
        if (j.state !== "completed") throw new Error(`${stage}: job ${j.id} ${j.state}: ${j.error ?? ""} (see 'isobar jobs show ${j.id}')`);
        return (j.result ?? {}) as Record<string, unknown>;
      }
    }
  }

  // 1. The dataset.
  const [registered] = await db.select().from(datasets).where(eq(datasets.path, datasetPath));
  if (registered && fs.existsSync(datasetPath)) log("dataset", `reusing ${datasetPath}`);
  else await runJob("dataset", "datasets.create", { recipe: path.join(CONFIG_DIR, "recipes", plan.recipe), output: datasetPath });

  // 2. Two trainings that differ in the processor: a graph network and a per-point MLP. The
  // demo's small GNN fits the wasm heap at 64×32 without activation checkpointing, which would
  // only cost time (×1.2–1.3 per step, docs/models.md).
  const experimentName = `isobar-demo-${size}`;
  const variants = [
    { name: `demo-gnn-${size}`, model: ["model=gnn", `model.num_channels=${plan.channels}`, `model.processor.num_layers=${plan.layers}`, "model.trainable_size.data=0", "model.trainable_size.hidden=0", "model.activation_checkpointing=false", "model.edge_chunks=1"] },
    { name: `demo-mlp-${size}`, model: ["model=mlp", "model.num_channels=32", "model.processor.hidden_dims=[64,64]"] },
  ];
  const runIds: string[] = [];
  for (const v of variants) {
    const [exp] = await db.select({ id: experiments.id }).from(experiments).where(eq(experiments.name, experimentName));
    const [done] = exp ? await db.select().from(runs).where(and(eq(runs.experimentId, exp.id), eq(runs.name, v.name), eq(runs.status, "FINISHED"))) : [];
    if (done) {
      log("training", `reusing run ${v.name}`);
      runIds.push(done.id);
      continue;
    }
    const result = await runJob(`training ${v.name}`, "training.run", {
      overrides: [
        `data.dataset=${datasetPath}`,
        "data.variables.prognostic=[z_500,t_850,2t,msl,10u,10v,q_700]",
        "data.variables.forcing=[cos_latitude,sin_latitude,insolation,lsm]",
        "data.variables.diagnostic=[]",
        ...v.model,
        `graph.hidden.resolution=${plan.meshResolution}`,
        `training.max_steps=${plan.steps}`,
        `training.max_minutes=${plan.minutes}`,
        `training.val_every_n_steps=${Math.max(10, Math.floor(plan.steps / 10))}`,
        ...plan.training,
        `diagnostics.log.every_n_steps=${Math.max(1, Math.floor(plan.steps / 100))}`,
        `diagnostics.checkpoint.every_n_steps=${Math.max(10, Math.floor(plan.steps / 4))}`,
        `dataloader.training.start=${plan.train.start}`,
        `dataloader.training.end=${plan.train.end}`,
        `dataloader.validation.start=${plan.validation.start}`,
        `dataloader.validation.end=${plan.validation.end}`,
        `diagnostics.tracker.experiment=${experimentName}`,
        `diagnostics.tracker.run_name=${v.name}`,
      ],
    });
    runIds.push(String(result.runId));
  }

  // 3. Forecasts: both models, a small ensemble of the GNN, and the baselines.
  const forecastIds: string[] = [];
  const have = async (name: string) => (await db.select().from(forecasts).where(eq(forecasts.path, path.join(home, "forecasts", `${name}.zarr`))))[0];
  const infer = async (runId: string, name: string, members: number, initStep: string) => {
    const existing = await have(name);
    if (existing) return existing.id;
    const [final] = await db.select().from(checkpoints).where(and(eq(checkpoints.runId, runId), eq(checkpoints.kind, "final")));
    if (!final) throw new Error(`run ${runId} has no final checkpoint`);
    const r = await runJob(`inference ${name}`, "inference.run", { checkpoint: final.id, dataset: datasetPath, init: plan.forecastInit, initStep, lead: plan.lead, members, name });
    return String(r.forecastId);
  };
  forecastIds.push(await infer(runIds[0], `demo-gnn-${size}`, 1, plan.initStep));
  forecastIds.push(await infer(runIds[1], `demo-mlp-${size}`, 1, plan.initStep));
  forecastIds.push(await infer(runIds[0], `demo-gnn-ens-${size}`, 4, plan.ensembleInitStep));
  // The climatology (and so the climatology forecast and every ACC) comes from the training and
  // validation dates only: never from the held-out period the forecasts are verified on.
  const climatologyPeriod = `${plan.train.start}:${plan.validation.end}`;
  for (const kind of ["persistence", "climatology"] as const) {
    const name = `demo-${kind}-${size}`;
    const existing = await have(name);
    if (existing) forecastIds.push(existing.id);
    else {
      const r = await runJob(`baseline ${kind}`, "forecasts.baseline", {
        kind,
        dataset: datasetPath,
        init: plan.forecastInit,
        initStep: plan.initStep,
        leads: plan.lead,
        name,
        ...(kind === "climatology" ? { period: climatologyPeriod } : {}),
      });
      forecastIds.push(String(r.forecastId));
    }
  }
  // Where the climatology baseline job keeps the climatology it computed (see forecasts.baseline).
  const climatologyPath = path.join(home, "forecasts", `demo-climatology-${size}.climatology.zarr`);

  // 4. Scores against the truth (the dataset itself), per init time, with anomalies against the
  // climatology (ACC), for the scorecards.
  for (const id of forecastIds) {
    const [scored] = await db.select().from(scoreRuns).where(and(eq(scoreRuns.forecastId, id), eq(scoreRuns.truthPath, datasetPath), eq(scoreRuns.status, "completed")));
    if (scored) continue;
    await runJob("scoring", "verification.score", {
      forecast: id,
      truth: datasetPath,
      ...(fs.existsSync(climatologyPath) ? { climatology: climatologyPath } : {}),
      regions: ["global", "tropics", "extra-tropics", "northern-hemisphere", "southern-hemisphere"],
    });
  }
  return { forecasts: forecastIds, runs: runIds };
}

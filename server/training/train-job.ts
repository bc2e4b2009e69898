import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { and, desc, eq } from "drizzle-orm";
import { z } from "zod";
import { configArtifactJson, flattenParams, loadConfig, paramBatches, readConfigArtifact, validateConfig, type IsobarConfig } from "@/lib/config";
import { fsSource } from "@/lib/config/fs-source";
import { buildGraph } from "@/lib/graphs";
import { exportCheckpoint, loadCheckpoint, modelFromCheckpoint } from "@/lib/inference";
import { ForecastModel, initTf, Trainer, variableLossWeights } from "@/lib/models";
import { TrainingData, type Normalisation } from "@/lib/training/data";
import { trainLoop } from "@/lib/training/loop";
import { checkpoints, experiments, runTags, runs } from "../db/schema";
import type { Db } from "../db/storage";
import { defineJob, type JobContext } from "../jobs/definition";
import { localDirForArtifactUri } from "../tracking/artifacts";
import { createExperiment } from "../tracking/store/experiments";
import { logBatch, logInputs } from "../tracking/store/logging";
import { createRun, updateRun } from "../tracking/store/runs";

const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const JOB_ID_TAG = "isobar.job_id";
/** Tag on a run relaunched by `isobar reproduce`: the id of the run it repeats. */
export const REPRODUCES_TAG = "isobar.reproduces";

export const TrainPayloadSchema = z
  .object({
    /** Hydra-style overrides of the `train` entry config. */
    overrides: z.array(z.string()).default([]),
    entry: z.string().default("train"),
    configDir: z.string().optional(),
    /**
     * A resolved config (the text of a run's `config.json`) to train with as is, instead of
     * composing `entry` + `overrides`: how `isobar reproduce` relaunches a run. Text, not an
     * object, so the new run's `config.json` is byte for byte the original's (jsonb reorders keys).
     */
    config: z.string().min(2).max(1_000_000).optional(),
    /** The run this one reproduces (recorded as the `isobar.reproduces` tag). */
    reproduces: z.string().min(1).max(64).optional(),
    /** Run name (default: the config's `diagnostics.tracker.run_name`, else a generated one). */
    runName: z.string().min(1).max(250).optional(),
  })
  .strict();
export type TrainPayload = z.input<typeof TrainPayloadSchema>;

function gitCommit(): string | null {
  try {
    return execFileSync("git", ["rev-parse", "HEAD"], { cwd: PROJECT_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return null;
  }
}

async function experimentId(db: Db, name: string): Promise<string> {
  const [e] = await db.select({ id: experiments.id }).from(experiments).where(eq(experiments.name, name));
  return e ? String(e.id) : createExperiment(db, { name });
}

/** The tracked run of this job: created on the first attempt, found again by tag on retries (which resume). */
async function runForJob(
  db: Db,
  ctx: JobContext,
  config: IsobarConfig,
  payload: { overrides: string[]; reproduces?: string; runName?: string },
): Promise<{ runId: string; created: boolean }> {
  const [existing] = await db
    .select({ runId: runTags.runId })
    .from(runTags)
    .where(and(eq(runTags.key, JOB_ID_TAG), eq(runTags.value, ctx.jobId)));
  if (existing) return { runId: existing.runId, created: false };
  const tracker = config.diagnostics.tracker;
  const run = await createRun(db, {
    experimentId: await experimentId(db, tracker.experiment),
    runName: payload.runName ?? tracker.run_name ?? undefined,
    tags: [
      { key: JOB_ID_TAG, value: ctx.jobId },
      { key: "mlflow.source.name", value: "isobar train" },
      { key: "mlflow.source.type", value: "JOB" },
      { key: "isobar.overrides", value: payload.overrides.join(" ") },
      { key: "isobar.git_commit", value: gitCommit() ?? "unknown" },
      ...(payload.reproduces ? [{ key: REPRODUCES_TAG, value: payload.reproduces }] : []),
    ],
  });
  return { runId: run.info.runId, created: true };
}

/** The checkpoint metadata's normalisation (per variable name) from the training data's (per channel). */
function checkpointNormalisation(n: Normalisation, prognostic: string[]) {
  const byName = (values: number[]) => Object.fromEntries(n.variables.map((v, i) => [v, values[i]]));
  return {
    mean: byName(n.offset),
    std: byName(n.scale),
    tendency_mean: Object.fromEntries(prognostic.map((v) => [v, 0])),
    tendency_std: Object.fromEntries(prognostic.map((v, i) => [v, n.tendencyScale[i]])),
  };
}

export const trainJob = defineJob({
  type: "training.run",
  description: "Train a forecast model from a composed config, tracked as a run with checkpoints",
  payload: TrainPayloadSchema,
  // pg-boss caps expiry at 24 h; the heartbeat, not expiry, is what notices a dead worker. One
  // TF.js step blocks the event loop (and so the heartbeat timer) for seconds to minutes on a
  // loaded 2-core machine: a 10 s heartbeat would declare a live run dead and retry it.
  retry: { retryLimit: 2, expireInSeconds: 24 * 3600, minHeartbeatSeconds: 600 },
  async run(payload, ctx) {
    const db = ctx.db;
    const configDir = path.resolve(payload.configDir ?? process.env.ISOBAR_CONFIG_DIR ?? path.join(PROJECT_ROOT, "config"));
    const config = payload.config
      ? validateConfig(readConfigArtifact(payload.config, "payload.config").tree)
      : loadConfig({ source: fsSource(configDir), entry: payload.entry, overrides: payload.overrides, env: process.env }).config;
    const t = config.training;
    const { runId, created } = await runForJob(db, ctx, config, payload);
    await ctx.log("info", `${created ? "tracking as new run" : "resuming run"} ${runId}`);

    try {
      const datasetPath = path.resolve(config.data.dataset);
      const data = await TrainingData.open(datasetPath, {
        prognostic: config.data.variables.prognostic,
        forcing: config.data.variables.forcing,
        multistepInput: t.multistep_input,
        normalizer: config.data.normalizer,
      });
      const ds = data.dataset;
      if (created) {
        const flat = flattenParams(config as never);
        for (const batch of paramBatches(flat.params)) await logBatch(db, runId, { params: batch });
        const [row] = await db.select({ artifactUri: runs.artifactUri }).from(runs).where(eq(runs.id, runId));
        const dir = localDirForArtifactUri(ctx.home, row.artifactUri);
        if (dir) {
          fs.mkdirSync(dir, { recursive: true });
          fs.writeFileSync(path.join(dir, "config.json"), payload.config ?? configArtifactJson(config as never));
        }
        const uuid = typeof ds.attrs.uuid === "string" ? ds.attrs.uuid : path.basename(datasetPath);
        await logInputs(db, runId, [
          { dataset: { name: String(ds.attrs.name ?? path.basename(datasetPath)), digest: uuid.slice(0, 36), sourceType: "local", source: datasetPath }, tags: [{ key: "mlflow.data.context", value: "training" }] },
        ]);
      }

      await initTf();
      const grid = ds.grid;
      const graph = config.model.processor.type !== "mlp" ? buildGraph(grid, config.graph as never) : null;
      const io = { multistepInput: t.multistep_input, numPrognostic: config.data.variables.prognostic.length, numForcing: config.data.variables.forcing.length };
      const model = new ForecastModel(config.model as never, io, { latitudes: grid.latitudes, longitudes: grid.longitudes, graph }, t.seed);
      const area = t.loss.area_weights ? Float32Array.from(grid.weights("area")) : null;
      const variables = variableLossWeights(config.data.variables.prognostic, t.loss.variable_weights, t.loss.pressure_level_weights as never);
      const trainer = new Trainer(
        model,
        {
          lr: t.lr,
          warmupSteps: Math.min(t.lr_schedule.warmup_steps, Math.max(1, Math.floor(t.max_steps / 10))),
          decaySteps: t.lr_schedule.decay_steps ?? t.max_steps,
          minLr: t.lr_schedule.min_lr,
          betas: t.optimizer.betas as [number, number],
          eps: t.optimizer.eps,
          weightDecay: t.optimizer.weight_decay,
          clipNorm: t.gradient_clip.value,
        },
        { area, variables },
      );

      // Resume from the run's last checkpoint (a killed or retried job continues its loss curve).
      const [last] = await db.select().from(checkpoints).where(eq(checkpoints.runId, runId)).orderBy(desc(checkpoints.step)).limit(1);
      let lossHistory: { step: number; loss: number }[] = [];
      if (last) {
        const saved = await loadCheckpoint(last.path);
        const restored = modelFromCheckpoint(saved);
        model.params.import(restored.model.params.export());
        restored.model.dispose();
        if (!restored.optimizer) throw new Error(`checkpoint ${last.path} has no optimizer state to resume from`);
        trainer.importState(restored.optimizer);
        lossHistory = (saved.metadata.provenance.lossHistory as { step: number; loss: number }[] | undefined) ?? [];
        await ctx.log("info", `resumed from checkpoint at step ${restored.optimizer.step}`);
      }

      const seconds = (d: string | number) => Date.parse(`${String(d).slice(0, 10)}T00:00:00Z`) / 1000;
      const dl = config.dataloader;
      // Training samples need the longest rollout's truth inside the range, so the pool (and the
      // batches, a function of seed and step) stays the same while the rollout grows.
      const ro = t.rollout;
      const pools = {
        train: data.sampleIndices(seconds(dl.training.start), seconds(dl.training.end) + 86_399, ro.maximum),
        validation: data.sampleIndices(seconds(dl.validation.start), seconds(dl.validation.end) + 86_399),
      };
      const stepsPerEpoch = Math.max(1, Math.ceil(pools.train.length / dl.batch_size.training));
      const rollout = { start: ro.start, maximum: ro.maximum, increment: ro.epoch_increment, everyNSteps: ro.every_n_steps ?? stepsPerEpoch };
      if (ro.maximum > 1) await ctx.log("info", `rollout ${ro.start} → ${ro.maximum}, +${ro.epoch_increment} every ${rollout.everyNSteps} steps`);
      await ctx.log("info", `${pools.train.length} training and ${pools.validation.length} validation samples; ${model.params.numParameters()} parameters`);
      const checkpointDir = path.join(ctx.home, "runs", runId, "checkpoints");
      const started = Date.now();
      const result = await trainLoop(
        data,
        model,
        trainer,
        pools,
        {
          maxSteps: t.max_steps,
          maxMinutes: t.max_minutes,
          batchSize: dl.batch_size.training,
          logEveryNSteps: config.diagnostics.log.every_n_steps,
          valEveryNSteps: t.val_every_n_steps,
          checkpointEveryNSteps: config.diagnostics.checkpoint.every_n_steps,
          rollout,
        },
        t.seed,
        {
          async onLog(step, m) {
            lossHistory.push({ step, loss: m.loss });
            const now = Date.now();
            await logBatch(db, runId, {
              metrics: [
                { key: "train_mse_loss_step", value: m.loss, timestamp: now, step },
                { key: "lr-AdamW", value: m.lr, timestamp: now, step },
                { key: "grad_norm", value: m.gradNorm, timestamp: now, step },
                { key: "rollout", value: m.rollout, timestamp: now, step },
                { key: "system/samples_per_second", value: m.samplesPerSecond, timestamp: now, step },
                { key: "system/rss_mib", value: process.memoryUsage().rss / 2 ** 20, timestamp: now, step },
                { key: "system/elapsed_minutes", value: (now - started) / 60_000, timestamp: now, step },
              ],
            });
          },
          async onValidation(v) {
            const now = Date.now();
            await logBatch(db, runId, {
              metrics: [
                { key: "val_mse_loss_epoch", value: v.loss, timestamp: now, step: v.step },
                ...Object.entries(v.perVariable).map(([name, value]) => ({ key: `val_mse_metric/${name}/1`, value, timestamp: now, step: v.step })),
              ],
            });
          },
          async onCheckpoint(step, kind) {
            // One file: ONNX model + metadata (variables, grid, normalisation, time step) for
            // inference, plus weights, AdamW state and graph to resume training.
            const file = path.join(checkpointDir, kind === "final" ? "final.ckpt" : `step-${String(step).padStart(7, "0")}.ckpt`);
            const bytes = exportCheckpoint(model, {
              variables: { prognostic: config.data.variables.prognostic, forcing: config.data.variables.forcing },
              timestep: config.data.timestep,
              grid: grid.descriptor,
              normalisation: checkpointNormalisation(data.normalisation, config.data.variables.prognostic),
              provenance: {
                runId,
                step,
                kind,
                config,
                dataset: { path: datasetPath, uuid: typeof ds.attrs.uuid === "string" ? ds.attrs.uuid : null },
                seed: t.seed,
                lossHistory,
                gitCommit: gitCommit(),
                createdAt: new Date().toISOString(),
              },
              graph,
              optimizer: trainer.exportState(),
            });
            fs.mkdirSync(checkpointDir, { recursive: true });
            const tmp = `${file}.partial-${process.pid}`;
            fs.writeFileSync(tmp, bytes);
            fs.renameSync(tmp, file); // a crash never leaves a checkpoint that looks complete
            await db
              .insert(checkpoints)
              .values({ id: randomUUID(), runId, step, kind, path: file, metadata: { variables: config.data.variables, gridId: grid.id, bytes: bytes.length, graph: graph !== null } })
              .onConflictDoUpdate({ target: checkpoints.path, set: { step, kind } });
            await ctx.log("info", `${kind} checkpoint at step ${step} (${(bytes.length / 2 ** 20).toFixed(1)} MiB, with ONNX export)`);
          },
          shouldStop: () => ctx.signal.aborted,
          onProgress: (f, m) => ctx.progress(f, m),
        },
      );
      trainer.dispose();
      model.dispose();
      if (result.stoppedBy === "cancelled") {
        await updateRun(db, runId, { status: "KILLED", endTime: Date.now() });
        ctx.throwIfCancelled();
      }
      await updateRun(db, runId, { status: "FINISHED", endTime: Date.now() });
      return { runId, steps: result.step, stoppedBy: result.stoppedBy, finalLoss: lossHistory.at(-1)?.loss ?? null };
    } catch (err) {
      if (!ctx.signal.aborted) await updateRun(db, runId, { status: "FAILED", endTime: Date.now() }).catch(() => undefined);
      throw err;
    }
  },
});

import fs from "node:fs/promises";
import path from "node:path";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { openDataset, type Dataset } from "@/lib/datasets";
import { dateIndex } from "@/lib/datasets/dataset";
import { FORCING_NAMES, ForcingsSource, type ForcingName } from "@/lib/datasets/sources/forcings";
import type { OpenedSource } from "@/lib/datasets/sources/source";
import { ForecastWriter, openForecast } from "@/lib/forecasts";
import { ForecastRunner } from "@/lib/inference";
import { mulberry32 } from "@/lib/models";
import { checkpoints } from "../db/schema";
import { defineJob } from "../jobs/definition";
import { registerForecast, VerificationInputError } from "../verification/forecasts";
import { initTimes, parseLeads } from "../verification/specs";

export const InferPayloadSchema = z
  .object({
    /** A checkpoint file, or the id of a checkpoint in the registry. */
    checkpoint: z.string().min(1),
    /** Dataset the initial conditions (and dataset-only forcings) come from. */
    dataset: z.string().min(1),
    /** Init times: "START:END" or one date. */
    init: z.string().min(1),
    initStep: z.string().default("24h"),
    /** Lead times: "10d", "0:5d:6h" or "6,12,24" (multiples of the model time step). */
    lead: z.string().default("10d"),
    members: z.number().int().min(1).max(100).default(1),
    /** Initial-condition perturbation: Gaussian noise with this fraction of each variable's standard deviation (members > 1). */
    perturbation: z.number().min(0).max(1).default(0.05),
    seed: z.number().int().default(0),
    name: z.string().optional(),
    output: z.string().optional(),
  })
  .strict();

/** Standard normal draws from a seeded uniform generator (Box–Muller). */
function gaussian(rnd: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
}

/**
 * `inference.run`: autoregressive rollouts of a checkpoint with onnxruntime from initial
 * conditions in a dataset, forcings computed for every valid time, ensembles by
 * initial-condition perturbation; written as a forecast store and registered with its lineage.
 */
export const inferJob = defineJob({
  type: "inference.run",
  description: "Run a trained model (ONNX checkpoint) from dataset initial conditions into a forecast store",
  payload: InferPayloadSchema,
  // One onnxruntime step on a large grid blocks the event loop that refreshes the heartbeat.
  retry: { retryLimit: 1, expireInSeconds: 23 * 3600, minHeartbeatSeconds: 300 },
  async run(p, ctx) {
    let checkpointPath = p.checkpoint;
    let checkpointId: string | null = null;
    let runId: string | null = null;
    if (/^[0-9a-f-]{36}$/i.test(p.checkpoint)) {
      const [row] = await ctx.db.select().from(checkpoints).where(eq(checkpoints.id, p.checkpoint));
      if (!row) throw new VerificationInputError(`no checkpoint with id ${p.checkpoint}`);
      ({ path: checkpointPath, id: checkpointId, runId } = row);
    } else {
      checkpointPath = path.resolve(ctx.home, p.checkpoint);
      const [row] = await ctx.db.select().from(checkpoints).where(eq(checkpoints.path, checkpointPath));
      if (row) ({ id: checkpointId, runId } = row);
    }
    const runner = await ForecastRunner.load(checkpointPath);
    try {
      const datasetPath = path.resolve(ctx.home, p.dataset);
      const ds: Dataset = await openDataset(datasetPath);
      if (ds.grid.size !== runner.numPoints) {
        throw new VerificationInputError(`the dataset's grid (${ds.grid.id}, ${ds.grid.size} points) is not the model's (${runner.numPoints} points)`);
      }
      const { prognostic, forcing } = runner.metadata.variables;
      const T = runner.metadata.multistep_input;
      const dtHours = runner.timestepSeconds / 3600;
      const leads = parseLeads(p.lead, `${dtHours}h`).filter((h) => h > 0);
      const bad = leads.find((h) => h % dtHours !== 0);
      if (bad !== undefined) throw new VerificationInputError(`lead time ${bad} h is not a multiple of the model time step (${dtHours} h)`);
      const steps = Math.max(...leads) / dtHours;
      const inits = initTimes(p.init, p.initStep);
      const varIndex = new Map(ds.variables.map((v, i) => [v, i]));
      for (const v of prognostic) if (!varIndex.has(v)) throw new VerificationInputError(`the dataset lacks the model's prognostic variable '${v}'`);
      const computed = forcing.filter((f): f is ForcingName => (FORCING_NAMES as readonly string[]).includes(f));
      const fromDataset = forcing.filter((f) => !computed.includes(f as ForcingName));
      for (const v of fromDataset) if (!varIndex.has(v)) throw new VerificationInputError(`forcing '${v}' is neither computable nor in the dataset`);
      const opened: OpenedSource | null = computed.length ? await new ForcingsSource({ param: computed }).open(ds.grid) : null;
      const N = runner.numPoints;
      const P = prognostic.length;
      const F = forcing.length;
      const M = ds.ensembles;

      /** (variables, ensembles, points) dataset date → [N·V] point-major for the given variables. */
      const pick = (date: Float32Array, names: string[]) => {
        const out = new Float32Array(N * names.length);
        names.forEach((v, c) => {
          const base = varIndex.get(v)! * M * N;
          for (let q = 0; q < N; q++) out[q * names.length + c] = date[base + q];
        });
        return out;
      };
      const forcingsAt = async (valid: Date): Promise<Float32Array> => {
        const out = new Float32Array(N * F);
        const fields = opened ? await opened.fieldsAt(valid) : new Map<string, Float32Array>();
        let fromDs: Float32Array | null = null;
        if (fromDataset.length) {
          // Constant-in-time fields (orography, masks): the nearest dataset date.
          const s = valid.getTime() / 1000;
          const k = Math.max(0, Math.min(ds.dates.length - 1, ds.dates.findIndex((d) => d >= s)));
          fromDs = pick(await ds.readDate(k < 0 ? ds.dates.length - 1 : k), fromDataset);
        }
        forcing.forEach((v, c) => {
          const f = fields.get(v);
          const j = fromDataset.indexOf(v);
          for (let q = 0; q < N; q++) out[q * F + c] = f ? f[q] : fromDs![q * fromDataset.length + j];
        });
        return out;
      };

      const name = p.name ?? `${path.basename(checkpointPath).replace(/\.ckpt$/, "")}-${path.basename(datasetPath, ".zarr")}`;
      const out = p.output ? path.resolve(ctx.home, p.output) : path.join(ctx.home, "forecasts", `${name}.zarr`);
      await fs.mkdir(path.dirname(out), { recursive: true });
      const writer = await ForecastWriter.create(out, {
        initTimes: inits,
        leadTimesHours: leads,
        variables: prognostic,
        members: p.members,
        grid: ds.grid,
        producer: {
          kind: "model",
          ...(runId ? { runId } : {}),
          ...(checkpointId ? { checkpointId } : {}),
          checkpoint: checkpointPath,
          settings: { dataset: datasetPath, init: p.init, initStep: p.initStep, lead: p.lead, members: p.members, perturbation: p.perturbation, seed: p.seed },
        },
        sourceDataset: datasetPath,
        overwrite: true,
      });
      const std = prognostic.map((v) => runner.metadata.normalisation.std[v]);
      await ctx.log("info", `${inits.length} init times × ${p.members} member(s) × ${steps} steps of ${dtHours} h → ${out}`);
      for (const [i, init] of inits.entries()) {
        ctx.throwIfCancelled();
        const initial: Float32Array[] = [];
        for (let s = T - 1; s >= 0; s--) {
          const k = dateIndex(ds, init - s * runner.timestepSeconds);
          if (k < 0) throw new VerificationInputError(`initial condition ${new Date((init - s * runner.timestepSeconds) * 1000).toISOString()} is not in the dataset`);
          initial.push(pick(await ds.readDate(k), prognostic));
        }
        // fields[lead index] laid out (variables, members, points), as the forecast store wants.
        const fields = leads.map(() => new Float32Array(P * p.members * N));
        for (let m = 0; m < p.members; m++) {
          const start = initial.map((x) => x.slice());
          if (m > 0 && p.perturbation > 0) {
            const rnd = mulberry32((p.seed * 7_919 + i * 104_729 + m) >>> 0);
            for (const x of start) for (let q = 0; q < N; q++) for (let c = 0; c < P; c++) x[q * P + c] += p.perturbation * std[c] * gaussian(rnd);
          }
          const initDate = new Date(init * 1000);
          for await (const r of runner.rollout({ initial: start, steps, initTime: initDate, forcings: (_k, valid) => forcingsAt(valid!) })) {
            const l = leads.indexOf(r.step * dtHours);
            if (l < 0) continue;
            for (let c = 0; c < P; c++) for (let q = 0; q < N; q++) fields[l][(c * p.members + m) * N + q] = r.state[q * P + c];
          }
        }
        for (let l = 0; l < leads.length; l++) await writer.writeField(i, l, fields[l]);
        await ctx.progress((i + 1) / inits.length, `init ${i + 1}/${inits.length}`);
      }
      const row = await registerForecast(ctx.db, await openForecast(out), { name, kind: "model", jobId: ctx.jobId, producer: { ...(runId ? { runId } : {}), ...(checkpointId ? { checkpointId } : {}) } });
      await ctx.log("info", `registered forecast ${row.id}`);
      return { forecastId: row.id, path: out, initTimes: inits.length, leadTimesHours: leads, members: p.members };
    } finally {
      await runner.release();
    }
  },
});

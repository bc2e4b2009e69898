/** Verification jobs: `forecasts.baseline` (write a baseline forecast store) and `verification.score`. */
import fs from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { openDataset } from "../../lib/datasets";
import { BASELINE_KINDS, writeClimatologicalEnsemble, writeClimatologyForecast, writePersistence, type BaselineResult } from "../../lib/forecasts/baselines";
import { computeClimatology, openClimatology, WB2_CLIMATOLOGY_WINDOW_DAYS } from "../../lib/forecasts/climatology";
import { ForecastError, openForecast } from "../../lib/forecasts/store";
import { defineJob, type JobContext } from "../jobs/definition";
import { registerForecast, VerificationInputError } from "./forecasts";
import { parseRegions, regionArgSchema } from "./regions";
import { scoreForecast } from "./score";
import { initTimes, parseInitRange, parseLeads } from "./specs";

function throttled(ctx: JobContext): (fraction: number, message: string) => Promise<void> {
  let last = 0;
  return async (fraction, message) => {
    const now = Date.now();
    if (now - last > 500 || fraction >= 1) {
      last = now;
      await ctx.progress(Math.min(1, fraction), message);
    }
  };
}

const nameSchema = z.string().min(1).max(120).regex(/^[\w.-]+$/, "names may contain letters, digits, '.', '_' and '-'");

export const baselinePayloadSchema = z
  .object({
    kind: z.enum(BASELINE_KINDS),
    /** Dataset path (truth / initial conditions / climatology source). */
    dataset: z.string().min(1),
    /** Init range "START:END" (e.g. 2020-01-01:2020-01-31). */
    init: z.string().min(1),
    /** Step between init times. */
    initStep: z.string().default("12h"),
    /** Lead times: "10d", "0:5d:6h" or "6,12,24". */
    leads: z.string().default("10d"),
    leadStep: z.string().default("24h"),
    variables: z.array(z.string().min(1)).optional(),
    /** Store name (default `<kind>-<dataset name>`); the store is $ISOBAR_HOME/forecasts/<name>.zarr unless `output` is given. */
    name: nameSchema.optional(),
    output: z.string().regex(/\.zarr$/, "the output path must end in .zarr").optional(),
    /** climatology: an existing climatology store; otherwise one is computed from the dataset. */
    climatology: z.string().optional(),
    /** climatology: the period "START:END" to compute it over (default: all dates of the dataset). */
    period: z.string().optional(),
    windowDays: z.number().int().positive().max(365).default(WB2_CLIMATOLOGY_WINDOW_DAYS),
    /** climatological ensemble: candidate member years. */
    years: z.array(z.number().int()).optional(),
    overwrite: z.boolean().default(false),
  })
  .strict();
export type BaselinePayload = z.input<typeof baselinePayloadSchema>;

export const forecastBaselineJob = defineJob({
  type: "forecasts.baseline",
  description: "Write a baseline forecast store (persistence, climatology, climatological ensemble) and register it",
  payload: baselinePayloadSchema,
  retry: { retryLimit: 2, expireInSeconds: 23 * 3600 },
  async run(p, ctx) {
    const datasetPath = path.resolve(ctx.home, p.dataset);
    const ds = await openDataset(datasetPath).catch((e: unknown) => {
      throw new VerificationInputError(e instanceof Error ? e.message : String(e));
    });
    const inits = initTimes(p.init, p.initStep);
    const leads = parseLeads(p.leads, p.leadStep);
    const name = p.name ?? `${p.kind}-${path.basename(datasetPath, ".zarr")}`;
    const out = p.output ? path.resolve(ctx.home, p.output) : path.join(ctx.home, "forecasts", `${name}.zarr`);
    await fs.mkdir(path.dirname(out), { recursive: true });
    const progress = throttled(ctx);
    const producer = { settings: { dataset: datasetPath, init: p.init, initStep: p.initStep, leads, variables: p.variables ?? null } };
    const common = {
      initTimes: inits,
      leadTimesHours: leads,
      variables: p.variables,
      producer,
      sourceDataset: datasetPath,
      signal: ctx.signal,
      overwrite: p.overwrite,
    };
    await ctx.log("info", `${p.kind}: ${inits.length} init times × ${leads.length} lead times → ${out}`);
    let result: BaselineResult;
    let climatologyPath: string | null = null;
    try {
      if (p.kind === "persistence") {
        result = await writePersistence(ds, out, { ...common, onProgress: (d, t) => void progress(d / t, `${d}/${t} fields`) });
      } else if (p.kind === "climatological-ensemble") {
        result = await writeClimatologicalEnsemble(ds, out, { ...common, years: p.years, onProgress: (d, t) => void progress(d / t, `${d}/${t} fields`) });
      } else {
        if (p.climatology) climatologyPath = path.resolve(ctx.home, p.climatology);
        else {
          climatologyPath = out.replace(/\.zarr$/, ".climatology.zarr");
          const period = p.period ? parseInitRange(p.period) : undefined;
          await ctx.log("info", `computing the climatology (${p.windowDays}-day window) into ${climatologyPath}`);
          await computeClimatology(ds, climatologyPath, {
            start: period?.start,
            end: period?.end,
            variables: p.variables,
            windowDays: p.windowDays,
            sourceDataset: datasetPath,
            signal: ctx.signal,
            onProgress: (d, t) => void progress((0.8 * d) / t, `climatology ${d}/${t}`),
          });
        }
        const clim = await openClimatology(climatologyPath);
        result = await writeClimatologyForecast(clim, out, {
          ...common,
          producer: { ...producer, settings: { ...producer.settings, climatology: climatologyPath, windowDays: p.windowDays } },
          onProgress: (d, t) => void progress(0.8 + (0.2 * d) / t, `${d}/${t} fields`),
        });
      }
    } catch (err) {
      if (err instanceof ForecastError && ctx.signal.aborted) ctx.throwIfCancelled();
      if (err instanceof ForecastError) throw new VerificationInputError(err.message);
      throw err;
    }
    await progress(1, "registering");
    const row = await registerForecast(ctx.db, await openForecast(out), { name, kind: p.kind, jobId: ctx.jobId });
    await ctx.log("info", `registered forecast ${row.id} (${result.fields} fields written, ${result.skipped} already there)`);
    return { forecastId: row.id, path: out, name, kind: p.kind, members: result.members, variables: result.variables, initTimes: inits.length, leadTimesHours: leads, fields: result.fields, skipped: result.skipped, climatologyPath };
  },
});

export const scorePayloadSchema = z
  .object({
    /** Forecast id, or a forecast store path (Isobar or WB2-style; registered if new). */
    forecast: z.string().min(1),
    /** Truth dataset path. */
    truth: z.string().min(1),
    /** Climatology store (enables ACC). */
    climatology: z.string().min(1).optional(),
    /** WB2 region names, "native", or boxes "name=latMin:latMax:lonMin:lonMax". */
    regions: z.array(regionArgSchema).optional(),
    weights: z.enum(["area", "cos-lat"]).default("area"),
  })
  .strict();
export type ScorePayload = z.input<typeof scorePayloadSchema>;

export const verificationScoreJob = defineJob({
  type: "verification.score",
  description: "Score a forecast against a truth dataset (area sufficient statistics per variable, level, region, lead and init time)",
  payload: scorePayloadSchema,
  retry: { retryLimit: 2, expireInSeconds: 23 * 3600 },
  async run(p, ctx) {
    const regions = parseRegions(p.regions);
    const progress = throttled(ctx);
    const forecast = /^[0-9a-f-]{36}$/i.test(p.forecast) ? p.forecast : path.resolve(ctx.home, p.forecast);
    try {
      const result = await scoreForecast(ctx.db, {
        forecast,
        truth: path.resolve(ctx.home, p.truth),
        climatology: p.climatology ? path.resolve(ctx.home, p.climatology) : null,
        regions,
        weights: p.weights,
        jobId: ctx.jobId,
        signal: ctx.signal,
        onProgress: (f, _t, m) => progress(f, m),
        log: (m) => ctx.log("info", m),
      });
      await ctx.log("info", `score run ${result.scoreRunId}: ${result.fields} fields, ${result.rows} rows stored (${result.pendingFields} fields not written yet, ${result.noTruth} without truth)`);
      return result;
    } catch (err) {
      if (ctx.signal.aborted) ctx.throwIfCancelled();
      if (err instanceof ForecastError) throw new VerificationInputError(err.message);
      throw err;
    }
  },
});

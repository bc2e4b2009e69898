/**
 * Verification end to end on a fresh ISOBAR_HOME: a synthetic truth dataset (3 years, daily,
 * 22.5° grid) → baseline jobs (persistence, climatology, climatological ensemble) → score jobs →
 * stored statistics checked against an independent float64 computation; idempotent and resumed
 * re-scoring; scorecards and curves through the tRPC router; property tests of the baselines.
 */
import path from "node:path";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDataset, loadRecipe, openDataset, type Dataset } from "@/lib/datasets";
import { tmpDir } from "@/lib/datasets/test-utils";
import { openClimatology } from "@/lib/forecasts/climatology";
import { openForecast } from "@/lib/forecasts/store";
import { SyntheticSource } from "@/lib/datasets/sources/synthetic";
import { aggregateOverTime } from "@/lib/verification/aggregate";
import type { SufficientStats } from "@/lib/verification/stats";
import { JobCancelledError, type JobContext } from "@/server/jobs/definition";
import { readEnv } from "@/server/env";
import { scoreRuns, scoreStats } from "@/server/db/schema";
import { openServices, type Services } from "@/server/services";
import { appRouter } from "@/server/trpc/router";
import { forecastBaselineJob, verificationScoreJob } from "@/server/verification/jobs";
import { parseRegions } from "@/server/verification/regions";
import { scoreForecast } from "@/server/verification/score";
import { ScoringPool } from "@/lib/verification/parallel";

const FAKE_JOB_ID = "00000000-0000-4000-8000-0000000000aa";
const RECIPE = `
name: truth
dates: {start: 2019-01-01T00:00:00, end: 2021-02-28T00:00:00, frequency: 24h}
input: {synthetic: {seed: 3, variables: [z_500, t_850, 10u, 10v]}}
output: {grid: "22.5"}
`;

let services: Services;
let home: string;
let truthPath: string;
let truth: Dataset;

function ctx(): JobContext & { progressCalls: number[] } {
  const progressCalls: number[] = [];
  return {
    jobId: FAKE_JOB_ID,
    attempt: 1,
    signal: new AbortController().signal,
    progressCalls,
    async progress(f: number) {
      progressCalls.push(f);
    },
    async log() {},
    throwIfCancelled() {
      throw new JobCancelledError();
    },
    db: services.storage.db,
    home: services.env.home,
  };
}

beforeAll(async () => {
  home = tmpDir("isobar-verif-");
  services = await openServices(readEnv({ ISOBAR_HOME: home }), { command: "vitest", runWorkers: false, supervise: false });
  truthPath = path.join(home, "truth.zarr");
  await createDataset(await loadRecipe(RECIPE), truthPath);
  truth = await openDataset(truthPath);
}, 300_000);
afterAll(async () => services?.close());

const INIT = "2021-01-01:2021-01-31";
const results: Record<string, { forecastId: string; path: string; climatologyPath?: string | null }> = {};
const runs: Record<string, string> = {};

/** Independent float64 WB2 cell-area row weights (written from the definition, not lib/verification). */
function wb2Weights(lat: Float64Array): Float64Array {
  const rows = [...new Set(lat)].sort((a, b) => a - b);
  const rad = Math.PI / 180;
  const area = new Map<number, number>();
  rows.forEach((phi, k) => {
    const lo = k === 0 ? -90 : (rows[k - 1] + phi) / 2;
    const hi = k === rows.length - 1 ? 90 : (phi + rows[k + 1]) / 2;
    area.set(phi, Math.sin(hi * rad) - Math.sin(lo * rad));
  });
  return Float64Array.from(lat, (phi) => area.get(phi)!);
}

describe("baseline jobs", () => {
  it("persistence, climatology and climatological ensemble are written and registered", async () => {
    const p = await forecastBaselineJob.run(forecastBaselineJob.payload.parse({ kind: "persistence", dataset: truthPath, init: INIT, initStep: "24h", leads: "10d" }), ctx());
    expect(p).toMatchObject({ kind: "persistence", members: 1, initTimes: 31, leadTimesHours: [24, 48, 72, 96, 120, 144, 168, 192, 216, 240], fields: 310 });
    results.persistence = p;
    const c = await forecastBaselineJob.run(
      forecastBaselineJob.payload.parse({ kind: "climatology", dataset: truthPath, init: INIT, initStep: "24h", leads: "10d", period: "2019-01-01:2020-12-31" }),
      ctx(),
    );
    expect(c.climatologyPath).toMatch(/climatology-truth\.climatology\.zarr$/);
    results.climatology = c;
    const e = await forecastBaselineJob.run(forecastBaselineJob.payload.parse({ kind: "climatological-ensemble", dataset: truthPath, init: INIT, initStep: "24h", leads: "10d" }), ctx());
    expect(e.members).toBe(2); // 2019 and 2020 for valid times in 2021
    results.ensemble = e;
    const caller = appRouter.createCaller({ services, isLocal: true });
    const list = await caller.verification.forecasts();
    expect(list.map((f) => f.kind).sort()).toEqual(["climatological-ensemble", "climatology", "persistence"]);
    expect(list.find((f) => f.kind === "persistence")!.sourceDataset).toBe(truthPath);
    // bad inputs are clear
    await expect(forecastBaselineJob.run(forecastBaselineJob.payload.parse({ kind: "persistence", dataset: truthPath, init: "2031-01-01:2031-01-02" }), ctx())).rejects.toThrow(/is not a date of/);
    await expect(forecastBaselineJob.run(forecastBaselineJob.payload.parse({ kind: "persistence", dataset: path.join(home, "none.zarr"), init: INIT }), ctx())).rejects.toThrow(/does not exist/);
  });
});

describe("score jobs", () => {
  const regions = ["global", "tropics", "northern-hemisphere", "europe", "box1=-30:30:300:60"];

  it("scores every baseline and stores statistics matching an independent float64 computation", async () => {
    const clim = results.climatology.climatologyPath!;
    for (const [k, r] of Object.entries(results)) {
      const c = ctx();
      const res = await verificationScoreJob.run(verificationScoreJob.payload.parse({ forecast: r.forecastId, truth: truthPath, climatology: clim, regions }), c);
      expect(res.fields).toBe(310);
      expect(res.pendingFields).toBe(0);
      expect(res.variables).toEqual(["z_500", "t_850", "10u", "10v"]);
      expect(c.progressCalls.at(-1)).toBe(1);
      runs[k] = res.scoreRunId;
    }
    // independent check: persistence, z_500, lead 72 h, init 2021-01-10, global and the box
    const initT = Date.UTC(2021, 0, 10) / 1000;
    const lead = 72;
    const i0 = truth.dates.indexOf(initT);
    const i1 = truth.dates.indexOf(initT + lead * 3600);
    const f = (await truth.readDate(i0)).subarray(0, truth.grid.size);
    const o = (await truth.readDate(i1)).subarray(0, truth.grid.size);
    const climStore = await openClimatology(results.climatology.climatologyPath!);
    const c = (await climStore.fieldAt(initT + lead * 3600)).subarray(0, truth.grid.size);
    const w = wb2Weights(truth.grid.latitudes);
    const inBox = (lat: number, lon: number) => lat >= -30 && lat <= 30 && (lon >= 300 || lon <= 60);
    for (const [region, inside] of [["global", () => true], ["box1", inBox]] as const) {
      let sw = 0, se2 = 0, se = 0, sfo = 0, sff = 0, soo = 0;
      for (let p = 0; p < truth.grid.size; p++) {
        const lon = ((truth.grid.longitudes[p] % 360) + 360) % 360;
        if (!inside(truth.grid.latitudes[p], lon)) continue;
        const e = f[p] - o[p];
        sw += w[p];
        se += w[p] * e;
        se2 += w[p] * e * e;
        sfo += w[p] * (f[p] - c[p]) * (o[p] - c[p]);
        sff += w[p] * (f[p] - c[p]) ** 2;
        soo += w[p] * (o[p] - c[p]) ** 2;
      }
      const [row] = await services.storage.db
        .select()
        .from(scoreStats)
        .where(and(eq(scoreStats.scoreRunId, runs.persistence), eq(scoreStats.variable, "z"), eq(scoreStats.level, 500), eq(scoreStats.region, region), eq(scoreStats.leadHours, lead), eq(scoreStats.initTime, new Date(initT * 1000)), eq(scoreStats.kind, "deterministic")));
      const s = row.stats as SufficientStats & { kind: "deterministic" };
      expect(s.sumWSqErr / s.sumW).toBeCloseTo(se2 / sw, 6);
      expect(Math.abs(s.sumWSqErr / s.sumW - se2 / sw) / (se2 / sw)).toBeLessThan(1e-12);
      expect(Math.abs(s.sumWErr / s.sumW - se / sw)).toBeLessThan(1e-9 * Math.sqrt(se2 / sw));
      const acc = sfo / Math.sqrt(sff * soo);
      expect(s.anomaly!.sumWFO / Math.sqrt(s.anomaly!.sumWFF * s.anomaly!.sumWOO)).toBeCloseTo(acc, 12);
    }
    // ensemble: fair CRPS brute force O(M²) on one field (t_850, global, lead 24 h, first init)
    const fc = await openForecast(results.ensemble.path);
    const x = await fc.readField(0, 0);
    const P = truth.grid.size;
    const M = fc.members;
    const v = fc.variables.indexOf("t_850");
    const y = (await truth.readDate(truth.dates.indexOf(fc.initTimes[0] + 24 * 3600))).subarray(truth.variables.indexOf("t_850") * P, truth.variables.indexOf("t_850") * P + P);
    let sw = 0, scrps = 0;
    for (let p = 0; p < P; p++) {
      let s = 0, d = 0;
      for (let a = 0; a < M; a++) {
        s += Math.abs(x[(v * M + a) * P + p] - y[p]);
        for (let b = 0; b < M; b++) d += Math.abs(x[(v * M + a) * P + p] - x[(v * M + b) * P + p]);
      }
      scrps += w[p] * (s / M - d / (2 * M * (M - 1)));
      sw += w[p];
    }
    const [er] = await services.storage.db
      .select()
      .from(scoreStats)
      .where(and(eq(scoreStats.scoreRunId, runs.ensemble), eq(scoreStats.variable, "t"), eq(scoreStats.level, 850), eq(scoreStats.region, "global"), eq(scoreStats.leadHours, 24), eq(scoreStats.initTime, new Date(fc.initTimes[0] * 1000)), eq(scoreStats.kind, "ensemble")));
    expect(aggregateOverTime([er.stats as SufficientStats], "crps-fair")).toBeCloseTo(scrps / sw, 9);
    // wind vector rows exist for 10u+10v
    const wv = await services.storage.db.select({ n: sql<number>`count(*)::int` }).from(scoreStats).where(and(eq(scoreStats.scoreRunId, runs.persistence), eq(scoreStats.kind, "wind-vector"), eq(scoreStats.variable, "10u+10v")));
    expect(wv[0].n).toBe(31 * 10 * regions.length);
  });

  it("re-scoring replaces (never duplicates); an interrupted run resumes", async () => {
    const db = services.storage.db;
    const count = async () => (await db.select({ n: sql<number>`count(*)::int` }).from(scoreStats).where(eq(scoreStats.scoreRunId, runs.persistence)))[0].n;
    const before = await count();
    expect(before).toBe(31 * 10 * regions.length * (4 + 1));
    const payload = verificationScoreJob.payload.parse({ forecast: results.persistence.path, truth: truthPath, climatology: results.climatology.climatologyPath!, regions });
    const again = await verificationScoreJob.run(payload, ctx());
    expect(again.scoreRunId).toBe(runs.persistence);
    expect(again.resumedInits).toBe(0);
    expect(await count()).toBe(before);
    // simulate a crash after 20 init times: status running, last 11 inits missing
    await db.update(scoreRuns).set({ status: "running" }).where(eq(scoreRuns.id, runs.persistence));
    await db.delete(scoreStats).where(and(eq(scoreStats.scoreRunId, runs.persistence), sql`${scoreStats.initTime} >= ${new Date(Date.UTC(2021, 0, 21))}`));
    const resumed = await verificationScoreJob.run(payload, ctx());
    expect(resumed.resumedInits).toBe(20);
    expect(resumed.fields).toBe(110);
    expect(await count()).toBe(before);
    // fewer regions on a re-score: the others are removed
    const fewer = await verificationScoreJob.run({ ...payload, regions: ["global", "tropics", "northern-hemisphere", "europe"] }, ctx());
    expect(fewer.regions).toHaveLength(4);
    expect(await count()).toBe(31 * 10 * 4 * 5);
    await verificationScoreJob.run(payload, ctx());
    expect(await count()).toBe(before);
    await expect(verificationScoreJob.run({ ...payload, regions: ["atlantis"] }, ctx())).rejects.toThrow(/unknown region 'atlantis'/);
  });

  it("scoring with worker threads stores the same statistics as the single-thread path", async () => {
    // The jobs above ran in one thread (the 22.5° grid is far below MIN_PARALLEL_POINTS); re-score
    // the persistence and ensemble forecasts with a 2-thread pool that splits even tiny fields.
    const db = services.storage.db;
    const rowsOf = async (runId: string) =>
      (await db.select().from(scoreStats).where(eq(scoreStats.scoreRunId, runId))).map((r) => ({ key: `${r.variable}|${r.level}|${r.region}|${r.leadHours}|${r.initTime.getTime()}|${r.kind}`, stats: r.stats })).sort((a, b) => a.key.localeCompare(b.key));
    const pool = new ScoringPool(2, { minPoints: 1 });
    try {
      for (const k of ["persistence", "ensemble"] as const) {
        const single = await rowsOf(runs[k]);
        expect(single.length).toBeGreaterThan(1000);
        const res = await scoreForecast(db, { forecast: results[k].forecastId, truth: truthPath, climatology: results.climatology.climatologyPath!, regions: parseRegions(regions), pool });
        expect(res.scoreRunId).toBe(runs[k]);
        expect(await rowsOf(runs[k])).toEqual(single);
      }
      expect(pool.workerError).toBeNull();
      expect(pool.workerTasks).toBeGreaterThan(2 * 310 * 4);
    } finally {
      await pool.close();
    }
  });

  it("scorecards and curves through the router", async () => {
    const caller = appRouter.createCaller({ services, isLocal: true });
    const card = await caller.verification.scorecard({ experimentScoreRunId: runs.climatology, referenceScoreRunId: runs.persistence, inflation: "ar2" });
    expect(card.leadTimesHours).toEqual([24, 48, 72, 96, 120, 144, 168, 192, 216, 240]);
    const row = card.rows.find((r) => r.region === "global" && r.score === "rmse" && r.variable === "z" && r.level === 500)!;
    expect(row.cells).toHaveLength(10);
    // climatology beats persistence at 10 days, loses at 1 day
    expect(row.cells[9].verdict).toBe("better");
    expect(row.cells[0].verdict).toBe("worse");
    // A climatology forecast has no anomaly, so its ACC is undefined and those cells are left out…
    expect(card.rows.some((r) => r.score === "acc-wb2")).toBe(false);
    // …while persistence, scored with a climatology, has a finite ACC at every lead.
    const acc = await caller.verification.curves({ scoreRunIds: [runs.persistence], score: "acc-wb2", variable: "z", level: 500, region: "global", inflation: "iid" });
    expect(acc.series[0].points.every((p) => Number.isFinite(p.value) && p.value! > -1 && p.value! <= 1)).toBe(true);
    expect(card.rows.some((r) => r.score === "wind-vector-rmse")).toBe(true);
    const csv = await caller.verification.scorecardCsv({ experimentScoreRunId: runs.climatology, referenceScoreRunId: runs.persistence, inflation: "iid" });
    expect(csv.split("\n")[0]).toBe("region,score,variable,level,lead_hours,experiment,reference,relative_difference_percent,colour_bin,verdict,significance_level,n,p_value,mean_difference,ci95_lower,ci95_upper");
    const curves = await caller.verification.curves({ scoreRunIds: [runs.climatology, runs.ensemble], referenceScoreRunId: runs.persistence, score: "rmse", variable: "z", level: 500, region: "global", inflation: "ar1" });
    expect(curves.series).toHaveLength(2);
    const p0 = curves.series[0].points[0];
    expect(p0.diff!.lower95!).toBeLessThan(p0.diff!.mean);
    expect(p0.diff!.upper95!).toBeGreaterThan(p0.diff!.mean);
    await expect(caller.verification.scorecard({ experimentScoreRunId: runs.persistence, referenceScoreRunId: runs.persistence, inflation: "ar2" })).rejects.toThrow(/same score run/);
  });
});

describe("properties of the baselines on the synthetic source", () => {
  it("climatology RMSE ≈ anomaly std; persistence RMSE grows towards √2·std; persistence ACC ≈ lag autocorrelation", async () => {
    const caller = appRouter.createCaller({ services, isLocal: true });
    const curve = async (run: string, score: "rmse" | "acc-wbx") =>
      (await caller.verification.curves({ scoreRunIds: [run], score, variable: "z", level: 500, region: "global", inflation: "iid" })).series[0].points.map((p) => p.value!);
    // the source's own anomaly standard deviation, area-weighted RMS over the init-time valid dates
    const opened = await new SyntheticSource({ seed: 3, variables: ["z_500"] }).open(truth.grid);
    const w = truth.grid.weights("area");
    let s2 = 0, sw = 0;
    for (let d = 0; d < 31; d += 5) {
      const sd = opened.anomalyStdAt(new Date(Date.UTC(2021, 0, 5 + d)))!.get("z_500")!;
      for (let p = 0; p < sd.length; p++) {
        s2 += w[p] * sd[p] * sd[p];
        sw += w[p];
      }
    }
    const sigma = Math.sqrt(s2 / sw);
    const climRmse = await curve(runs.climatology, "rmse");
    const persRmse = await curve(runs.persistence, "rmse");
    // climatology RMSE: within 20 % of σ at every lead (climatology from 2 years, 31 winter cases)
    for (const r of climRmse) expect(Math.abs(r / sigma - 1)).toBeLessThan(0.2);
    // persistence RMSE grows with lead (non-decreasing over the first 5 days) and reaches √2·σ within 25 % by day 10
    for (let k = 1; k < 5; k++) expect(persRmse[k]).toBeGreaterThan(persRmse[k - 1]);
    expect(persRmse[0]).toBeLessThan(0.9 * sigma);
    expect(Math.abs(persRmse[9] / (Math.SQRT2 * sigma) - 1)).toBeLessThan(0.25);
    // persistence ACC at lead t ≈ lag-t autocorrelation of the anomalies (w.r.t. the same climatology store), within 0.1
    const acc = await curve(runs.persistence, "acc-wbx");
    const clim = await openClimatology(results.climatology.climatologyPath!);
    const P = truth.grid.size;
    for (const [k, lag] of [[0, 1], [2, 3], [6, 7]] as const) {
      let ab = 0, aa = 0, bb = 0;
      for (let d = 0; d < 31; d++) {
        const t0 = Date.UTC(2021, 0, 1 + d) / 1000;
        const t1 = t0 + lag * 86400;
        const a = (await truth.readDate(truth.dates.indexOf(t0))).subarray(0, P);
        const b = (await truth.readDate(truth.dates.indexOf(t1))).subarray(0, P);
        const c0 = (await clim.fieldAt(t1)).subarray(0, P);
        for (let p = 0; p < P; p++) {
          const x = a[p] - c0[p];
          const y = b[p] - c0[p];
          ab += w[p] * x * y;
          aa += w[p] * x * x;
          bb += w[p] * y * y;
        }
      }
      expect(Math.abs(acc[k] - ab / Math.sqrt(aa * bb))).toBeLessThan(0.1);
    }
  });
});

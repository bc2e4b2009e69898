/**
 * Scoring a forecast store against a truth dataset: streaming over init times (one forecast
 * field, a few truth dates and climatology fields in memory), storing per (variable, level,
 * region, lead, init) the area sufficient statistics in `score_stats`. Resumable (an interrupted
 * run continues at the first init time not stored) and idempotent (rows are upserted by primary
 * key; re-scoring a completed run recomputes and replaces them).
 */
import { randomUUID } from "node:crypto";
import path from "node:path";
import { and, eq, notInArray, sql } from "drizzle-orm";
import { openDataset, dateIndex, type Dataset } from "../../lib/datasets";
import { openClimatology, type Climatology } from "../../lib/forecasts/climatology";
import { openForecast, type ForecastReader } from "../../lib/forecasts/store";
import type { Grid } from "../../lib/grids";
import { accumulateWindVector } from "../../lib/verification/deterministic";
import { ScoringPool } from "../../lib/verification/parallel";
import { compileRegions, regionName, type RegionSpec } from "../../lib/verification/regions";
import type { SufficientStats } from "../../lib/verification/stats";
import type { Db } from "../db/storage";
import { scoreRuns, scoreStats } from "../db/schema";
import { findForecastByPath, getForecast, isUuid, registerForecast, VerificationInputError, type ForecastRow } from "./forecasts";

/** "z_500" → {variable "z", level 500}; "2t" → {variable "2t", level −1}. */
export function splitLevel(name: string): { variable: string; level: number } {
  const m = /^(.+)_(\d+)$/.exec(name);
  return m ? { variable: m[1], level: Number(m[2]) } : { variable: name, level: -1 };
}

/** Wind pairs among the variables: (10u, 10v) → "10u+10v"; (u_850, v_850) → "u+v" at 850. */
export function windPairs(variables: readonly string[]): { u: string; v: string; variable: string; level: number }[] {
  const out: { u: string; v: string; variable: string; level: number }[] = [];
  for (const u of variables) {
    const { variable, level } = splitLevel(u);
    if (!variable.endsWith("u")) continue;
    const vBase = variable.slice(0, -1) + "v";
    const v = level >= 0 ? `${vBase}_${level}` : vBase;
    if (variables.includes(v)) out.push({ u, v, variable: `${variable}+${vBase}`, level });
  }
  return out;
}

/** Map from forecast point index to truth point index, or null when they are the same order. */
export function pointPermutation(from: Grid, to: Grid): Int32Array | null {
  if (from.size !== to.size) throw new VerificationInputError(`the forecast grid (${from.id}, ${from.size} points) differs from the truth grid (${to.id}, ${to.size} points)`);
  let same = true;
  for (let p = 0; p < from.size && same; p++) {
    if (Math.abs(from.latitudes[p] - to.latitudes[p]) > 1e-4 || Math.abs(((from.longitudes[p] - to.longitudes[p] + 540) % 360) - 180) > 1e-4) same = false;
  }
  if (same) return null;
  const key = (lat: number, lon: number) => `${Math.round(lat * 1e3)}/${Math.round((((lon % 360) + 360) % 360) * 1e3) % 360000}`;
  const index = new Map<string, number>();
  for (let p = 0; p < to.size; p++) index.set(key(to.latitudes[p], to.longitudes[p]), p);
  const perm = new Int32Array(from.size);
  for (let p = 0; p < from.size; p++) {
    const q = index.get(key(from.latitudes[p], from.longitudes[p]));
    if (q === undefined) throw new VerificationInputError(`the forecast grid (${from.id}) and the truth grid (${to.id}) have different points`);
    perm[p] = q;
  }
  return perm;
}

export interface ScoreOptions {
  /** Forecast id or store path (a path not yet registered is registered). */
  forecast: string;
  truth: string;
  climatology?: string | null;
  regions: RegionSpec[];
  weights?: "area" | "cos-lat";
  jobId?: string;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, message: string) => Promise<void> | void;
  log?: (message: string) => Promise<void> | void;
  /**
   * Worker threads for the kernels (lib/verification/parallel.ts; bit-identical results for any
   * count). Default: a pool of defaultScoringThreads() made for this run and closed at its end.
   */
  pool?: ScoringPool;
}

export interface ScoreResult {
  scoreRunId: string;
  forecastId: string;
  initTimes: number;
  /** Init times skipped because they were stored by an earlier, interrupted attempt. */
  resumedInits: number;
  fields: number;
  /** Fields not (yet) written in the forecast store. */
  pendingFields: number;
  /** Fields whose valid time is not a date of the truth dataset. */
  noTruth: number;
  rows: number;
  variables: string[];
  regions: string[];
}

async function resolveForecast(db: Db, ref: string, jobId?: string): Promise<{ row: ForecastRow; reader: ForecastReader }> {
  if (isUuid(ref)) {
    const row = await getForecast(db, ref);
    return { row, reader: await openForecast(row.path) };
  }
  const reader = await openForecast(ref);
  const row = (await findForecastByPath(db, ref)) ?? (await registerForecast(db, reader, { jobId }));
  return { row, reader };
}

class Lru<V> {
  private map = new Map<number, Promise<V>>();
  constructor(private readonly size: number) {}
  get(k: number, load: () => Promise<V>): Promise<V> {
    let v = this.map.get(k);
    if (v) {
      this.map.delete(k);
    } else {
      v = load();
      if (this.map.size >= this.size) this.map.delete(this.map.keys().next().value!);
    }
    this.map.set(k, v);
    return v;
  }
}

type Row = typeof scoreStats.$inferInsert;

/** JSON with object keys sorted. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x));
}

export async function scoreForecast(db: Db, o: ScoreOptions): Promise<ScoreResult> {
  const { row: frow, reader: F } = await resolveForecast(db, o.forecast, o.jobId);
  const truthPath = path.resolve(o.truth);
  const truth: Dataset = await openDataset(truthPath).catch((e: unknown) => {
    throw new VerificationInputError(e instanceof Error ? e.message : String(e));
  });
  const clim: Climatology | null = o.climatology ? await openClimatology(o.climatology) : null;
  const climPath = o.climatology ? path.resolve(o.climatology) : null;
  const perm = pointPermutation(F.grid, truth.grid);
  if (clim && clim.grid.size !== truth.grid.size) throw new VerificationInputError(`the climatology grid (${clim.grid.id}) differs from the truth grid (${truth.grid.id})`);
  const variables = F.variables.filter((v) => truth.variables.includes(v));
  if (variables.length === 0) throw new VerificationInputError(`the forecast (${F.variables.join(", ")}) and the truth (${truth.variables.join(", ")}) have no variable in common`);
  const pairs = windPairs(variables);
  const regions = o.regions;
  const regionNames = regions.map(regionName);
  const P = truth.grid.size;
  const M = F.members;
  const regionSet = compileRegions(regions, truth.grid.latitudes, truth.grid.longitudes);
  const weights = truth.grid.weights(o.weights ?? "area");
  const fIdx = variables.map((v) => F.variables.indexOf(v));
  const tIdx = variables.map((v) => truth.variables.indexOf(v));
  const cIdx = variables.map((v) => (clim ? clim.variables.indexOf(v) : -1));
  const ne = truth.shape[2];

  // the score run: one per (forecast, truth); resume an unfinished one with the same settings
  const settings = { regions, weights: o.weights ?? "area" };
  const [existing] = await db.select().from(scoreRuns).where(and(eq(scoreRuns.forecastId, frow.id), eq(scoreRuns.truthPath, truthPath)));
  let runId: string;
  let doneInits = new Set<number>();
  if (existing) {
    runId = existing.id;
    const prev = (existing.regions ?? {}) as { regions?: unknown; weights?: unknown };
    // jsonb does not keep key order: compare canonical forms
    const sameSettings = canonical(prev.regions) === canonical(settings.regions) && prev.weights === settings.weights && existing.climatologyPath === climPath;
    if (existing.status !== "completed" && sameSettings) {
      const done = await db.selectDistinct({ t: scoreStats.initTime }).from(scoreStats).where(eq(scoreStats.scoreRunId, runId));
      doneInits = new Set(done.map((d) => Math.round(d.t.getTime() / 1000)));
    }
    await db.update(scoreRuns).set({ status: "running", climatologyPath: climPath, regions: settings, jobId: o.jobId ?? null, finishedAt: null }).where(eq(scoreRuns.id, runId));
    // regions no longer scored are removed: re-scoring replaces
    await db.delete(scoreStats).where(and(eq(scoreStats.scoreRunId, runId), notInArray(scoreStats.region, regionNames)));
  } else {
    runId = randomUUID();
    await db.insert(scoreRuns).values({ id: runId, forecastId: frow.id, truthPath, climatologyPath: climPath, regions: settings, status: "running", jobId: o.jobId ?? null });
  }

  const truthCache = new Lru<Float32Array>(Math.max(4, F.leadTimesHours.length + 1));
  const total = F.initTimes.length * F.leadTimesHours.length;
  let done = 0;
  let fields = 0;
  let pending = 0;
  let noTruth = 0;
  let rowsWritten = 0;
  let resumed = 0;
  const fBuf = perm ? new Float32Array(variables.length * M * P) : null;
  const mean = new Float32Array(P);
  const pool = o.pool ?? new ScoringPool();
  try {
    for (let i = 0; i < F.initTimes.length; i++) {
      const init = F.initTimes[i];
      if (doneInits.has(init)) {
        resumed++;
        done += F.leadTimesHours.length;
        continue;
      }
      const rows: Row[] = [];
      const initDate = new Date(init * 1000);
      for (let l = 0; l < F.leadTimesHours.length; l++) {
        if (o.signal?.aborted) throw new Error("scoring interrupted");
        const lead = F.leadTimesHours[l];
        const valid = init + lead * 3600;
        done++;
        const ti = dateIndex(truth, valid);
        if (ti < 0) {
          noTruth++;
          continue;
        }
        if (!(await F.hasField(i, l))) {
          pending++;
          continue;
        }
        const raw = await F.readField(i, l);
        let fx = raw;
        if (perm && fBuf) {
          for (let v = 0; v < variables.length; v++) {
            for (let m = 0; m < M; m++) {
              const src = (fIdx[v] * M + m) * P;
              const dst = (v * M + m) * P;
              for (let p = 0; p < P; p++) fBuf[dst + perm[p]] = raw[src + p];
            }
          }
          fx = fBuf;
        }
        const fOff = (v: number) => (perm ? v * M * P : fIdx[v] * M * P);
        const tx = await truthCache.get(ti, () => truth.readDate(ti));
        const cx = clim ? await clim.fieldAt(valid) : null;
        const push = (variable: string, level: number, kind: SufficientStats["kind"], stats: SufficientStats[]) => {
          stats.forEach((s, r) => rows.push({ scoreRunId: runId, variable, level, region: regionNames[r], leadHours: lead, initTime: initDate, kind, stats: s }));
        };
        const detField = (v: number): Float32Array => {
          const off = fOff(v);
          if (M === 1) return fx.subarray(off, off + P);
          mean.fill(0);
          for (let m = 0; m < M; m++) for (let p = 0; p < P; p++) mean[p] += fx[off + m * P + p];
          for (let p = 0; p < P; p++) mean[p] /= M;
          return mean;
        };
        const truthField = (v: number) => tx.subarray(tIdx[v] * ne * P, tIdx[v] * ne * P + P);
        for (let v = 0; v < variables.length; v++) {
          const { variable, level } = splitLevel(variables[v]);
          const c = cx && cIdx[v] >= 0 ? cx.subarray(cIdx[v] * P, cIdx[v] * P + P) : undefined;
          push(variable, level, "deterministic", await pool.deterministic({ forecast: detField(v), truth: truthField(v), climatology: c, weights }, regionSet));
          if (M > 1) {
            const off = fOff(v);
            push(variable, level, "ensemble", await pool.ensemble({ members: fx.subarray(off, off + M * P), memberCount: M, truth: truthField(v), weights }, regionSet));
          }
        }
        for (const pr of pairs) {
          const u = variables.indexOf(pr.u);
          const w = variables.indexOf(pr.v);
          const fu = Float32Array.from(detField(u));
          push(pr.variable, pr.level, "wind-vector", accumulateWindVector({ forecastU: fu, forecastV: detField(w), truthU: truthField(u), truthV: truthField(w), weights }, regionSet));
        }
        fields++;
        if (done % 4 === 0) await o.onProgress?.(done / total, total, `init ${i + 1}/${F.initTimes.length}, lead ${lead} h`);
      }
      // one transaction per init time (in statements of 2,000 rows): an init time is either fully
      // stored or not at all, so a resumed job may skip the init times it finds
      await db.transaction(async (tx) => {
        for (let k = 0; k < rows.length; k += 2000) {
          await tx
            .insert(scoreStats)
            .values(rows.slice(k, k + 2000))
            .onConflictDoUpdate({
              target: [scoreStats.scoreRunId, scoreStats.variable, scoreStats.level, scoreStats.region, scoreStats.leadHours, scoreStats.initTime, scoreStats.kind],
              set: { stats: sql`excluded.stats` },
            });
        }
      });
      rowsWritten += rows.length;
      await o.onProgress?.(done / total, total, `init ${i + 1}/${F.initTimes.length} stored`);
    }
  } catch (err) {
    await db.update(scoreRuns).set({ status: "failed" }).where(eq(scoreRuns.id, runId));
    throw err;
  } finally {
    if (!o.pool) await pool.close();
  }
  await db.update(scoreRuns).set({ status: "completed", finishedAt: new Date() }).where(eq(scoreRuns.id, runId));
  if (resumed) await o.log?.(`resumed: ${resumed} init times were already stored`);
  return {
    scoreRunId: runId,
    forecastId: frow.id,
    initTimes: F.initTimes.length,
    resumedInits: resumed,
    fields,
    pendingFields: pending,
    noTruth,
    rows: rowsWritten,
    variables,
    regions: regionNames,
  };
}

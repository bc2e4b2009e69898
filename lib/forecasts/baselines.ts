/**
 * Baseline forecasts, each written as an Isobar forecast store:
 * - persistence: the initial state (truth at the init time) repeated at every lead time;
 * - climatology: the climatology at the valid time (day of year, hour);
 * - climatological ensemble: members = the truth at the same calendar day and hour in other years.
 * Writes are incremental and resumable: fields already in the store are skipped.
 */
import type { Dataset } from "@/lib/datasets";
import { dateIndex } from "@/lib/datasets";
import { type Climatology } from "./climatology";
import { ForecastError, ForecastWriter, type Producer } from "./store";

export const BASELINE_KINDS = ["persistence", "climatology", "climatological-ensemble"] as const;
export type BaselineKind = (typeof BASELINE_KINDS)[number];

export interface BaselineCommon {
  /** Init times, seconds since 1970, increasing. */
  initTimes: readonly number[];
  leadTimesHours: readonly number[];
  /** Variables (default: all of the dataset / climatology). */
  variables?: readonly string[];
  producer?: Partial<Producer>;
  sourceDataset?: string;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  overwrite?: boolean;
}

export interface BaselineResult {
  path: string;
  variables: string[];
  members: number;
  fields: number;
  skipped: number;
  /** For the climatological ensemble: the years the members come from. */
  years?: number[];
}

function variableIndices(available: readonly string[], wanted: readonly string[], where: string): number[] {
  return wanted.map((v) => {
    const k = available.indexOf(v);
    if (k < 0) throw new ForecastError(`variable '${v}' is not in ${where} (it has ${available.join(", ")})`);
    return k;
  });
}

/** Copy the selected variables of ensemble member 0 of a dataset date into dst at member slot m. */
function copyDate(src: Float32Array, ds: Dataset, vIdx: number[], dst: Float32Array, members: number, m: number): void {
  const P = ds.grid.size;
  const ne = ds.shape[2];
  for (let v = 0; v < vIdx.length; v++) dst.set(src.subarray(vIdx[v] * ne * P, vIdx[v] * ne * P + P), (v * members + m) * P);
}

/** A tiny LRU cache of dataset dates. */
class DateCache {
  private map = new Map<number, Promise<Float32Array>>();
  constructor(
    private readonly ds: Dataset,
    private readonly size: number,
  ) {}
  read(i: number): Promise<Float32Array> {
    let p = this.map.get(i);
    if (p) {
      this.map.delete(i);
      this.map.set(i, p);
      return p;
    }
    p = this.ds.readDate(i);
    this.map.set(i, p);
    if (this.map.size > this.size) this.map.delete(this.map.keys().next().value!);
    return p;
  }
}

async function loop(
  writer: ForecastWriter,
  common: BaselineCommon,
  make: (i: number, l: number) => Promise<Float32Array>,
): Promise<{ fields: number; skipped: number }> {
  const total = common.initTimes.length * common.leadTimesHours.length;
  let fields = 0;
  let skipped = 0;
  for (let i = 0; i < common.initTimes.length; i++) {
    for (let l = 0; l < common.leadTimesHours.length; l++) {
      if (common.signal?.aborted) throw new ForecastError("baseline interrupted");
      if (!common.overwrite && (await writer.hasField(i, l))) skipped++;
      else {
        await writer.writeField(i, l, await make(i, l));
        fields++;
      }
      common.onProgress?.(fields + skipped, total);
    }
  }
  return { fields, skipped };
}

/** Persistence: the truth at the init time, for every lead time. */
export async function writePersistence(ds: Dataset, out: string, o: BaselineCommon): Promise<BaselineResult> {
  const variables = [...(o.variables ?? ds.variables)];
  const vIdx = variableIndices(ds.variables, variables, ds.description);
  const inits = o.initTimes.map((t) => {
    const i = dateIndex(ds, t);
    if (i < 0) throw new ForecastError(`persistence: init time ${iso(t)} is not a date of ${ds.description}`);
    return i;
  });
  const writer = await ForecastWriter.create(out, {
    initTimes: o.initTimes,
    leadTimesHours: o.leadTimesHours,
    variables,
    members: 1,
    grid: ds.grid,
    producer: { ...o.producer, kind: "persistence" },
    sourceDataset: o.sourceDataset ?? ds.description,
    overwrite: o.overwrite,
  });
  let cached: { i: number; field: Float32Array } | null = null;
  const r = await loop(writer, o, async (i) => {
    if (cached?.i !== i) {
      const field = new Float32Array(variables.length * ds.grid.size);
      copyDate(await ds.readDate(inits[i]), ds, vIdx, field, 1, 0);
      cached = { i, field };
    }
    return cached.field;
  });
  return { path: writer.root, variables, members: 1, ...r };
}

/** Climatology forecast: the climatology at the valid time. */
export async function writeClimatologyForecast(clim: Climatology, out: string, o: BaselineCommon): Promise<BaselineResult> {
  const variables = [...(o.variables ?? clim.variables)];
  const vIdx = variableIndices(clim.variables, variables, clim.path);
  const P = clim.grid.size;
  const writer = await ForecastWriter.create(out, {
    initTimes: o.initTimes,
    leadTimesHours: o.leadTimesHours,
    variables,
    members: 1,
    grid: clim.grid,
    producer: { ...o.producer, kind: "climatology" },
    sourceDataset: o.sourceDataset ?? (typeof clim.attrs.source_dataset === "string" ? clim.attrs.source_dataset : null),
    overwrite: o.overwrite,
    attrs: { climatology: clim.path },
  });
  const r = await loop(writer, o, async (i, l) => {
    const c = await clim.fieldAt(o.initTimes[i] + o.leadTimesHours[l] * 3600);
    const field = new Float32Array(variables.length * P);
    for (let v = 0; v < vIdx.length; v++) field.set(c.subarray(vIdx[v] * P, vIdx[v] * P + P), v * P);
    return field;
  });
  return { path: writer.root, variables, members: 1, ...r };
}

/** The same calendar month/day/hour in another year (29 February → 28 February in common years). */
export function sameCalendarTime(t: number, year: number): number {
  const d = new Date(t * 1000);
  let day = d.getUTCDate();
  const month = d.getUTCMonth();
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (month === 1 && day === 29 && !leap) day = 28;
  return Date.UTC(year, month, day, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()) / 1000;
}

export interface ClimatologicalEnsembleOptions extends BaselineCommon {
  /**
   * Candidate years for the members (default: every year of the dataset that has all the
   * calendar times needed). A valid time's own year is never a member; the ensemble has
   * `years.length − 1` members (the first ones of the list other than the valid year).
   */
  years?: readonly number[];
}

/** Climatological ensemble: members are the truth at the valid time's calendar day and hour in other years. */
export async function writeClimatologicalEnsemble(ds: Dataset, out: string, o: ClimatologicalEnsembleOptions): Promise<BaselineResult> {
  const variables = [...(o.variables ?? ds.variables)];
  const vIdx = variableIndices(ds.variables, variables, ds.description);
  const valid: number[] = [];
  for (const t of o.initTimes) for (const h of o.leadTimesHours) valid.push(t + h * 3600);
  const allYears = [...new Set(ds.dates.map((t) => new Date(t * 1000).getUTCFullYear()))].sort((a, b) => a - b);
  let years: number[];
  if (o.years) {
    years = [...o.years];
    for (const y of years) {
      for (const v of valid) {
        if (new Date(v * 1000).getUTCFullYear() === y) continue;
        if (dateIndex(ds, sameCalendarTime(v, y)) < 0) throw new ForecastError(`climatological ensemble: ${iso(sameCalendarTime(v, y))} (year ${y}) is not a date of ${ds.description}`);
      }
    }
  } else {
    years = allYears.filter((y) => valid.every((v) => new Date(v * 1000).getUTCFullYear() === y || dateIndex(ds, sameCalendarTime(v, y)) >= 0));
  }
  if (years.length < 2) throw new ForecastError(`climatological ensemble: need at least 2 years with the needed calendar dates in ${ds.description}, found ${years.length} (${years.join(", ") || "none"})`);
  const M = years.length - 1;
  const P = ds.grid.size;
  const writer = await ForecastWriter.create(out, {
    initTimes: o.initTimes,
    leadTimesHours: o.leadTimesHours,
    variables,
    members: M,
    grid: ds.grid,
    producer: { ...o.producer, kind: "climatological-ensemble", settings: { years } },
    sourceDataset: o.sourceDataset ?? ds.description,
    overwrite: o.overwrite,
    attrs: { member_years: years },
  });
  const cache = new DateCache(ds, Math.max(8, 2 * M));
  const r = await loop(writer, o, async (i, l) => {
    const v = o.initTimes[i] + o.leadTimesHours[l] * 3600;
    const vy = new Date(v * 1000).getUTCFullYear();
    const memberYears = years.filter((y) => y !== vy).slice(0, M);
    const field = new Float32Array(variables.length * M * P);
    for (let m = 0; m < M; m++) {
      const k = dateIndex(ds, sameCalendarTime(v, memberYears[m]));
      copyDate(await cache.read(k), ds, vIdx, field, M, m);
    }
    return field;
  });
  return { path: writer.root, variables, members: M, years, ...r };
}

function iso(t: number): string {
  return new Date(t * 1000).toISOString().slice(0, 19);
}

/**
 * Climatology stores: day-of-year × hour-of-day means of a dataset over a period, smoothed over
 * a window of days as WeatherBench 2 does (scripts/compute_climatology.py: per (hour, day of
 * year) mean, then a centred rolling mean over day of year with wrap-around). See
 * docs/forecast-store.md.
 *
 * Layout (zarr v2): `data` float32 (dayofyear 366, hour H, variables V, points P), chunks
 * (1, 1, V, P); `dayofyear` (1…366), `hour` (hours of day), `latitudes`, `longitudes`; root
 * attributes {format: "isobar-climatology", variables, hours, window_days, period, grid, source_dataset}.
 */
import fs from "node:fs/promises";
import path from "node:path";
import * as zarr from "zarrita";
import type { Dataset } from "@/lib/datasets";
import { dateIndex } from "@/lib/datasets";
import { GridDescriptorSchema, gridFromDescriptor, gridFromLatLon, type Grid } from "@/lib/grids";
import {
  compressorFor,
  openStore,
  readRootAttributes,
  readWholeArray,
  stridesOf,
  writeArrayMeta,
  writeGroup,
  writeWholeArray,
  type Int64DatesStore,
} from "@/lib/datasets/zarr-store";
import { ForecastError } from "./store";

export const CLIMATOLOGY_FORMAT = "isobar-climatology";
/** WB2's default smoothing window (61 days, centred: ±30 days). */
export const WB2_CLIMATOLOGY_WINDOW_DAYS = 61;
const DAYS = 366;

/** Day of year 1…366 of a UTC time in seconds (1 January = 1; as xarray's `dayofyear`). */
export function dayOfYear(seconds: number): number {
  const d = new Date(seconds * 1000);
  return Math.floor((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86400000) + 1;
}

/** Hour of day (UTC, may be fractional) of a time in seconds. */
export function hourOfDay(seconds: number): number {
  const s = ((seconds % 86400) + 86400) % 86400;
  return s / 3600;
}

export interface ClimatologyOptions {
  /** Period (seconds, inclusive); defaults to all dates of the dataset. */
  start?: number;
  end?: number;
  /** Variables (default: all of the dataset). */
  variables?: readonly string[];
  /** Smoothing window in days, odd (default 61, WB2). 1 = no smoothing. */
  windowDays?: number;
  /** Memory budget for the accumulators, bytes (default 512 MiB); larger grids are done in point blocks. */
  memoryBudgetBytes?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  sourceDataset?: string;
}

export interface ClimatologyResult {
  path: string;
  variables: string[];
  hours: number[];
  windowDays: number;
  dates: number;
}

/**
 * Compute a climatology store from a dataset, streaming over its dates (one date in memory).
 * Per (day of year d, hour h, variable, point): raw mean m(d, h) over the dates of the period
 * (NaNs skipped); then smoothed c(d, h) = mean of m(d′, h) over the days d′ within ±(window−1)/2
 * of d (cyclic over 366 days), each day of year with data weighted equally, as a rolling mean
 * over day of year. The accumulators (366 × hours × variables × points float64 sums and counts)
 * are split into point blocks to stay within the memory budget; each block reads the dataset once.
 */
export async function computeClimatology(ds: Dataset, out: string, o: ClimatologyOptions = {}): Promise<ClimatologyResult> {
  const window = o.windowDays ?? WB2_CLIMATOLOGY_WINDOW_DAYS;
  if (!Number.isInteger(window) || window < 1 || window % 2 === 0 || window > 365) throw new ForecastError(`climatology window must be an odd number of days in 1…365, got ${window}`);
  const half = (window - 1) / 2;
  const variables = [...(o.variables ?? ds.variables)];
  const vIndex = variables.map((v) => {
    const k = ds.variables.indexOf(v);
    if (k < 0) throw new ForecastError(`variable '${v}' is not in dataset ${ds.description} (it has ${ds.variables.join(", ")})`);
    return k;
  });
  const start = o.start ?? ds.dates[0];
  const end = o.end ?? ds.dates[ds.dates.length - 1];
  const missing = new Set(ds.missingDates);
  const indices: number[] = [];
  ds.dates.forEach((t, i) => {
    if (t >= start && t <= end && !missing.has(t)) indices.push(i);
  });
  if (indices.length === 0) throw new ForecastError(`no dates of ${ds.description} in the climatology period`);
  const hours = [...new Set(indices.map((i) => hourOfDay(ds.dates[i])))].sort((a, b) => a - b);
  const hourIdx = new Map(hours.map((h, k) => [h, k]));
  const H = hours.length;
  const V = variables.length;
  const P = ds.grid.size;
  const ne = ds.shape[2];
  const budget = o.memoryBudgetBytes ?? 512 * 2 ** 20;
  const perPoint = DAYS * H * V * (8 + 4);
  const B = Math.max(1, Math.min(P, Math.floor(budget / perPoint)));
  const blocks = Math.ceil(P / B);

  const abs = path.resolve(out);
  await fs.rm(abs, { recursive: true, force: true });
  const compressor = compressorFor("blosc-lz4");
  await writeGroup(abs, "", {
    format: CLIMATOLOGY_FORMAT,
    variables,
    hours,
    window_days: window,
    period: { start: new Date(start * 1000).toISOString(), end: new Date(end * 1000).toISOString() },
    dates_used: indices.length,
    grid: ds.grid.descriptor,
    grid_id: ds.grid.id,
    source_dataset: o.sourceDataset ?? ds.description,
    created: new Date().toISOString(),
  });
  await writeArrayMeta(abs, "data", { shape: [DAYS, H, V, P], chunks: [1, 1, V, P], dtype: "<f4", fillValue: "NaN", compressor, dimensions: ["dayofyear", "hour", "variable", "cell"] });
  await writeWholeArray(abs, "dayofyear", { shape: [DAYS], chunks: [DAYS], dtype: "<i8", fillValue: 0, compressor, dimensions: ["dayofyear"] }, BigInt64Array.from({ length: DAYS }, (_, d) => BigInt(d + 1)));
  await writeWholeArray(abs, "hour", { shape: [H], chunks: [H], dtype: "<f8", fillValue: "NaN", compressor, dimensions: ["hour"] }, Float64Array.from(hours));
  await writeWholeArray(abs, "latitudes", { shape: [P], chunks: [P], dtype: "<f8", fillValue: "NaN", compressor, dimensions: ["cell"] }, ds.grid.latitudes);
  await writeWholeArray(abs, "longitudes", { shape: [P], chunks: [P], dtype: "<f8", fillValue: "NaN", compressor, dimensions: ["cell"] }, ds.grid.longitudes);
  const arr = await zarr.open.v2(zarr.root(openStore(abs)).resolve("data"), { kind: "array" });
  if (!arr.is("float32")) throw new ForecastError("climatology data array is not float32");

  const total = blocks * indices.length + blocks * DAYS * H;
  let done = 0;
  for (let b = 0; b < blocks; b++) {
    const p0 = b * B;
    const p1 = Math.min(P, p0 + B);
    const n = p1 - p0;
    const sums = new Float64Array(DAYS * H * V * n);
    const counts = new Uint32Array(DAYS * H * V * n);
    for (const i of indices) {
      if (o.signal?.aborted) throw new ForecastError("climatology computation interrupted");
      const t = ds.dates[i];
      const x = await ds.readDate(i);
      const base0 = ((dayOfYear(t) - 1) * H + hourIdx.get(hourOfDay(t))!) * V * n;
      for (let v = 0; v < V; v++) {
        const src = (vIndex[v] * ne + 0) * P;
        const dst = base0 + v * n;
        for (let p = 0; p < n; p++) {
          const val = x[src + p0 + p];
          if (val === val) {
            sums[dst + p] += val;
            counts[dst + p]++;
          }
        }
      }
      o.onProgress?.(++done, total);
    }
    // raw means in place
    for (let k = 0; k < sums.length; k++) sums[k] = counts[k] > 0 ? sums[k] / counts[k] : NaN;
    const acc = new Float64Array(V * n);
    const cnt = new Uint32Array(V * n);
    const field = new Float32Array(V * n);
    for (let h = 0; h < H; h++) {
      for (let d = 0; d < DAYS; d++) {
        acc.fill(0);
        cnt.fill(0);
        for (let k = -half; k <= half; k++) {
          const dd = (((d + k) % DAYS) + DAYS) % DAYS;
          const base = (dd * H + h) * V * n;
          for (let q = 0; q < V * n; q++) {
            const m = sums[base + q];
            if (m === m) {
              acc[q] += m;
              cnt[q]++;
            }
          }
        }
        let any = false;
        for (let q = 0; q < V * n; q++) {
          field[q] = cnt[q] > 0 ? acc[q] / cnt[q] : NaN;
          if (cnt[q] > 0) any = true;
        }
        o.onProgress?.(++done, total);
        if (!any) continue; // all NaN: the fill value already says so
        const shape = [1, 1, V, n];
        await zarr.set(arr, [zarr.slice(d, d + 1), zarr.slice(h, h + 1), null, zarr.slice(p0, p1)], { data: field, shape, stride: stridesOf(shape) });
      }
    }
  }
  return { path: abs, variables, hours, windowDays: window, dates: indices.length };
}

export interface Climatology {
  readonly path: string;
  readonly variables: readonly string[];
  readonly hours: readonly number[];
  readonly windowDays: number;
  readonly grid: Grid;
  readonly attrs: Readonly<Record<string, unknown>>;
  /** The climatology at a valid time (seconds): Float32Array (variables, points). */
  fieldAt(validTime: number): Promise<Float32Array>;
}

class ClimatologyStore implements Climatology {
  private cache = new Map<string, Promise<Float32Array>>();
  constructor(
    readonly path: string,
    private readonly data: zarr.Array<zarr.DataType, Int64DatesStore>,
    readonly attrs: Readonly<Record<string, unknown>>,
    readonly variables: readonly string[],
    readonly hours: readonly number[],
    readonly windowDays: number,
    readonly grid: Grid,
  ) {}
  fieldAt(validTime: number): Promise<Float32Array> {
    const d = dayOfYear(validTime);
    const hod = hourOfDay(validTime);
    const h = this.hours.indexOf(hod);
    if (h < 0) return Promise.reject(new ForecastError(`climatology ${this.path} has no hour ${hod} (it has ${this.hours.join(", ")})`));
    const key = `${d}/${h}`;
    let f = this.cache.get(key);
    if (!f) {
      f = this.data.getChunk([d - 1, h, 0, 0]).then((c) => {
        const values = c.data as unknown;
        if (values instanceof Float32Array) return values;
        throw new ForecastError(`${this.path}: unexpected chunk type`);
      });
      if (this.cache.size > 16) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, f);
    }
    return f;
  }
}

export async function openClimatology(root: string): Promise<Climatology> {
  const abs = path.resolve(root);
  try {
    await fs.access(path.join(abs, ".zgroup"));
  } catch {
    throw new ForecastError(`climatology ${abs} does not exist or is not a zarr group`);
  }
  const attrs = await readRootAttributes(abs);
  if (attrs.format !== CLIMATOLOGY_FORMAT) throw new ForecastError(`${abs} is not an Isobar climatology store (format '${String(attrs.format)}')`);
  const store = openStore(abs);
  const data = await zarr.open.v2(zarr.root(store).resolve("data"), { kind: "array" });
  const variables = attrs.variables as string[];
  const hours = Array.from((await readWholeArray(store, "hour")).values);
  const lats = (await readWholeArray(store, "latitudes")).values;
  const lons = (await readWholeArray(store, "longitudes")).values;
  const parsed = GridDescriptorSchema.safeParse(attrs.grid);
  const grid = parsed.success ? gridFromDescriptor(parsed.data) : gridFromLatLon(lats, lons);
  return new ClimatologyStore(abs, data, attrs, variables, hours, Number(attrs.window_days), grid);
}

/** Dataset date index of a time, or a clear error. */
export function requireDate(ds: Dataset, t: number, what: string): number {
  const i = dateIndex(ds, t);
  if (i < 0) throw new ForecastError(`${what}: ${new Date(t * 1000).toISOString().slice(0, 19)} is not a date of ${ds.description}`);
  return i;
}

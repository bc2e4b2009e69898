import fs from "node:fs/promises";
import path from "node:path";
import * as zarr from "zarrita";
import { GridDescriptorSchema, gridFromDescriptor, gridFromLatLon, type Grid } from "@/lib/grids";
import { BUILD_MARKER_ATTR } from "./attributes";
import { isoSeconds, parseFrequency } from "./dates";
import { DatasetError } from "./errors";
import type { Statistics } from "./statistics";
import { datetimeUnit, datetimeUnitSeconds, hasArray, openArray, openStore, readRootAttributes, readWholeArray, type StoreArray } from "./zarr-store";

export type VariableMetadata = Record<string, unknown>;

/**
 * An anemoi-style dataset, opened lazily: metadata in memory, data read one date at a time.
 * Views (select, area, join, …) implement the same interface on top of other datasets.
 */
export interface Dataset {
  /** Where it comes from (path, or a view description). */
  readonly description: string;
  readonly variables: readonly string[];
  /** Dates as seconds since 1970-01-01T00:00:00Z, increasing. */
  readonly dates: readonly number[];
  /** Step between dates, seconds. */
  readonly frequency: number;
  /** Dates (seconds) whose data are missing (all NaN), a subset of `dates`. */
  readonly missingDates: readonly number[];
  readonly ensembles: number;
  readonly grid: Grid;
  /** Per-variable mean, stdev, minimum, maximum (the statistics period of the dataset they come from). */
  readonly statistics: Statistics;
  readonly variablesMetadata: Readonly<Record<string, VariableMetadata>>;
  /** Root attributes of the (first) underlying store. */
  readonly attrs: Readonly<Record<string, unknown>>;
  /** (dates, variables, ensembles, points). */
  readonly shape: readonly [number, number, number, number];
  /** Values at date index `i`: a Float32Array laid out (variables, ensembles, points). */
  readDate(i: number): Promise<Float32Array>;
}

export function nameToIndex(ds: Pick<Dataset, "variables">): Record<string, number> {
  return Object.fromEntries(ds.variables.map((v, i) => [v, i]));
}

/** Index of a date (seconds) in a dataset, or -1. Dates are increasing, so this is a binary search. */
export function dateIndex(ds: Pick<Dataset, "dates">, seconds: number): number {
  let lo = 0;
  let hi = ds.dates.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const d = ds.dates[mid];
    if (d === seconds) return mid;
    if (d < seconds) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

function stringList(value: unknown): string[] | null {
  return Array.isArray(value) && value.every((v) => typeof v === "string") ? (value as string[]) : null;
}

/** A zarr v2 store in the anemoi-datasets gridded layout. */
export class ZarrDataset implements Dataset {
  readonly description: string;
  readonly shape: readonly [number, number, number, number];
  readonly ensembles: number;

  private constructor(
    readonly root: string,
    private readonly data: StoreArray,
    readonly attrs: Readonly<Record<string, unknown>>,
    readonly variables: readonly string[],
    readonly dates: readonly number[],
    readonly frequency: number,
    readonly missingDates: readonly number[],
    readonly grid: Grid,
    readonly statistics: Statistics,
    readonly variablesMetadata: Readonly<Record<string, VariableMetadata>>,
  ) {
    this.description = root;
    const s = data.shape;
    this.shape = [s[0], s[1], s[2], s[3]];
    this.ensembles = s[2];
  }

  static async open(root: string): Promise<ZarrDataset> {
    const resolved = path.resolve(root);
    await checkOpenable(resolved);
    const attrs = await readRootAttributes(resolved);
    if (attrs[BUILD_MARKER_ATTR]) {
      throw new DatasetError(`dataset ${root} is incomplete: its build has not finished (run the same 'isobar datasets create' again to resume it, or delete it)`);
    }
    if (!(await hasArray(resolved, "data"))) throw new DatasetError(`${root} is not an anemoi dataset: it has no 'data' array`);
    const store = openStore(resolved);
    const data = await openArray(store, "data");
    if (data.shape.length !== 4) throw new DatasetError(`${root}: 'data' has ${data.shape.length} dimensions, expected 4 (dates, variables, ensembles, points)`);
    if (data.dtype !== "float32" && data.dtype !== "float64") throw new DatasetError(`${root}: 'data' has dtype ${data.dtype}, expected float32 or float64`);
    const [nd, nv, , np] = data.shape;

    const variables = stringList(attrs.variables) ?? variablesFromNameToIndex(attrs.name_to_index);
    if (!variables) throw new DatasetError(`${root}: no 'variables' attribute`);
    if (variables.length !== nv) throw new DatasetError(`${root}: ${variables.length} variables in attributes but 'data' has ${nv}`);

    const dates = await readDates(resolved, store, attrs, nd);
    let frequency: number;
    if (typeof attrs.frequency === "string" || typeof attrs.frequency === "number") frequency = parseFrequency(attrs.frequency);
    else if (dates.length > 1) frequency = dates[1] - dates[0];
    else frequency = 3600;
    const missingDates = (Array.isArray(attrs.missing_dates) ? attrs.missing_dates : []).map((d) => parseIsoAttribute(String(d))).filter((d) => Number.isFinite(d));

    const lats = (await readWholeArray(store, "latitudes")).values;
    const lons = (await readWholeArray(store, "longitudes")).values;
    if (lats.length !== np || lons.length !== np) throw new DatasetError(`${root}: latitudes/longitudes have ${lats.length}/${lons.length} points but 'data' has ${np}`);
    const grid = gridFor(attrs.grid, lats, lons);

    const statistics: Statistics = {
      mean: await readStat(resolved, store, "mean", nv),
      stdev: await readStat(resolved, store, "stdev", nv),
      minimum: await readStat(resolved, store, "minimum", nv),
      maximum: await readStat(resolved, store, "maximum", nv),
    };
    const vm = attrs.variables_metadata && typeof attrs.variables_metadata === "object" ? (attrs.variables_metadata as Record<string, VariableMetadata>) : {};
    return new ZarrDataset(root, data, attrs, variables, dates, frequency, missingDates, grid, statistics, vm);
  }

  async readDate(i: number): Promise<Float32Array> {
    if (!Number.isInteger(i) || i < 0 || i >= this.shape[0]) throw new DatasetError(`date index ${i} out of range [0, ${this.shape[0]})`);
    const [, nv, ne, np] = this.shape;
    const chunks = this.data.chunks;
    let values: unknown;
    if (chunks[0] === 1 && chunks[1] === nv && chunks[2] === ne && chunks[3] === np) {
      values = (await this.data.getChunk([i, 0, 0, 0])).data;
    } else {
      values = (await zarr.get(this.data, [i, null, null, null])).data;
    }
    if (values instanceof Float32Array) return values;
    if (values instanceof Float64Array) return Float32Array.from(values);
    throw new DatasetError(`${this.root}: unexpected chunk type`);
  }
}

function variablesFromNameToIndex(value: unknown): string[] | null {
  if (!value || typeof value !== "object") return null;
  const entries = Object.entries(value as Record<string, unknown>).filter((e): e is [string, number] => typeof e[1] === "number");
  entries.sort((a, b) => a[1] - b[1]);
  return entries.map((e) => e[0]);
}

async function checkOpenable(root: string): Promise<void> {
  try {
    await fs.access(path.join(root, ".zgroup"));
    return;
  } catch {
    // fall through
  }
  let building = false;
  try {
    await fs.access(`${root}.building`);
    building = true;
  } catch {
    // not building
  }
  if (building) {
    throw new DatasetError(`dataset ${root} is incomplete: an unfinished build is in ${root}.building (run the same 'isobar datasets create' again to resume it)`);
  }
  try {
    await fs.access(root);
  } catch {
    throw new DatasetError(`dataset ${root} does not exist`);
  }
  throw new DatasetError(`${root} is not a zarr v2 group (no .zgroup)`);
}

async function readDates(root: string, store: ReturnType<typeof openStore>, attrs: Record<string, unknown>, n: number): Promise<number[]> {
  if (await hasArray(root, "dates")) {
    const unit = (await datetimeUnit(root, "dates")) ?? "s";
    const scale = datetimeUnitSeconds(unit);
    const { values } = await readWholeArray(store, "dates");
    if (values.length !== n) throw new DatasetError(`${root}: 'dates' has ${values.length} entries but 'data' has ${n} dates`);
    return Array.from(values, (v) => Math.round(v * scale));
  }
  if (typeof attrs.start_date === "string" && (typeof attrs.frequency === "string" || typeof attrs.frequency === "number")) {
    const start = parseIsoAttribute(attrs.start_date);
    const step = parseFrequency(attrs.frequency);
    return Array.from({ length: n }, (_, i) => start + i * step);
  }
  throw new DatasetError(`${root}: no 'dates' array and no start_date/frequency attributes`);
}

async function readStat(root: string, store: ReturnType<typeof openStore>, name: string, nv: number): Promise<Float64Array> {
  if (!(await hasArray(root, name))) return new Float64Array(nv).fill(NaN);
  const { values } = await readWholeArray(store, name);
  if (values.length !== nv) throw new DatasetError(`${root}: statistics array '${name}' has ${values.length} entries, expected ${nv}`);
  return values;
}

function gridFor(descriptor: unknown, lats: Float64Array, lons: Float64Array): Grid {
  if (descriptor) {
    const parsed = GridDescriptorSchema.safeParse(descriptor);
    if (parsed.success) {
      const g = gridFromDescriptor(parsed.data);
      if (g.size === lats.length && Math.abs(g.latitudes[0] - lats[0]) < 1e-4 && Math.abs(g.latitudes[g.size - 1] - lats[lats.length - 1]) < 1e-4) return g;
    }
  }
  return gridFromLatLon(lats, lons);
}

/** "2020-01-01T00:00:00" (UTC, with or without Z) → seconds; NaN when unparseable. */
export function parseIsoAttribute(text: string): number {
  return Math.round(Date.parse(`${text.trim().replace(/Z$/, "")}Z`) / 1000);
}

export function describeDate(seconds: number): string {
  return isoSeconds(seconds);
}

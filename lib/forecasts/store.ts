/**
 * Isobar forecast stores (zarr v2), see docs/forecast-store.md.
 *
 * `data` float32 (init_times, lead_times, variables, ensemble_members, gridpoints), one chunk per
 * (init, lead): chunks [1, 1, V, M, P]. A chunk file is written atomically (temporary file +
 * rename), so a field is available exactly when its chunk file exists: the store is readable
 * while it is being written (`hasField`).
 */
import fs from "node:fs/promises";
import path from "node:path";
import * as zarr from "zarrita";
import { z } from "zod";
import type { AbsolutePath, AsyncMutable, GetOptions, RangeQuery } from "@zarrita/storage";
import { GridDescriptorSchema, gridFromDescriptor, gridFromLatLon, type Grid } from "@/lib/grids";
import {
  compressorFor,
  datetimeUnit,
  datetimeUnitSeconds,
  hasArray,
  openStore,
  readRootAttributes,
  readWholeArray,
  stridesOf,
  writeArrayMeta,
  writeFileAtomic,
  writeGroup,
  writeRootAttributes,
  writeWholeArray,
  type Compression,
  type Int64DatesStore,
} from "@/lib/datasets/zarr-store";

export const FORECAST_FORMAT = "isobar-forecast";
export const FORECAST_FORMAT_VERSION = 1;

export class ForecastError extends Error {}

export const producerSchema = z
  .object({
    /** "model" | "persistence" | "climatology" | "climatological-ensemble" | "imported" */
    kind: z.string().min(1),
    runId: z.string().optional(),
    checkpoint: z.string().optional(),
    checkpointId: z.string().optional(),
    settings: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();
export type Producer = z.infer<typeof producerSchema>;

/** What every forecast reader offers (Isobar stores and WB2-style stores alike). */
export interface ForecastReader {
  readonly path: string;
  readonly format: "isobar" | "wb2";
  readonly variables: readonly string[];
  /** Init times, seconds since 1970 (UTC), increasing. */
  readonly initTimes: readonly number[];
  readonly leadTimesHours: readonly number[];
  readonly members: number;
  readonly grid: Grid;
  readonly producer: Producer;
  /** Path of the dataset the forecast was initialised from (or computed from), if known. */
  readonly sourceDataset: string | null;
  readonly attrs: Readonly<Record<string, unknown>>;
  /** Whether field (init i, lead l) has been written. */
  hasField(i: number, l: number): Promise<boolean>;
  /** Field (init i, lead l): Float32Array laid out (variables, members, points). */
  readField(i: number, l: number): Promise<Float32Array>;
}

/** Atomic chunk writes (temp + rename): readers never see half a chunk. */
class AtomicStore implements AsyncMutable {
  constructor(
    readonly root: string,
    private readonly inner: Int64DatesStore,
  ) {}
  private file(key: AbsolutePath): string {
    return path.join(this.root, key.slice(1));
  }
  get(key: AbsolutePath, opts?: GetOptions): Promise<Uint8Array | undefined> {
    return this.inner.get(key, opts);
  }
  getRange(key: AbsolutePath, range: RangeQuery, opts?: GetOptions): Promise<Uint8Array | undefined> {
    return this.inner.getRange(key, range, opts);
  }
  has(key: AbsolutePath): Promise<boolean> {
    return this.inner.has(key);
  }
  async set(key: AbsolutePath, value: Uint8Array): Promise<void> {
    const f = this.file(key);
    await fs.mkdir(path.dirname(f), { recursive: true });
    await writeFileAtomic(f, value);
  }
  delete(key: AbsolutePath): Promise<boolean> {
    return this.inner.delete(key);
  }
}

export interface CreateForecastOptions {
  initTimes: readonly number[];
  leadTimesHours: readonly number[];
  variables: readonly string[];
  members?: number;
  grid: Grid;
  producer: Producer;
  sourceDataset?: string | null;
  /** Step between init times, seconds (informational). */
  frequencySeconds?: number;
  compression?: Compression;
  /** Extra root attributes. */
  attrs?: Record<string, unknown>;
  /** Replace an existing store's metadata (chunk files already written are kept only with resume). */
  overwrite?: boolean;
}

function chunkKey(i: number, l: number): string {
  return `data/${i}.${l}.0.0.0`;
}

/** Writes an Isobar forecast store incrementally: create, then writeField(i, l, values). */
export class ForecastWriter {
  private constructor(
    readonly root: string,
    private readonly data: zarr.Array<"float32", AtomicStore>,
    readonly nvars: number,
    readonly members: number,
    readonly points: number,
    readonly inits: number,
    readonly leads: number,
  ) {}

  /**
   * Create a store with known init times and lead times. If a store with the same shape,
   * variables, init and lead times already exists, it is reopened (fields already written are
   * kept, so an interrupted job resumes); otherwise an existing path is an error unless `overwrite`.
   */
  static async create(root: string, o: CreateForecastOptions): Promise<ForecastWriter> {
    const abs = path.resolve(root);
    const members = o.members ?? 1;
    if (o.initTimes.length === 0) throw new ForecastError("a forecast needs at least one init time");
    if (o.leadTimesHours.length === 0) throw new ForecastError("a forecast needs at least one lead time");
    if (o.variables.length === 0) throw new ForecastError("a forecast needs at least one variable");
    if (!Number.isInteger(members) || members < 1) throw new ForecastError("members must be a positive integer");
    for (const h of o.leadTimesHours) if (!Number.isInteger(h) || h < 0) throw new ForecastError(`lead time ${h} h: lead times must be non-negative whole hours`);
    for (let k = 1; k < o.initTimes.length; k++) if (!(o.initTimes[k] > o.initTimes[k - 1])) throw new ForecastError("init times must be increasing");
    const existing = await existingCompatible(abs, o, members);
    if (existing === "compatible" && !o.overwrite) return ForecastWriter.open(abs);
    if (existing === "other") {
      if (!o.overwrite) throw new ForecastError(`${abs} already exists and is a different store (use overwrite to replace it)`);
    }
    if (o.overwrite) await fs.rm(abs, { recursive: true, force: true });
    const compressor = compressorFor(o.compression ?? "blosc-lz4");
    const g = o.grid.size;
    const attrs: Record<string, unknown> = {
      ...(o.attrs ?? {}),
      format: FORECAST_FORMAT,
      format_version: FORECAST_FORMAT_VERSION,
      variables: [...o.variables],
      ensemble_members: members,
      grid: o.grid.descriptor,
      grid_id: o.grid.id,
      frequency: o.frequencySeconds !== undefined ? `${o.frequencySeconds / 3600}h` : null,
      producer: o.producer,
      source_dataset: o.sourceDataset ?? null,
      created: new Date().toISOString(),
      written_check: "chunk-file-presence",
    };
    await writeGroup(abs, "", attrs);
    await writeArrayMeta(abs, "data", {
      shape: [o.initTimes.length, o.leadTimesHours.length, o.variables.length, members, g],
      chunks: [1, 1, o.variables.length, members, g],
      dtype: "<f4",
      fillValue: "NaN",
      compressor,
      dimensions: ["init_time", "lead_time", "variable", "ensemble_member", "cell"],
    });
    const one = (n: number) => [Math.max(1, n)];
    await writeWholeArray(abs, "init_times", { shape: [o.initTimes.length], chunks: one(o.initTimes.length), dtype: "<M8[s]", fillValue: 0, compressor, dimensions: ["init_time"] }, BigInt64Array.from(o.initTimes, (t) => BigInt(t)));
    await writeWholeArray(abs, "lead_times", { shape: [o.leadTimesHours.length], chunks: one(o.leadTimesHours.length), dtype: "<i8", fillValue: 0, compressor, dimensions: ["lead_time"], attrs: { units: "hours" } }, BigInt64Array.from(o.leadTimesHours, (h) => BigInt(h)));
    await writeWholeArray(abs, "latitudes", { shape: [g], chunks: one(g), dtype: "<f8", fillValue: "NaN", compressor, dimensions: ["cell"], attrs: { units: "degrees_north" } }, o.grid.latitudes);
    await writeWholeArray(abs, "longitudes", { shape: [g], chunks: one(g), dtype: "<f8", fillValue: "NaN", compressor, dimensions: ["cell"], attrs: { units: "degrees_east" } }, o.grid.longitudes);
    return ForecastWriter.open(abs);
  }

  static async open(root: string): Promise<ForecastWriter> {
    const abs = path.resolve(root);
    const store = new AtomicStore(abs, openStore(abs));
    const arr = await zarr.open.v2(zarr.root(store).resolve("data"), { kind: "array" });
    if (!arr.is("float32") || arr.shape.length !== 5) throw new ForecastError(`${abs}: 'data' is not a float32 5-D forecast array`);
    const [ni, nl, nv, nm, np] = arr.shape;
    return new ForecastWriter(abs, arr, nv, nm, np, ni, nl);
  }

  /** Whether field (i, l) is already written (resuming). */
  async hasField(i: number, l: number): Promise<boolean> {
    return fileExists(path.join(this.root, chunkKey(i, l)));
  }

  /** Write field (init i, lead l): values laid out (variables, members, points). */
  async writeField(i: number, l: number, values: Float32Array): Promise<void> {
    if (!(Number.isInteger(i) && i >= 0 && i < this.inits)) throw new ForecastError(`init index ${i} out of range [0, ${this.inits})`);
    if (!(Number.isInteger(l) && l >= 0 && l < this.leads)) throw new ForecastError(`lead index ${l} out of range [0, ${this.leads})`);
    const n = this.nvars * this.members * this.points;
    if (values.length !== n) throw new ForecastError(`field (${i}, ${l}): ${values.length} values, expected ${this.nvars}×${this.members}×${this.points}`);
    const shape = [1, 1, this.nvars, this.members, this.points];
    await zarr.set(this.data, [zarr.slice(i, i + 1), zarr.slice(l, l + 1), null, null, null], { data: values, shape, stride: stridesOf(shape) });
  }

  /** Update root attributes (merged). */
  async updateAttributes(extra: Record<string, unknown>): Promise<void> {
    const attrs = await readRootAttributes(this.root);
    await writeRootAttributes(this.root, { ...attrs, ...extra });
  }
}

async function fileExists(f: string): Promise<boolean> {
  try {
    await fs.access(f);
    return true;
  } catch {
    return false;
  }
}

async function existingCompatible(abs: string, o: CreateForecastOptions, members: number): Promise<"none" | "compatible" | "other"> {
  if (!(await fileExists(path.join(abs, ".zgroup")))) return (await fileExists(abs)) ? "other" : "none";
  try {
    const f = await openForecast(abs);
    const same =
      f.format === "isobar" &&
      f.members === members &&
      f.grid.size === o.grid.size &&
      JSON.stringify(f.variables) === JSON.stringify(o.variables) &&
      JSON.stringify(f.initTimes) === JSON.stringify([...o.initTimes]) &&
      JSON.stringify(f.leadTimesHours) === JSON.stringify([...o.leadTimesHours]);
    return same ? "compatible" : "other";
  } catch {
    return "other";
  }
}

function stringList(v: unknown): string[] | null {
  return Array.isArray(v) && v.every((x) => typeof x === "string") ? (v as string[]) : null;
}

function gridOf(descriptor: unknown, lats: Float64Array, lons: Float64Array): Grid {
  const parsed = GridDescriptorSchema.safeParse(descriptor);
  if (parsed.success) {
    const g = gridFromDescriptor(parsed.data);
    if (g.size === lats.length) return g;
  }
  return gridFromLatLon(lats, lons);
}

class IsobarForecast implements ForecastReader {
  readonly format = "isobar" as const;
  constructor(
    readonly path: string,
    private readonly data: zarr.Array<zarr.DataType, Int64DatesStore>,
    readonly attrs: Readonly<Record<string, unknown>>,
    readonly variables: readonly string[],
    readonly initTimes: readonly number[],
    readonly leadTimesHours: readonly number[],
    readonly members: number,
    readonly grid: Grid,
    readonly producer: Producer,
    readonly sourceDataset: string | null,
  ) {}
  hasField(i: number, l: number): Promise<boolean> {
    return fileExists(path.join(this.path, chunkKey(i, l)));
  }
  async readField(i: number, l: number): Promise<Float32Array> {
    if (!(Number.isInteger(i) && i >= 0 && i < this.initTimes.length)) throw new ForecastError(`init index ${i} out of range [0, ${this.initTimes.length})`);
    if (!(Number.isInteger(l) && l >= 0 && l < this.leadTimesHours.length)) throw new ForecastError(`lead index ${l} out of range [0, ${this.leadTimesHours.length})`);
    if (!(await this.hasField(i, l))) throw new ForecastError(`${this.path}: field (init ${i}, lead ${this.leadTimesHours[l]} h) has not been written yet`);
    const chunk = await this.data.getChunk([i, l, 0, 0, 0]);
    const values = chunk.data as unknown;
    if (values instanceof Float32Array) return values;
    if (values instanceof Float64Array) return Float32Array.from(values);
    throw new ForecastError(`${this.path}: unexpected chunk type`);
  }
}

/** Open a forecast store: Isobar's layout, or a WeatherBench-2-style xarray zarr (read as it is). */
export async function openForecast(root: string): Promise<ForecastReader> {
  const abs = path.resolve(root);
  if (!(await fileExists(abs))) throw new ForecastError(`forecast ${abs} does not exist`);
  if (!(await fileExists(path.join(abs, ".zgroup")))) throw new ForecastError(`${abs} is not a zarr v2 group (no .zgroup)`);
  const attrs = await readRootAttributes(abs);
  if (attrs.format !== FORECAST_FORMAT) {
    const { openWb2Forecast, isWb2Forecast } = await import("./wb2");
    if (await isWb2Forecast(abs)) return openWb2Forecast(abs);
    throw new ForecastError(`${abs} is neither an Isobar forecast store nor a WeatherBench-2-style forecast (no 'prediction_timedelta' dimension)`);
  }
  if (!(await hasArray(abs, "data"))) throw new ForecastError(`${abs}: no 'data' array`);
  const store = openStore(abs);
  const data = await zarr.open.v2(zarr.root(store).resolve("data"), { kind: "array" });
  if (data.shape.length !== 5) throw new ForecastError(`${abs}: 'data' has ${data.shape.length} dimensions, expected 5`);
  const [ni, nl, nv, nm, np] = data.shape;
  const c = data.chunks;
  if (c[0] !== 1 || c[1] !== 1 || c[2] !== nv || c[3] !== nm || c[4] !== np) throw new ForecastError(`${abs}: 'data' chunks ${JSON.stringify(c)}, expected one chunk per (init, lead)`);
  const variables = stringList(attrs.variables);
  if (!variables || variables.length !== nv) throw new ForecastError(`${abs}: 'variables' attribute does not match 'data' (${nv} variables)`);
  const unit = (await datetimeUnit(abs, "init_times")) ?? "s";
  const initTimes = Array.from((await readWholeArray(store, "init_times")).values, (v) => Math.round(v * datetimeUnitSeconds(unit)));
  const leads = Array.from((await readWholeArray(store, "lead_times")).values);
  if (initTimes.length !== ni || leads.length !== nl) throw new ForecastError(`${abs}: init_times/lead_times do not match 'data'`);
  const lats = (await readWholeArray(store, "latitudes")).values;
  const lons = (await readWholeArray(store, "longitudes")).values;
  if (lats.length !== np || lons.length !== np) throw new ForecastError(`${abs}: latitudes/longitudes do not match 'data' (${np} points)`);
  const grid = gridOf(attrs.grid, lats, lons);
  const producer = producerSchema.safeParse(attrs.producer);
  return new IsobarForecast(
    abs,
    data,
    attrs,
    variables,
    initTimes,
    leads,
    nm,
    grid,
    producer.success ? producer.data : { kind: "unknown" },
    typeof attrs.source_dataset === "string" ? attrs.source_dataset : null,
  );
}

/** Index of one variable's values of one member in a field laid out (variables, members, points). */
export function fieldOffset(reader: Pick<ForecastReader, "members" | "grid">, v: number, m = 0): number {
  return (v * reader.members + m) * reader.grid.size;
}

/** Count written fields (init × lead). */
export async function writtenFields(reader: ForecastReader): Promise<number> {
  let k = 0;
  for (let i = 0; i < reader.initTimes.length; i++) for (let l = 0; l < reader.leadTimesHours.length; l++) if (await reader.hasField(i, l)) k++;
  return k;
}

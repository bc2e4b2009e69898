import { gridFromLatLon, type Grid } from "@/lib/grids";
import { dateIndex, type Dataset, type VariableMetadata } from "./dataset";
import { frequencyHoursText, isoSeconds, parseDateSpec, parseFrequency, DateSpecError } from "./dates";
import { DatasetError } from "./errors";
import { describeGridWithSize, sameGrid } from "./grid-info";
import { selectStatistics, type Statistics } from "./statistics";

/**
 * Open-time views, as anemoi-datasets' `open_dataset`: each view is a Dataset over another one.
 * Nothing here reads data eagerly; `readDate` maps to the underlying datasets' `readDate`.
 */

function dsName(ds: Dataset): string {
  return ds.description;
}

function pickMetadata(ds: Dataset, names: readonly string[]): Record<string, VariableMetadata> {
  const out: Record<string, VariableMetadata> = {};
  for (const n of names) if (ds.variablesMetadata[n]) out[n] = ds.variablesMetadata[n];
  return out;
}

abstract class Forwarding implements Dataset {
  abstract readonly description: string;
  variables: readonly string[];
  dates: readonly number[];
  frequency: number;
  missingDates: readonly number[];
  ensembles: number;
  grid: Grid;
  statistics: Statistics;
  variablesMetadata: Readonly<Record<string, VariableMetadata>>;
  attrs: Readonly<Record<string, unknown>>;
  constructor(protected readonly parent: Dataset) {
    this.variables = parent.variables;
    this.dates = parent.dates;
    this.frequency = parent.frequency;
    this.missingDates = parent.missingDates;
    this.ensembles = parent.ensembles;
    this.grid = parent.grid;
    this.statistics = parent.statistics;
    this.variablesMetadata = parent.variablesMetadata;
    this.attrs = parent.attrs;
  }
  get shape(): readonly [number, number, number, number] {
    return [this.dates.length, this.variables.length, this.ensembles, this.grid.size];
  }
  readDate(i: number): Promise<Float32Array> {
    return this.parent.readDate(i);
  }
}

/** `select` / `drop`: a subset of variables, in the given order. */
export class SelectVariables extends Forwarding {
  readonly description: string;
  readonly variables: readonly string[];
  readonly statistics: Statistics;
  readonly variablesMetadata: Readonly<Record<string, VariableMetadata>>;
  constructor(
    parent: Dataset,
    private readonly indices: readonly number[],
  ) {
    super(parent);
    this.variables = indices.map((i) => parent.variables[i]);
    this.statistics = selectStatistics(parent.statistics, indices);
    this.variablesMetadata = pickMetadata(parent, this.variables);
    this.description = `${dsName(parent)} [select ${this.variables.join(",")}]`;
  }
  async readDate(i: number): Promise<Float32Array> {
    const src = await this.parent.readDate(i);
    const per = this.ensembles * this.grid.size;
    const out = new Float32Array(this.indices.length * per);
    this.indices.forEach((v, k) => out.set(src.subarray(v * per, (v + 1) * per), k * per));
    return out;
  }
}

/** `start`/`end`/`frequency`: a subset of dates (by index into the parent). */
export class SubsetDates extends Forwarding {
  readonly description: string;
  readonly dates: readonly number[];
  readonly missingDates: readonly number[];
  constructor(
    parent: Dataset,
    private readonly indices: readonly number[],
    readonly frequency: number,
    label: string,
  ) {
    super(parent);
    this.dates = indices.map((i) => parent.dates[i]);
    const keep = new Set(this.dates);
    this.missingDates = parent.missingDates.filter((d) => keep.has(d));
    this.description = `${dsName(parent)} [${label}]`;
  }
  readDate(i: number): Promise<Float32Array> {
    if (!Number.isInteger(i) || i < 0 || i >= this.indices.length) return Promise.reject(new DatasetError(`date index ${i} out of range [0, ${this.indices.length})`));
    return this.parent.readDate(this.indices[i]);
  }
}

/** `area` / `thinning`: a subset of grid points. */
export class SubsetPoints extends Forwarding {
  readonly description: string;
  readonly grid: Grid;
  constructor(
    parent: Dataset,
    private readonly points: Int32Array,
    label: string,
  ) {
    super(parent);
    const lats = Float64Array.from(points, (p) => parent.grid.latitudes[p]);
    const lons = Float64Array.from(points, (p) => parent.grid.longitudes[p]);
    this.grid = gridFromLatLon(lats, lons);
    this.description = `${dsName(parent)} [${label}]`;
  }
  async readDate(i: number): Promise<Float32Array> {
    const src = await this.parent.readDate(i);
    const n = this.points.length;
    const g = this.parent.grid.size;
    const slices = this.variables.length * this.ensembles;
    const out = new Float32Array(slices * n);
    for (let s = 0; s < slices; s++) {
      const so = s * g;
      const oo = s * n;
      for (let k = 0; k < n; k++) out[oo + k] = src[so + this.points[k]];
    }
    return out;
  }
}

/** `statistics=other`: the statistics of another dataset (for the same variables). */
export class WithStatistics extends Forwarding {
  readonly description: string;
  constructor(
    parent: Dataset,
    readonly statistics: Statistics,
    from: string,
  ) {
    super(parent);
    this.description = `${dsName(parent)} [statistics from ${from}]`;
  }
}

/** `join`: variables of several datasets with the same dates and grid; the last occurrence of a variable wins. */
export class Join implements Dataset {
  readonly description: string;
  readonly variables: readonly string[];
  readonly statistics: Statistics;
  readonly variablesMetadata: Readonly<Record<string, VariableMetadata>>;
  readonly missingDates: readonly number[];
  private readonly sources: { ds: number; index: number }[];

  constructor(private readonly members: readonly Dataset[]) {
    if (members.length < 2) throw new DatasetError("join needs at least two datasets");
    const first = members[0];
    for (const m of members.slice(1)) {
      if (!sameGrid(first.grid, m.grid)) {
        throw new DatasetError(`cannot join: datasets have different grids (${describeGridWithSize(first.grid)} vs ${describeGridWithSize(m.grid)})`);
      }
      if (m.ensembles !== first.ensembles) throw new DatasetError(`cannot join: datasets have different numbers of ensemble members (${first.ensembles} vs ${m.ensembles})`);
      if (m.frequency !== first.frequency) {
        throw new DatasetError(`cannot join: datasets have different frequencies (${frequencyHoursText(first.frequency)} vs ${frequencyHoursText(m.frequency)})`);
      }
      if (m.dates.length !== first.dates.length || m.dates[0] !== first.dates[0] || m.dates.some((d, i) => d !== first.dates[i])) {
        throw new DatasetError(
          `cannot join: datasets have different dates (${rangeText(first)} vs ${rangeText(m)}); use start/end to align them`,
        );
      }
    }
    const order: string[] = [];
    const where = new Map<string, { ds: number; index: number }>();
    members.forEach((m, di) =>
      m.variables.forEach((v, vi) => {
        if (!where.has(v)) order.push(v);
        where.set(v, { ds: di, index: vi });
      }),
    );
    this.variables = order;
    this.sources = order.map((v) => where.get(v)!);
    const stat = (key: keyof Statistics) => Float64Array.from(this.sources, (s) => members[s.ds].statistics[key][s.index]);
    this.statistics = { mean: stat("mean"), stdev: stat("stdev"), minimum: stat("minimum"), maximum: stat("maximum") };
    const vm: Record<string, VariableMetadata> = {};
    order.forEach((v, k) => {
      const meta = members[this.sources[k].ds].variablesMetadata[v];
      if (meta) vm[v] = meta;
    });
    this.variablesMetadata = vm;
    this.missingDates = [...new Set(members.flatMap((m) => m.missingDates))].sort((a, b) => a - b);
    this.description = `join(${members.map(dsName).join(", ")})`;
  }
  get dates() {
    return this.members[0].dates;
  }
  get frequency() {
    return this.members[0].frequency;
  }
  get ensembles() {
    return this.members[0].ensembles;
  }
  get grid() {
    return this.members[0].grid;
  }
  get attrs() {
    return this.members[0].attrs;
  }
  get shape(): readonly [number, number, number, number] {
    return [this.dates.length, this.variables.length, this.ensembles, this.grid.size];
  }
  async readDate(i: number): Promise<Float32Array> {
    const used = [...new Set(this.sources.map((s) => s.ds))];
    const fields = new Map<number, Float32Array>();
    await Promise.all(used.map(async (d) => fields.set(d, await this.members[d].readDate(i))));
    const per = this.ensembles * this.grid.size;
    const out = new Float32Array(this.variables.length * per);
    this.sources.forEach((s, k) => out.set(fields.get(s.ds)!.subarray(s.index * per, (s.index + 1) * per), k * per));
    return out;
  }
}

function rangeText(ds: Dataset): string {
  return `${ds.dates.length} dates from ${isoSeconds(ds.dates[0])} to ${isoSeconds(ds.dates[ds.dates.length - 1])}`;
}

/** `concat`: consecutive date ranges of datasets with the same variables and grid. */
export class Concat implements Dataset {
  readonly description: string;
  readonly dates: readonly number[];
  readonly missingDates: readonly number[];
  private readonly offsets: number[];

  constructor(private readonly members: readonly Dataset[]) {
    if (members.length < 2) throw new DatasetError("concat needs at least two datasets");
    const first = members[0];
    for (let k = 1; k < members.length; k++) {
      const m = members[k];
      const prev = members[k - 1];
      if (!sameGrid(first.grid, m.grid)) {
        throw new DatasetError(`cannot concat: datasets have different grids (${describeGridWithSize(first.grid)} vs ${describeGridWithSize(m.grid)})`);
      }
      if (m.variables.length !== first.variables.length || m.variables.some((v, i) => v !== first.variables[i])) {
        throw new DatasetError(`cannot concat: datasets have different variables ([${first.variables.join(", ")}] vs [${m.variables.join(", ")}])`);
      }
      if (m.ensembles !== first.ensembles) throw new DatasetError(`cannot concat: datasets have different numbers of ensemble members (${first.ensembles} vs ${m.ensembles})`);
      if (m.frequency !== first.frequency) {
        throw new DatasetError(`cannot concat: datasets have different frequencies (${frequencyHoursText(first.frequency)} vs ${frequencyHoursText(m.frequency)})`);
      }
      const prevEnd = prev.dates[prev.dates.length - 1];
      const start = m.dates[0];
      if (start <= prevEnd) {
        throw new DatasetError(`cannot concat: dates overlap or are out of order (${rangeText(prev)}, then ${rangeText(m)})`);
      }
      if (start !== prevEnd + first.frequency) {
        throw new DatasetError(`cannot concat: gap between ${isoSeconds(prevEnd)} and ${isoSeconds(start)} (expected the next date ${isoSeconds(prevEnd + first.frequency)})`);
      }
    }
    this.dates = members.flatMap((m) => m.dates);
    this.missingDates = members.flatMap((m) => m.missingDates);
    this.offsets = [];
    let o = 0;
    for (const m of members) {
      this.offsets.push(o);
      o += m.dates.length;
    }
    this.description = `concat(${members.map(dsName).join(", ")})`;
  }
  get variables() {
    return this.members[0].variables;
  }
  get frequency() {
    return this.members[0].frequency;
  }
  get ensembles() {
    return this.members[0].ensembles;
  }
  get grid() {
    return this.members[0].grid;
  }
  /** Combined datasets report the statistics of their first member (as anemoi). */
  get statistics() {
    return this.members[0].statistics;
  }
  get variablesMetadata() {
    return this.members[0].variablesMetadata;
  }
  get attrs() {
    return this.members[0].attrs;
  }
  get shape(): readonly [number, number, number, number] {
    return [this.dates.length, this.variables.length, this.ensembles, this.grid.size];
  }
  readDate(i: number): Promise<Float32Array> {
    if (!Number.isInteger(i) || i < 0 || i >= this.dates.length) return Promise.reject(new DatasetError(`date index ${i} out of range [0, ${this.dates.length})`));
    let k = this.offsets.length - 1;
    while (this.offsets[k] > i) k--;
    return this.members[k].readDate(i - this.offsets[k]);
  }
}

// ---------------------------------------------------------------------------------------------
// View constructors with validation

function asList(value: string | readonly string[]): string[] {
  return typeof value === "string" ? [value] : [...value];
}

export function selectVariables(ds: Dataset, select: string | readonly string[]): Dataset {
  const names = asList(select);
  if (names.length === 0) throw new DatasetError("select is empty");
  const index = new Map(ds.variables.map((v, i) => [v, i]));
  const seen = new Set<string>();
  const indices = names.map((n) => {
    const i = index.get(n);
    if (i === undefined) throw new DatasetError(`cannot select unknown variable '${n}' (the dataset has ${ds.variables.join(", ")})`);
    if (seen.has(n)) throw new DatasetError(`variable '${n}' appears twice in select`);
    seen.add(n);
    return i;
  });
  return new SelectVariables(ds, indices);
}

export function dropVariables(ds: Dataset, drop: string | readonly string[]): Dataset {
  const names = new Set(asList(drop));
  for (const n of names) if (!ds.variables.includes(n)) throw new DatasetError(`cannot drop unknown variable '${n}' (the dataset has ${ds.variables.join(", ")})`);
  const indices = ds.variables.flatMap((v, i) => (names.has(v) ? [] : [i]));
  if (indices.length === 0) throw new DatasetError("drop removes every variable of the dataset");
  return new SelectVariables(ds, indices);
}

function dateSpec(value: string | number, bound: "start" | "end", key: string): number {
  try {
    return parseDateSpec(value, bound);
  } catch (e) {
    if (e instanceof DateSpecError) throw new DatasetError(`${key}: ${e.message}`);
    throw e;
  }
}

export function subsetDates(ds: Dataset, start?: string | number, end?: string | number): Dataset {
  const first = ds.dates[0];
  const last = ds.dates[ds.dates.length - 1];
  const s = start === undefined ? first : dateSpec(start, "start", "start");
  const e = end === undefined ? last : dateSpec(end, "end", "end");
  if (start !== undefined && end !== undefined && s > e) throw new DatasetError(`start ${isoSeconds(s)} is after end ${isoSeconds(e)}`);
  if (s > last) throw new DatasetError(`start ${isoSeconds(s)} is after the last date of the dataset (${isoSeconds(last)})`);
  if (e < first) throw new DatasetError(`end ${isoSeconds(e)} is before the first date of the dataset (${isoSeconds(first)})`);
  const indices: number[] = [];
  ds.dates.forEach((d, i) => {
    if (d >= s && d <= e) indices.push(i);
  });
  if (indices.length === 0) {
    throw new DatasetError(`no dates between ${isoSeconds(s)} and ${isoSeconds(e)}: the dataset covers ${isoSeconds(first)} to ${isoSeconds(last)}`);
  }
  const label = [start !== undefined ? `start ${start}` : "", end !== undefined ? `end ${end}` : ""].filter(Boolean).join(" ");
  return new SubsetDates(ds, indices, ds.frequency, label);
}

export function subsampleFrequency(ds: Dataset, frequency: string | number): Dataset {
  let f: number;
  try {
    f = parseFrequency(frequency);
  } catch (e) {
    throw new DatasetError(`frequency: ${(e as Error).message}`);
  }
  if (f % ds.frequency !== 0) {
    throw new DatasetError(`cannot subsample to frequency ${frequencyHoursText(f)}: it is not a multiple of the dataset frequency ${frequencyHoursText(ds.frequency)}`);
  }
  const step = f / ds.frequency;
  if (step === 1) return ds;
  const indices: number[] = [];
  for (let i = 0; i < ds.dates.length; i += step) indices.push(i);
  return new SubsetDates(ds, indices, f, `frequency ${frequencyHoursText(f)}`);
}

export type Area = readonly [north: number, west: number, south: number, east: number];

export function cropArea(ds: Dataset, area: Area): Dataset {
  const [n, w, s, e] = area;
  if (area.length !== 4 || area.some((x) => !Number.isFinite(x))) throw new DatasetError("area must be [north, west, south, east] in degrees");
  if (n < s) throw new DatasetError(`area [${area.join(", ")}]: north (${n}) is south of south (${s})`);
  if (n > 90 || s < -90) throw new DatasetError(`area [${area.join(", ")}]: latitudes must lie in [-90, 90]`);
  const lats = ds.grid.latitudes;
  const lons = ds.grid.longitudes;
  const w0 = ((w % 360) + 360) % 360;
  let span = e - w;
  if (span < 0) span = ((span % 360) + 360) % 360;
  const full = e - w >= 360;
  const picked: number[] = [];
  for (let p = 0; p < ds.grid.size; p++) {
    const lat = lats[p];
    if (lat > n + 1e-9 || lat < s - 1e-9) continue;
    if (!full) {
      const rel = (((lons[p] - w0) % 360) + 360) % 360;
      if (rel > span + 1e-9 && rel < 360 - 1e-9) continue;
    }
    picked.push(p);
  }
  if (picked.length === 0) throw new DatasetError(`area [${area.join(", ")}] contains no grid points`);
  return new SubsetPoints(ds, Int32Array.from(picked), `area ${area.join("/")}`);
}

export function thin(ds: Dataset, n: number): Dataset {
  if (!Number.isInteger(n) || n < 1) throw new DatasetError(`thinning must be a positive whole number, got ${n}`);
  if (n === 1) return ds;
  const d = ds.grid.descriptor;
  const picked: number[] = [];
  if (d.kind === "regular") {
    // every n-th row and column of the 2-D field, as anemoi's "every-nth" does with field_shape
    for (let i = 0; i < d.lat.count; i += n) for (let j = 0; j < d.lon.count; j += n) picked.push(i * d.lon.count + j);
  } else {
    for (let p = 0; p < ds.grid.size; p += n) picked.push(p);
  }
  return new SubsetPoints(ds, Int32Array.from(picked), `thinning ${n}`);
}

export function statisticsFrom(ds: Dataset, other: Dataset): Dataset {
  const index = new Map(other.variables.map((v, i) => [v, i]));
  const lacking = ds.variables.filter((v) => !index.has(v));
  if (lacking.length > 0) throw new DatasetError(`cannot take statistics from ${other.description}: it lacks variable${lacking.length > 1 ? "s" : ""} ${lacking.join(", ")}`);
  return new WithStatistics(ds, selectStatistics(other.statistics, ds.variables.map((v) => index.get(v)!)), other.description);
}

export { dateIndex };

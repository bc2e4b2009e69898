import fs from "node:fs";
import type http from "node:http";
import path from "node:path";
import zlib from "node:zlib";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { DatasetError, dateIndex, openDataset, type Dataset } from "../../lib/datasets";
import { GridSpecError, parseGrid, type Grid } from "../../lib/grids";
import { fieldOffset, ForecastError, openForecast, type ForecastReader } from "../../lib/forecasts/store";
import {
  encodeField,
  FIELD_CONTENT_TYPE,
  memberField,
  parseLeadHours,
  parseMemberSpec,
  rasterMapGrid,
  rasterGeometry,
  meshMapGridOf,
  encodeMesh,
  type MeshMapGrid,
  type DatasetMeta,
  type ForecastMeta,
  type GridInfo,
  type MemberSpec,
  type PointSeries,
  type RasterMapGrid,
} from "../../lib/maps";
import { datasets, forecasts } from "../db/schema";
import type { Services } from "../services";

/**
 * The field service (docs/maps.md):
 * - `GET /api/grids/<gridId>`: grid descriptor JSON (immutable); `/api/grids/<gridId>/raster`:
 *   the nearest-point raster of an unstructured grid (Int32 little-endian, immutable);
 * - `GET /api/fields/meta?dataset=…` (or `?forecast=…`): variables, dates (init and lead times)
 *   and grid of a dataset (forecast store);
 * - `GET /api/fields?dataset=…&date=…&variable=…&encoding=q16|f32[&member=][&minus=…][&minusDate=…]`:
 *   one field as the binary envelope of lib/maps (JSON header + little-endian body), compressed
 *   with br or gzip when the client accepts it. `variable=ws` (or `ws_<level>`) is the wind speed
 *   from 10u/10v (u_<level>/v_<level>); `minus` and/or `minusDate` subtract another dataset's or
 *   date's field (same grid and valid date required);
 * - `GET /api/fields?forecast=…&init=…&lead=…&variable=…[&member=n|mean|spread][&minus=truth|<dataset>][&truth=…]
 *   [&minusForecast=…[&minusInit=…][&minusLead=…][&minusMember=…]]`: a forecast field, its error against the
 *   truth at the valid time, or the difference of two forecasts;
 * - `GET /api/fields/series?forecast=a[,b…]&variable=…&lat=…&lon=…&init=…[&member=][&truth=…]`:
 *   the meteogram (nearest grid point, every lead time, several forecasts and the truth).
 */

export function isFieldsPath(pathname: string): boolean {
  return pathname === "/api/fields" || pathname.startsWith("/api/fields/") || pathname.startsWith("/api/grids/");
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const dateParam = z.string().trim().min(1);
const memberParam = z
  .string()
  .default("0")
  .transform((s, ctx) => {
    const m = parseMemberSpec(s);
    if (m === null) {
      ctx.addIssue({ code: "custom", message: `'${s}' is not a member: use a member index (0, 1, …), mean or spread` });
      return z.NEVER;
    }
    return m;
  });
const leadParam = z.string().transform((s, ctx) => {
  const h = parseLeadHours(s);
  if (h === null) {
    ctx.addIssue({ code: "custom", message: `'${s}' is not a lead time: use hours (24, 24h) or days (2d)` });
    return z.NEVER;
  }
  return h;
});
const specParam = z.string().trim().min(1);
export const FieldQuerySchema = z
  .object({
    dataset: specParam.optional(),
    /** A forecast store: a registered forecast id or a path. */
    forecast: specParam.optional(),
    variable: z.string().trim().min(1, "variable is required"),
    date: dateParam.default("0"),
    init: dateParam.default("0"),
    lead: leadParam.optional(),
    encoding: z.enum(["q16", "f32"]).default("q16"),
    member: memberParam,
    minus: specParam.optional(),
    minusDate: dateParam.optional(),
    /** The truth dataset of `minus=truth` (default: the forecast's source dataset). */
    truth: specParam.optional(),
    minusForecast: specParam.optional(),
    minusInit: dateParam.optional(),
    minusLead: leadParam.optional(),
    /** The member (or mean/spread) of minusForecast; default: the same as member. */
    minusMember: z
      .string()
      .optional()
      .transform((s, ctx) => {
        if (s === undefined) return undefined;
        const m = parseMemberSpec(s);
        if (m === null) {
          ctx.addIssue({ code: "custom", message: `'${s}' is not a member: use a member index (0, 1, …), mean or spread` });
          return z.NEVER;
        }
        return m;
      }),
  })
  .superRefine((q, ctx) => {
    if (q.dataset === undefined && q.forecast === undefined) ctx.addIssue({ code: "custom", path: ["dataset"], message: "dataset is required (a path or a registered dataset id), or forecast (a registered forecast id or a path)" });
    if (q.dataset !== undefined && q.forecast !== undefined) ctx.addIssue({ code: "custom", path: ["forecast"], message: "give either dataset or forecast, not both" });
    if (q.forecast === undefined && (q.minusForecast !== undefined || q.truth !== undefined || q.lead !== undefined))
      ctx.addIssue({ code: "custom", path: ["forecast"], message: "lead, truth and minusForecast need forecast=<id or path>" });
    if (q.minusForecast === undefined && (q.minusInit !== undefined || q.minusLead !== undefined || q.minusMember !== undefined))
      ctx.addIssue({ code: "custom", path: ["minusForecast"], message: "minusInit, minusLead and minusMember need minusForecast=<id or path>" });
    if (q.minus !== undefined && q.minusForecast !== undefined) ctx.addIssue({ code: "custom", path: ["minusForecast"], message: "give either minus (a truth dataset) or minusForecast (another forecast), not both" });
    if (q.minus === "truth" && q.forecast === undefined) ctx.addIssue({ code: "custom", path: ["minus"], message: "minus=truth needs forecast=<id or path>" });
  });
export type FieldQuery = z.infer<typeof FieldQuerySchema>;

const MetaQuerySchema = z
  .object({ dataset: specParam.optional(), forecast: specParam.optional() })
  .refine((q) => (q.dataset === undefined) !== (q.forecast === undefined), { message: "dataset is required (a path or a registered dataset id), or forecast (a registered forecast id or a path)", path: ["dataset"] });

const num = (what: string, lo: number, hi: number) => z.coerce.number({ message: `${what} must be a number` }).min(lo, `${what} must be ≥ ${lo}`).max(hi, `${what} must be ≤ ${hi}`);
export const SeriesQuerySchema = z.object({
  forecast: z
    .string()
    .trim()
    .min(1, "forecast is required: one or more forecasts (ids or paths), comma-separated")
    .transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(z.string()).min(1).max(8, "at most 8 forecasts")),
  variable: z.string().trim().min(1, "variable is required"),
  lat: num("lat", -90, 90),
  lon: num("lon", -180, 360),
  init: dateParam.default("0"),
  member: memberParam,
  /** The truth dataset (default: the first forecast's source dataset); `none` for no truth. */
  truth: specParam.optional(),
});
export type SeriesQuery = z.infer<typeof SeriesQuerySchema>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// ---------------------------------------------------------------------------------------------
// Caches: opened datasets (re-opened when the store's attributes change), recently read dates,
// grids seen, and unstructured rasters.

type OpenEntry = { ds: Promise<Dataset>; stamp: number };
const opened = new Map<string, OpenEntry>();
const MAX_OPEN = 8;
const dateCache = new Map<string, Promise<Float32Array>>();
const MAX_DATE_BYTES = 512 * 1024 * 1024;
const dateBytes = new Map<string, number>();
const grids = new Map<string, Grid>();
const rasters = new Map<string, Promise<RasterMapGrid>>();
const meshes = new Map<string, Promise<MeshMapGrid>>();

function stampOf(storePath: string): number {
  try {
    return fs.statSync(path.join(storePath, ".zattrs")).mtimeMs;
  } catch {
    return 0;
  }
}

async function resolveDatasetPath(services: Services, spec: string, local: boolean): Promise<string> {
  if (UUID.test(spec)) {
    const [row] = await services.storage.db.select().from(datasets).where(eq(datasets.id, spec));
    if (!row) throw new HttpError(404, `no registered dataset with id ${spec}`);
    return row.path;
  }
  const abs = path.resolve(services.env.home, spec);
  const inHome = !path.relative(services.env.home, abs).startsWith("..");
  // Remote clients may only read registered datasets or stores under ISOBAR_HOME.
  if (!local && !inHome) {
    const [row] = await services.storage.db.select({ id: datasets.id }).from(datasets).where(eq(datasets.path, abs));
    if (!row) throw new HttpError(403, "only registered datasets or paths under ISOBAR_HOME can be read remotely");
  }
  if (!fs.existsSync(abs)) throw new HttpError(404, `dataset ${spec} not found`);
  return abs;
}

type OpenForecast = { reader: ForecastReader; id: string | null; name: string; kind: string };
const openedForecasts = new Map<string, { f: Promise<OpenForecast>; stamp: number }>();

/** A forecast store by registered id or path (same access rule as datasets), opened once per version of its attributes. */
async function resolveForecast(services: Services, spec: string, local: boolean): Promise<OpenForecast> {
  const db = services.storage.db;
  let abs: string;
  let row: typeof forecasts.$inferSelect | undefined;
  if (UUID.test(spec)) {
    [row] = await db.select().from(forecasts).where(eq(forecasts.id, spec));
    if (!row) throw new HttpError(404, `no registered forecast with id ${spec}`);
    abs = row.path;
  } else {
    abs = path.resolve(services.env.home, spec);
    [row] = await db.select().from(forecasts).where(eq(forecasts.path, abs));
    const inHome = !path.relative(services.env.home, abs).startsWith("..");
    if (!local && !inHome && !row) throw new HttpError(403, "only registered forecasts or paths under ISOBAR_HOME can be read remotely");
    if (!fs.existsSync(abs)) throw new HttpError(404, `forecast ${spec} not found`);
  }
  const stamp = stampOf(abs);
  const hit = openedForecasts.get(abs);
  if (hit && hit.stamp === stamp) return hit.f;
  if (hit) for (const k of [...dateCache.keys()]) if (k.startsWith(`${abs}#f`)) dropDate(k);
  const f = openForecast(abs).then((reader) => {
    grids.set(reader.grid.id, reader.grid);
    return { reader, id: row?.id ?? null, name: row?.name ?? path.basename(abs, ".zarr"), kind: row?.kind ?? reader.producer.kind };
  });
  openedForecasts.set(abs, { f, stamp });
  f.catch(() => openedForecasts.delete(abs));
  while (openedForecasts.size > MAX_OPEN) openedForecasts.delete(openedForecasts.keys().next().value!);
  return f;
}

async function openCached(storePath: string): Promise<Dataset> {
  const stamp = stampOf(storePath);
  const hit = opened.get(storePath);
  if (hit && hit.stamp === stamp) {
    opened.delete(storePath);
    opened.set(storePath, hit);
    return hit.ds;
  }
  if (hit) for (const k of [...dateCache.keys()]) if (k.startsWith(`${storePath}#`)) dropDate(k);
  const ds = openDataset(storePath);
  opened.set(storePath, { ds, stamp });
  ds.catch(() => opened.delete(storePath));
  while (opened.size > MAX_OPEN) opened.delete(opened.keys().next().value!);
  const d = await ds;
  grids.set(d.grid.id, d.grid);
  return d;
}

function dropDate(key: string): void {
  dateCache.delete(key);
  dateBytes.delete(key);
}

function readDateCached(storePath: string, ds: Dataset, i: number): Promise<Float32Array> {
  return readCached(`${storePath}#${i}`, () => ds.readDate(i));
}

/** Reads through the cache of recent dates / forecast fields (≤ 512 MiB, least recently used out). */
function readCached(key: string, read: () => Promise<Float32Array>): Promise<Float32Array> {
  const hit = dateCache.get(key);
  if (hit) {
    dateCache.delete(key);
    dateCache.set(key, hit);
    return hit;
  }
  const p = read();
  dateCache.set(key, p);
  p.then(
    (a) => {
      dateBytes.set(key, a.byteLength);
      let total = [...dateBytes.values()].reduce((s, b) => s + b, 0);
      for (const k of dateCache.keys()) {
        if (total <= MAX_DATE_BYTES || k === key) break;
        total -= dateBytes.get(k) ?? 0;
        dropDate(k);
      }
    },
    () => dropDate(key),
  );
  return p;
}

// ---------------------------------------------------------------------------------------------

function resolveDate(ds: Dataset, spec: string, what: string): number {
  if (/^-?\d+$/.test(spec) && spec.length < 8) {
    const i = Number(spec);
    const idx = i < 0 ? ds.dates.length + i : i;
    if (idx < 0 || idx >= ds.dates.length) throw new HttpError(400, `${what} index ${spec} is out of range: the dataset has ${ds.dates.length} dates`);
    return idx;
  }
  const iso = /[zZ]|[+-]\d\d:?\d\d$/.test(spec) ? spec : `${spec}Z`;
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new HttpError(400, `${what} '${spec}' is neither an ISO date nor an index`);
  const idx = dateIndex(ds, Math.round(ms / 1000));
  if (idx < 0) throw new HttpError(400, `${what} ${new Date(ms).toISOString().replace(".000Z", "Z")} is not in the dataset (${isoOf(ds.dates[0])} … ${isoOf(ds.dates[ds.dates.length - 1])})`);
  return idx;
}

const isoOf = (s: number) => new Date(s * 1000).toISOString().replace(".000Z", "Z");

/** Derived variables: name → [u, v] components. */
function windComponents(variable: string): [string, string] | null {
  if (variable === "ws" || variable === "10si") return ["10u", "10v"];
  const m = /^ws_(\d+)$/.exec(variable);
  return m ? [`u_${m[1]}`, `v_${m[1]}`] : null;
}

function derivedVariables(variables: readonly string[]): string[] {
  const out: string[] = [];
  if (variables.includes("10u") && variables.includes("10v")) out.push("ws");
  for (const v of variables) {
    const m = /^u_(\d+)$/.exec(v);
    if (m && variables.includes(`v_${m[1]}`)) out.push(`ws_${m[1]}`);
  }
  return out;
}

function unitsOf(ds: Dataset, variable: string): string {
  const u = ds.variablesMetadata[variable]?.units;
  return typeof u === "string" ? u : "";
}

type Field = { values: Float32Array; units: string; derived?: string };

/** What a field is cut from: one date of a dataset or one (init, lead) of a forecast, laid out (variables, members, points). */
type FieldSource = {
  variables: readonly string[];
  members: number;
  size: number;
  /** "the dataset", "forecast persistence-truth". */
  describe: string;
  slice(name: string, member: number): Float32Array;
  units(name: string): string;
};

/** One variable (stored or derived wind speed) of one member, or the ensemble mean / spread. */
function deriveField(src: FieldSource, variable: string, member: MemberSpec): Field {
  if (typeof member === "number" && member >= src.members) throw new HttpError(400, `member ${member} is out of range: ${src.describe} has ${src.members} ensemble member(s)`);
  let one: (m: number) => Float32Array;
  let units: string;
  let derived: string | undefined;
  if (src.variables.includes(variable)) {
    one = (m) => src.slice(variable, m);
    units = src.units(variable);
  } else {
    const wind = windComponents(variable);
    if (!wind || !src.variables.includes(wind[0]) || !src.variables.includes(wind[1])) {
      const d = derivedVariables(src.variables);
      throw new HttpError(400, `variable '${variable}' is not in ${src.describe} (variables: ${src.variables.join(", ")}${d.length ? `; derived: ${d.join(", ")}` : ""})`);
    }
    one = (m) => {
      const u = src.slice(wind[0], m);
      const v = src.slice(wind[1], m);
      const out = new Float32Array(src.size);
      for (let i = 0; i < out.length; i++) out[i] = Math.hypot(u[i], v[i]);
      return out;
    };
    units = src.units(wind[0]) || "m s**-1";
    derived = `speed from ${wind[0]}, ${wind[1]}`;
  }
  const values = memberField(member, src.members, one, src.size);
  if (typeof member !== "number") {
    const stat = `ensemble ${member} of ${src.members} member${src.members === 1 ? "" : "s"}`;
    derived = derived ? `${derived}, ${stat}` : stat;
  }
  return { values, units, derived };
}

async function readField(storePath: string, ds: Dataset, dateIdx: number, variable: string, member: MemberSpec): Promise<Field> {
  const n = ds.grid.size;
  const all = await readDateCached(storePath, ds, dateIdx);
  return deriveField(
    {
      variables: ds.variables,
      members: ds.ensembles,
      size: n,
      describe: "the dataset",
      slice(name, m) {
        const off = (ds.variables.indexOf(name) * ds.ensembles + m) * n;
        return all.subarray(off, off + n);
      },
      units: (name) => unitsOf(ds, name),
    },
    variable,
    member,
  );
}

function checkSameGrid(a: Grid, b: Grid, what: string): void {
  if (a.id !== b.id || a.size !== b.size) throw new HttpError(400, `${what}: grids differ (${a.id} with ${a.size} points vs ${b.id} with ${b.size} points)`);
}

function timeRange(times: readonly number[]): string {
  return times.length ? `${isoOf(times[0])} … ${isoOf(times[times.length - 1])}, ${times.length} times` : "none";
}

/** Index of an init time given as an ISO date or an index (negative from the end). */
function resolveInit(f: OpenForecast, spec: string, what: string): number {
  const times = f.reader.initTimes;
  if (/^-?\d+$/.test(spec) && spec.length < 8) {
    const i = Number(spec);
    const idx = i < 0 ? times.length + i : i;
    if (idx < 0 || idx >= times.length) throw new HttpError(400, `${what} index ${spec} is out of range: forecast ${f.name} has ${times.length} init time(s)`);
    return idx;
  }
  const iso = /[zZ]|[+-]\d\d:?\d\d$/.test(spec) ? spec : `${spec}Z`;
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new HttpError(400, `${what} '${spec}' is neither an ISO date nor an index`);
  const idx = times.indexOf(Math.round(ms / 1000));
  if (idx < 0) throw new HttpError(400, `${what} ${new Date(ms).toISOString().replace(".000Z", "Z")} is not an init time of forecast ${f.name} (${timeRange(times)})`);
  return idx;
}

function resolveLead(f: OpenForecast, hours: number, what: string): number {
  const l = f.reader.leadTimesHours.indexOf(hours);
  if (l < 0) throw new HttpError(400, `${what} ${hours} h is not a lead time of forecast ${f.name} (lead times: ${f.reader.leadTimesHours.join(", ")} h)`);
  return l;
}

type VariableRange = { min: number; max: number };

/** A dataset variable's minimum and maximum over the statistics period; null when not finite or empty. */
function statisticsRange(ds: Dataset, variable: string): VariableRange | null {
  const k = ds.variables.indexOf(variable);
  if (k < 0) return null;
  const min = ds.statistics.minimum[k];
  const max = ds.statistics.maximum[k];
  return Number.isFinite(min) && Number.isFinite(max) && max > min ? { min, max } : null;
}

/** A forecast's variables: units (from the forecast's attributes, else from its source dataset) and ranges (from its source dataset's statistics). */
type ForecastVariableInfo = { units: Record<string, string>; ranges: Record<string, VariableRange> };
const forecastInfoCache = new Map<string, Promise<ForecastVariableInfo>>();
function forecastVariableInfo(services: Services, f: OpenForecast): Promise<ForecastVariableInfo> {
  let p = forecastInfoCache.get(f.reader.path);
  if (!p) {
    p = (async () => {
      const units: Record<string, string> = {};
      const ranges: Record<string, VariableRange> = {};
      const meta = f.reader.attrs.variables_metadata;
      if (meta && typeof meta === "object")
        for (const [k, v] of Object.entries(meta as Record<string, unknown>)) {
          const u = v && typeof v === "object" ? (v as { units?: unknown }).units : undefined;
          if (typeof u === "string") units[k] = u;
        }
      const src = f.reader.sourceDataset;
      if (src) {
        try {
          const ds = await openCached(path.resolve(services.env.home, src));
          for (const v of f.reader.variables) {
            if (!units[v] && unitsOf(ds, v)) units[v] = unitsOf(ds, v);
            const r = statisticsRange(ds, v);
            if (r) ranges[v] = r;
          }
        } catch {
          // The source dataset moved or is gone: units stay unknown ("") and ranges come from the fields.
        }
      }
      return { units, ranges };
    })();
    forecastInfoCache.set(f.reader.path, p);
    if (forecastInfoCache.size > 64) forecastInfoCache.delete(forecastInfoCache.keys().next().value!);
  }
  return p;
}

/** Units of a forecast's variables. */
async function forecastUnits(services: Services, f: OpenForecast): Promise<Record<string, string>> {
  return (await forecastVariableInfo(services, f)).units;
}

async function readForecastField(f: OpenForecast, i: number, l: number, variable: string, member: MemberSpec, units: Record<string, string>): Promise<Field> {
  const r = f.reader;
  if (!(await r.hasField(i, l))) throw new HttpError(404, `forecast ${f.name}: the field of init ${isoOf(r.initTimes[i])} at lead ${r.leadTimesHours[l]} h has not been written yet`);
  const all = await readCached(`${r.path}#f${i}.${l}`, () => r.readField(i, l));
  const n = r.grid.size;
  return deriveField(
    {
      variables: r.variables,
      members: r.members,
      size: n,
      describe: `forecast ${f.name}`,
      slice(name, m) {
        const off = fieldOffset(r, r.variables.indexOf(name), m);
        return all.subarray(off, off + n);
      },
      units: (name) => units[name] ?? "",
    },
    variable,
    member,
  );
}

function subtract(a: Float32Array, b: Float32Array): Float32Array {
  const d = new Float32Array(a.length);
  for (let i = 0; i < d.length; i++) d[i] = a[i] - b[i];
  return d;
}

export type ComputedField = { field: Field; grid: Grid; date: string; source: string; init?: string; leadHours?: number };

async function computeForecastField(services: Services, q: FieldQuery, local: boolean): Promise<ComputedField> {
  const A = await resolveForecast(services, q.forecast!, local);
  const r = A.reader;
  const i = resolveInit(A, q.init, "init");
  const leadH = q.lead ?? r.leadTimesHours[0];
  const l = resolveLead(A, leadH, "lead");
  const units = await forecastUnits(services, A);
  const field = await readForecastField(A, i, l, q.variable, q.member, units);
  const valid = r.initTimes[i] + leadH * 3600;
  const out = { grid: r.grid, date: isoOf(valid), source: `forecast ${A.name}`, init: isoOf(r.initTimes[i]), leadHours: leadH };
  if (q.minusDate !== undefined && q.minus === undefined) throw new HttpError(400, "minusDate with a forecast needs minus=truth or minus=<dataset>");
  if (q.minus !== undefined) {
    if (q.member === "spread") throw new HttpError(400, "cannot subtract the truth from the ensemble spread: use member=mean or a member index");
    const spec = q.minus === "truth" ? (q.truth ?? r.sourceDataset) : q.minus;
    if (!spec) throw new HttpError(400, `forecast ${A.name} does not name its source dataset: pass truth=<dataset> with minus=truth`);
    const tPath = await resolveDatasetPath(services, spec, local);
    const t = await openCached(tPath);
    checkSameGrid(r.grid, t.grid, `cannot compute the error of ${A.name} against ${spec}`);
    let it: number;
    if (q.minusDate !== undefined) it = resolveDate(t, q.minusDate, "minusDate");
    else {
      it = dateIndex(t, valid);
      if (it < 0) throw new HttpError(400, `cannot compute the error: the valid time ${isoOf(valid)} (init ${out.init} + ${leadH} h) is not a date of the truth ${spec} (${isoOf(t.dates[0])} … ${isoOf(t.dates[t.dates.length - 1])})`);
    }
    let truth: Field;
    try {
      truth = await readField(tPath, t, it, q.variable, 0);
    } catch (e) {
      if (e instanceof HttpError) throw new HttpError(e.status, `cannot compute the error against the truth ${spec}: ${e.message}`);
      throw e;
    }
    const name = t.description || spec;
    return { ...out, field: { values: subtract(field.values, truth.values), units: field.units || truth.units, derived: `error: ${A.name}${field.derived ? ` (${field.derived})` : ""} − truth ${name} at ${isoOf(t.dates[it])}` } };
  }
  if (q.minusForecast !== undefined) {
    const B = await resolveForecast(services, q.minusForecast, local);
    checkSameGrid(r.grid, B.reader.grid, `cannot subtract forecast ${B.name} from ${A.name}`);
    let ib: number;
    if (q.minusInit !== undefined) ib = resolveInit(B, q.minusInit, "minusInit");
    else {
      ib = B.reader.initTimes.indexOf(r.initTimes[i]);
      if (ib < 0) throw new HttpError(400, `cannot subtract: init ${out.init} is not an init time of forecast ${B.name} (${timeRange(B.reader.initTimes)}); pass minusInit to compare different runs`);
    }
    const lb = resolveLead(B, q.minusLead ?? leadH, q.minusLead !== undefined ? "minusLead" : "lead");
    const other = await readForecastField(B, ib, lb, q.variable, q.minusMember ?? q.member, await forecastUnits(services, B));
    return {
      ...out,
      field: { values: subtract(field.values, other.values), units: field.units || other.units, derived: `difference: ${A.name} − ${B.name} (init ${isoOf(B.reader.initTimes[ib])}, lead ${B.reader.leadTimesHours[lb]} h)` },
    };
  }
  return { ...out, field };
}

/** Reads (and derives) the field of a query; exported for the benchmark and tests. */
export async function computeField(services: Services, q: FieldQuery, local = true): Promise<ComputedField> {
  if (q.forecast !== undefined) return computeForecastField(services, q, local);
  const aPath = await resolveDatasetPath(services, q.dataset!, local);
  const a = await openCached(aPath);
  const ia = resolveDate(a, q.date, "date");
  const field = await readField(aPath, a, ia, q.variable, q.member);
  const source = a.description;
  if (q.minus !== undefined || q.minusDate !== undefined) {
    const bPath = q.minus !== undefined ? await resolveDatasetPath(services, q.minus, local) : aPath;
    const b = bPath === aPath ? a : await openCached(bPath);
    checkSameGrid(a.grid, b.grid, "cannot subtract");
    let ib: number;
    if (q.minusDate !== undefined) ib = resolveDate(b, q.minusDate, "minusDate");
    else {
      ib = dateIndex(b, a.dates[ia]);
      if (ib < 0) throw new HttpError(400, `cannot subtract: ${isoOf(a.dates[ia])} is not a date of ${q.minus} (${isoOf(b.dates[0])} … ${isoOf(b.dates[b.dates.length - 1])}); pass minusDate to compare different times`);
    }
    const member = typeof q.member === "number" ? Math.min(q.member, b.ensembles - 1) : q.member;
    const other = await readField(bPath, b, ib, q.variable, member);
    const what = bPath === aPath ? `${isoOf(a.dates[ia])} − ${isoOf(b.dates[ib])}` : `${a.description} − ${b.description}`;
    return { field: { values: subtract(field.values, other.values), units: field.units, derived: `difference: ${what}` }, grid: a.grid, date: isoOf(a.dates[ia]), source };
  }
  return { field, grid: a.grid, date: isoOf(a.dates[ia]), source };
}

export async function datasetMeta(services: Services, spec: string, local = true): Promise<DatasetMeta> {
  const p = await resolveDatasetPath(services, spec, local);
  const ds = await openCached(p);
  const name = typeof ds.attrs.name === "string" ? ds.attrs.name : null;
  return {
    dataset: spec,
    description: ds.description,
    name,
    gridId: ds.grid.id,
    gridKind: ds.grid.kind,
    size: ds.grid.size,
    variables: ds.variables.map((v) => {
      const ln = ds.variablesMetadata[v]?.long_name;
      return { name: v, units: unitsOf(ds, v), longName: typeof ln === "string" ? ln : null, range: statisticsRange(ds, v) };
    }),
    dates: ds.dates.map(isoOf),
    derived: derivedVariables(ds.variables),
  };
}

export async function forecastMeta(services: Services, spec: string, local = true): Promise<ForecastMeta> {
  const f = await resolveForecast(services, spec, local);
  const r = f.reader;
  const { units, ranges } = await forecastVariableInfo(services, f);
  return {
    forecast: spec,
    id: f.id,
    name: f.name,
    kind: f.kind,
    gridId: r.grid.id,
    gridKind: r.grid.kind,
    size: r.grid.size,
    variables: r.variables.map((v) => ({ name: v, units: units[v] ?? "", longName: null, range: ranges[v] ?? null })),
    derived: derivedVariables(r.variables),
    initTimes: r.initTimes.map(isoOf),
    leadTimesHours: [...r.leadTimesHours],
    members: r.members,
    sourceDataset: r.sourceDataset,
  };
}

const finiteOrNull = (v: number) => (Number.isFinite(v) ? v : null);

/** The meteogram: values at the nearest grid point for every lead time of several forecasts, and the truth. */
export async function pointSeries(services: Services, q: SeriesQuery, local = true): Promise<PointSeries> {
  const list = await Promise.all(q.forecast.map((spec) => resolveForecast(services, spec, local)));
  const first = list[0];
  const init = first.reader.initTimes[resolveInit(first, q.init, "init")];
  const lon = q.lon > 180 ? q.lon - 360 : q.lon;
  const leads = [...new Set(list.flatMap((f) => f.reader.leadTimesHours))].sort((x, y) => x - y);
  const validTimes = leads.map((h) => init + h * 3600);
  const units0 = await forecastUnits(services, first);
  const idx0 = first.reader.grid.nearest(q.lat, lon);
  let units = "";
  const series: PointSeries["series"] = [];
  for (const [k, f] of list.entries()) {
    const entry = { forecast: q.forecast[k], name: f.name, kind: f.kind };
    try {
      const r = f.reader;
      const i = r.initTimes.indexOf(init);
      if (i < 0) throw new HttpError(400, `init ${isoOf(init)} is not an init time of forecast ${f.name} (${timeRange(r.initTimes)})`);
      const p = r.grid.id === first.reader.grid.id ? idx0 : r.grid.nearest(q.lat, lon);
      const u = k === 0 ? units0 : await forecastUnits(services, f);
      const values: (number | null)[] = [];
      for (const h of leads) {
        const l = r.leadTimesHours.indexOf(h);
        if (l < 0 || !(await r.hasField(i, l))) {
          values.push(null);
          continue;
        }
        const field = await readForecastField(f, i, l, q.variable, q.member, u);
        if (!units) units = field.units;
        values.push(finiteOrNull(field.values[p]));
      }
      series.push({ ...entry, values });
    } catch (e) {
      // The first forecast defines the request: its errors are the request's errors.
      if (k === 0 || !(e instanceof HttpError)) throw e;
      series.push({ ...entry, values: leads.map(() => null), error: e.message });
    }
  }
  let truth: PointSeries["truth"] = null;
  const tSpec = q.truth === "none" ? null : (q.truth ?? first.reader.sourceDataset);
  if (tSpec) {
    const tPath = await resolveDatasetPath(services, tSpec, local);
    const t = await openCached(tPath);
    const name = (typeof t.attrs.name === "string" ? t.attrs.name : null) ?? path.basename(tPath, ".zarr");
    try {
      const p = t.grid.id === first.reader.grid.id ? idx0 : t.grid.nearest(q.lat, lon);
      const values: (number | null)[] = [];
      for (const vt of validTimes) {
        const di = dateIndex(t, vt);
        if (di < 0) {
          values.push(null);
          continue;
        }
        const field = await readField(tPath, t, di, q.variable, 0);
        if (!units) units = field.units;
        values.push(finiteOrNull(field.values[p]));
      }
      truth = { dataset: tSpec, name, values };
    } catch (e) {
      if (!(e instanceof HttpError)) throw e;
      truth = { dataset: tSpec, name, values: validTimes.map(() => null), error: e.message };
    }
  }
  const g = first.reader.grid;
  return {
    variable: q.variable,
    units,
    init: isoOf(init),
    member: q.member,
    lat: q.lat,
    lon,
    point: { index: idx0, lat: g.latitudes[idx0], lon: g.longitudes[idx0], gridId: g.id },
    leadTimesHours: leads,
    validTimes: validTimes.map(isoOf),
    series,
    truth,
  };
}

function gridById(id: string): Grid {
  const g = grids.get(id);
  if (g) return g;
  try {
    const parsed = parseGrid(id);
    if (parsed.id !== id) throw new GridSpecError(`not canonical`);
    grids.set(id, parsed);
    return parsed;
  } catch (e) {
    if (e instanceof GridSpecError) throw new HttpError(404, `unknown grid ${id} (open a dataset on it first)`);
    throw e;
  }
}

function rasterOf(grid: Grid): Promise<RasterMapGrid> {
  let r = rasters.get(grid.id);
  if (!r) {
    r = Promise.resolve().then(() => rasterMapGrid(grid));
    rasters.set(grid.id, r);
  }
  return r;
}

/** The triangle mesh of an unstructured grid, triangulated once per grid and process. */
function meshOf(grid: Grid): Promise<MeshMapGrid> {
  let m = meshes.get(grid.id);
  if (!m) {
    m = Promise.resolve().then(() => meshMapGridOf(grid));
    meshes.set(grid.id, m);
  }
  return m;
}

export async function gridInfo(id: string): Promise<GridInfo> {
  const g = gridById(id);
  const info: GridInfo = { gridId: g.id, kind: g.kind, size: g.size, descriptor: g.descriptor as GridInfo["descriptor"] };
  if (!g.rowTable()) {
    const { west, south, dlon, dlat, nx, ny } = rasterGeometry(g);
    info.raster = { west, south, dlon, dlat, nx, ny };
    const m = await meshOf(g);
    info.mesh = { vertices: m.lon.length, triangles: m.triangles.length / 3, bounds: m.bounds };
  }
  return info;
}

// ---------------------------------------------------------------------------------------------

function queryObject(url: URL): Record<string, string> {
  const o: Record<string, string> = {};
  for (const [k, v] of url.searchParams) o[k] = v;
  return o;
}

function parseQuery<T extends z.ZodType>(schema: T, url: URL): z.infer<T> {
  const r = schema.safeParse(queryObject(url));
  if (!r.success) {
    const i = r.error.issues[0];
    throw new HttpError(400, `${i.path.join(".") || "query"}: ${i.message}`);
  }
  return r.data;
}

export function send(req: http.IncomingMessage, res: http.ServerResponse, status: number, body: Uint8Array | string, headers: Record<string, string>): void {
  const buf = typeof body === "string" ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const accept = String(req.headers["accept-encoding"] ?? "");
  let out: Buffer = buf;
  const h: Record<string, string> = { vary: "accept-encoding", ...headers };
  if (buf.length > 1024) {
    if (/\bbr\b/.test(accept)) {
      out = zlib.brotliCompressSync(buf, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length } });
      h["content-encoding"] = "br";
    } else if (/\bgzip\b/.test(accept)) {
      out = zlib.gzipSync(buf, { level: 6 });
      h["content-encoding"] = "gzip";
    }
  }
  h["content-length"] = String(out.length);
  res.writeHead(status, h);
  res.end(req.method === "HEAD" ? undefined : out);
}

export function sendJson(req: http.IncomingMessage, res: http.ServerResponse, status: number, value: unknown, cache = "no-store"): void {
  send(req, res, status, JSON.stringify(value), { "content-type": "application/json", "cache-control": cache });
}

export function isLoopback(address: string | undefined): boolean {
  return !!address && (address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127."));
}

export async function handleFieldsRequest(req: http.IncomingMessage, res: http.ServerResponse, services: Services): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const local = isLoopback(req.socket.remoteAddress);
  try {
    if (req.method !== "GET" && req.method !== "HEAD") throw new HttpError(405, "use GET");
    const p = url.pathname;
    if (p.startsWith("/api/grids/")) {
      const rest = decodeURIComponent(p.slice("/api/grids/".length));
      const immutable = "public, max-age=31536000, immutable";
      if (rest.endsWith("/mesh")) {
        const g = gridById(rest.slice(0, -"/mesh".length));
        if (g.rowTable()) throw new HttpError(404, `grid ${g.id} has a row table and no mesh (only unstructured grids are drawn as triangles)`);
        send(req, res, 200, encodeMesh(await meshOf(g)), { "content-type": "application/octet-stream", "cache-control": immutable });
        return;
      }
      if (rest.endsWith("/raster")) {
        const g = gridById(rest.slice(0, -"/raster".length));
        if (g.rowTable()) throw new HttpError(404, `grid ${g.id} has a row table and no raster`);
        const r = await rasterOf(g);
        send(req, res, 200, new Uint8Array(r.index.buffer, r.index.byteOffset, r.index.byteLength), { "content-type": "application/octet-stream", "cache-control": immutable });
        return;
      }
      sendJson(req, res, 200, await gridInfo(rest), immutable);
      return;
    }
    if (p === "/api/fields/meta") {
      const q = parseQuery(MetaQuerySchema, url);
      sendJson(req, res, 200, q.forecast !== undefined ? await forecastMeta(services, q.forecast, local) : await datasetMeta(services, q.dataset!, local));
      return;
    }
    if (p === "/api/fields/series") {
      const q = parseQuery(SeriesQuerySchema, url);
      sendJson(req, res, 200, await pointSeries(services, q, local));
      return;
    }
    if (p === "/api/fields") {
      const q = parseQuery(FieldQuerySchema, url);
      const { field, grid, date, source, init, leadHours } = await computeField(services, q, local);
      const bytes = encodeField(field.values, q.encoding, {
        gridId: grid.id,
        variable: q.variable,
        units: field.units,
        date,
        derived: field.derived,
        source,
        ...(init !== undefined ? { init, leadHours, member: String(q.member) } : {}),
      });
      send(req, res, 200, bytes, { "content-type": FIELD_CONTENT_TYPE, "cache-control": "private, max-age=60" });
      return;
    }
    throw new HttpError(404, `no such endpoint ${p}`);
  } catch (e) {
    const status = e instanceof HttpError ? e.status : e instanceof DatasetError || e instanceof ForecastError ? 400 : 500;
    if (status === 500) console.error(`[isobar] ${url.pathname} failed:`, e);
    if (!res.headersSent) sendJson(req, res, status, { error: e instanceof Error ? e.message : String(e) });
    else res.end();
  }
}

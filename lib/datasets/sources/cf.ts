import { gridFromLatLon, regrid, type Grid, type InterpolationMethod, type RegridOperator } from "@/lib/grids";
import { z } from "zod";
import { isoSeconds } from "../dates";
import { sameGrid } from "../grid-info";
import type { DatasetSource, OpenedSource, SourceVariable } from "./source";

/**
 * CF-convention gridded files (NetCDF, xarray zarr): coordinates, time decoding, packing, and
 * the mapping of long variable names to anemoi's short names. The file formats implement
 * {@link CfFile}; {@link CfGriddedSource} turns any of them into a DatasetSource that produces
 * one date at a time on the target grid.
 */

export type CfAttrs = Record<string, unknown>;

/** The minimum a reader must offer: variable names, dimensions, attributes, and hyperslab reads. */
export interface CfFile {
  readonly description: string;
  variableNames(): string[];
  dims(name: string): string[];
  shape(name: string): number[];
  attrs(name: string): CfAttrs;
  /** The whole variable (coordinates), as numbers, raw (not unpacked). */
  readAll(name: string): Promise<Float64Array>;
  /** One slab: `index[d]` is a fixed index for dimension d, or null for the whole dimension. Raw values in C order. */
  readSlab(name: string, index: (number | null)[]): Promise<Float64Array>;
  close?(): Promise<void> | void;
}

/**
 * Long (WeatherBench 2 / ERA5 CDS) names → anemoi short names. Variables on levels get
 * `_<level>` appended (`geopotential` at 500 hPa → `z_500`). Names not listed are kept as they are.
 */
export const CF_NAME_MAP: Readonly<Record<string, string>> = {
  geopotential: "z",
  temperature: "t",
  u_component_of_wind: "u",
  v_component_of_wind: "v",
  vertical_velocity: "w",
  specific_humidity: "q",
  relative_humidity: "r",
  "2m_temperature": "2t",
  "2m_dewpoint_temperature": "2d",
  "10m_u_component_of_wind": "10u",
  "10m_v_component_of_wind": "10v",
  mean_sea_level_pressure: "msl",
  surface_pressure: "sp",
  total_precipitation: "tp",
  total_precipitation_6hr: "tp",
  total_precipitation_24hr: "tp",
  sea_surface_temperature: "sst",
  land_sea_mask: "lsm",
  geopotential_at_surface: "z",
  total_column_water_vapour: "tcwv",
  toa_incident_solar_radiation: "tisr",
  skin_temperature: "skt",
  // ERA5 NetCDF short names that differ from the GRIB ones
  t2m: "2t",
  d2m: "2d",
  u10: "10u",
  v10: "10v",
};

const TIME_NAMES = ["time", "valid_time", "t"];
const LAT_NAMES = ["latitude", "lat", "nav_lat", "y"];
const LON_NAMES = ["longitude", "lon", "nav_lon", "x"];
const LEVEL_NAMES = ["level", "pressure_level", "isobaricInhPa", "plev", "lev"];

export const CfConfigSchema = z
  .object({
    path: z.string().min(1).optional(),
    url: z.string().min(1).optional(),
    /** Variables to take, by file name or anemoi short name (default: every gridded variable). */
    param: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
    /** Levels to take for variables with a level dimension (default: all). */
    level: z.union([z.number(), z.array(z.number()).min(1)]).optional(),
    /** Extra name mapping, file name → anemoi name (applied before level suffixes). */
    rename: z.record(z.string(), z.string()).optional(),
    /** Interpolation to the target grid when the grids differ. */
    method: z.enum(["linear", "nearest", "idw"]).default("linear"),
  })
  .strict()
  .refine((c) => (c.path ?? c.url) !== undefined, { message: "path is required" });
export type CfConfig = z.infer<typeof CfConfigSchema>;

function numberAttr(a: CfAttrs, key: string): number | undefined {
  const v = a[key];
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  if (Array.isArray(v) && typeof v[0] === "number") return v[0];
  if (ArrayBuffer.isView(v) && (v as unknown as ArrayLike<number>).length > 0) return Number((v as unknown as ArrayLike<number | bigint>)[0]);
  return undefined;
}

function stringAttr(a: CfAttrs, key: string): string | undefined {
  const v = a[key];
  return typeof v === "string" ? v : undefined;
}

const UNIT_SECONDS: Record<string, number> = {
  second: 1,
  seconds: 1,
  sec: 1,
  secs: 1,
  s: 1,
  minute: 60,
  minutes: 60,
  min: 60,
  mins: 60,
  hour: 3600,
  hours: 3600,
  hr: 3600,
  h: 3600,
  day: 86400,
  days: 86400,
  d: 86400,
};

export class CfError extends Error {}

/** `hours since 1959-01-01[ 00:00:00[Z]]` → seconds per unit and the epoch (seconds since 1970). */
export function parseCfTimeUnits(units: string, calendar = "standard"): { scale: number; epoch: number } {
  const cal = calendar.toLowerCase();
  if (!["standard", "gregorian", "proleptic_gregorian"].includes(cal)) {
    throw new CfError(`unsupported calendar '${calendar}' (only standard, gregorian and proleptic_gregorian)`);
  }
  const m = /^\s*(\w+)\s+since\s+(\d{1,4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.\d+)?)?)?\s*(Z|UTC|[+-]00:?00)?\s*$/i.exec(units);
  if (!m) throw new CfError(`cannot parse time units '${units}' (expected e.g. 'hours since 1959-01-01')`);
  const scale = UNIT_SECONDS[m[1].toLowerCase()];
  if (!scale) throw new CfError(`unknown time unit '${m[1]}' in '${units}'`);
  const epoch = Date.UTC(Number(m[2]), Number(m[3]) - 1, Number(m[4]), Number(m[5] ?? 0), Number(m[6] ?? 0), Number(m[7] ?? 0)) / 1000;
  return { scale, epoch };
}

export function decodeCfTimes(raw: Float64Array, attrs: CfAttrs): number[] {
  const units = stringAttr(attrs, "units");
  if (!units) throw new CfError("time coordinate has no units attribute");
  const { scale, epoch } = parseCfTimeUnits(units, stringAttr(attrs, "calendar") ?? "standard");
  return Array.from(raw, (v) => Math.round(epoch + v * scale));
}

/** Unpack with scale_factor/add_offset, mapping _FillValue/missing_value (compared on raw values) and non-finite to NaN. */
export function unpack(raw: Float64Array, attrs: CfAttrs): Float32Array {
  const scale = numberAttr(attrs, "scale_factor") ?? 1;
  const offset = numberAttr(attrs, "add_offset") ?? 0;
  const fill = numberAttr(attrs, "_FillValue");
  const missing = numberAttr(attrs, "missing_value");
  const out = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const r = raw[i];
    out[i] = r !== r || r === fill || r === missing || !Number.isFinite(r) ? NaN : r * scale + offset;
  }
  return out;
}

function findByName(names: string[], candidates: string[]): string | undefined {
  const lower = new Map(names.map((n) => [n.toLowerCase(), n]));
  for (const c of candidates) {
    const n = lower.get(c.toLowerCase());
    if (n) return n;
  }
  return undefined;
}

function findCoordinate(file: CfFile, candidates: string[], standardName: string, units: RegExp): string | undefined {
  const names = file.variableNames();
  for (const n of names) {
    const a = file.attrs(n);
    if (stringAttr(a, "standard_name") === standardName) return n;
  }
  for (const n of names) {
    const u = stringAttr(file.attrs(n), "units");
    if (u && units.test(u) && file.dims(n).length <= 2) return n;
  }
  return findByName(names, candidates);
}

type Layout = {
  time: string;
  lat: string;
  lon: string;
  /** Gridded: lat and lon 1-D on their own dims; points: lat/lon share one dim. */
  kind: "gridded" | "points";
};

type Field = { name: string; variable: string; levelIndex: number | null; level: number | null; meta: SourceVariable };

export class CfGriddedSource implements DatasetSource {
  readonly description: string;
  constructor(
    private readonly openFile: () => Promise<CfFile>,
    private readonly config: CfConfig,
    description: string,
  ) {
    this.description = description;
  }

  async open(grid: Grid): Promise<OpenedSource> {
    const file = await this.openFile();
    try {
      return await openCf(file, this.config, grid);
    } catch (e) {
      await file.close?.();
      throw e;
    }
  }
}

async function openCf(file: CfFile, config: CfConfig, target: Grid): Promise<OpenedSource> {
  const names = file.variableNames();
  const time = findCoordinate(file, TIME_NAMES, "time", /\bsince\b/);
  const lat = findCoordinate(file, LAT_NAMES, "latitude", /^degrees?_?n(orth)?$/i);
  const lon = findCoordinate(file, LON_NAMES, "longitude", /^degrees?_?e(ast)?$/i);
  if (!time) throw new CfError(`${file.description}: no time coordinate (a variable with units '<unit> since <date>')`);
  if (!lat || !lon) throw new CfError(`${file.description}: no latitude/longitude coordinates`);
  const latDims = file.dims(lat);
  const lonDims = file.dims(lon);
  const layout: Layout = { time, lat, lon, kind: latDims.length === 1 && lonDims.length === 1 && latDims[0] === lonDims[0] ? "points" : "gridded" };
  if (layout.kind === "gridded" && (latDims.length !== 1 || lonDims.length !== 1)) {
    throw new CfError(`${file.description}: 2-D latitude/longitude coordinates are not supported`);
  }
  const timeDim = file.dims(time)[0];
  const times = decodeCfTimes(await file.readAll(time), file.attrs(time));
  const timeIndex = new Map(times.map((t, i) => [t, i]));
  const latValues = await file.readAll(lat);
  const lonValues = await file.readAll(lon);

  // Source grid in "lat-major" order (row = latitude) for gridded files; native order for point sets.
  let srcLats: Float64Array;
  let srcLons: Float64Array;
  if (layout.kind === "gridded") {
    const ny = latValues.length;
    const nx = lonValues.length;
    srcLats = new Float64Array(ny * nx);
    srcLons = new Float64Array(ny * nx);
    for (let i = 0; i < ny; i++) for (let j = 0; j < nx; j++) {
      srcLats[i * nx + j] = latValues[i];
      srcLons[i * nx + j] = lonValues[j];
    }
  } else {
    srcLats = latValues;
    srcLons = lonValues;
  }
  const srcGrid = gridFromLatLon(srcLats, srcLons);
  const op: RegridOperator | null = sameGrid(srcGrid, target) ? null : regrid(srcGrid, target, config.method as InterpolationMethod);

  const spatial = layout.kind === "gridded" ? [latDims[0], lonDims[0]] : [latDims[0]];
  const levelName = findByName(names, LEVEL_NAMES);
  const levelDim = levelName ? file.dims(levelName)[0] : undefined;
  const levels = levelName ? Array.from(await file.readAll(levelName)) : [];

  const wanted = config.param === undefined ? null : new Set(typeof config.param === "string" ? [config.param] : config.param);
  const levelWanted = config.level === undefined ? null : typeof config.level === "number" ? [config.level] : config.level;
  const rename = (n: string) => config.rename?.[n] ?? CF_NAME_MAP[n] ?? n;
  const fields: Field[] = [];
  const coordinateNames = new Set([time, lat, lon, levelName]);
  for (const v of names) {
    if (coordinateNames.has(v)) continue;
    const dims = file.dims(v);
    if (!dims.includes(timeDim) || !spatial.every((d) => dims.includes(d))) continue;
    const short = rename(v);
    if (wanted && !wanted.has(v) && !wanted.has(short)) continue;
    const extra = dims.filter((d) => d !== timeDim && !spatial.includes(d));
    const a = file.attrs(v);
    const units = stringAttr(a, "units") ?? "";
    const longName = stringAttr(a, "long_name") ?? stringAttr(a, "standard_name") ?? v;
    if (extra.length === 0) {
      fields.push({ name: short, variable: v, levelIndex: null, level: null, meta: { name: short, units, longName, metadata: { mars: { param: short, levtype: "sfc" } } } });
    } else if (extra.length === 1 && extra[0] === levelDim) {
      levels.forEach((lev, li) => {
        if (levelWanted && !levelWanted.includes(lev)) return;
        const name = `${short}_${lev}`;
        fields.push({ name, variable: v, levelIndex: li, level: lev, meta: { name, units, longName: `${longName} at ${lev}`, metadata: { mars: { param: short, levelist: lev, levtype: "pl" } } } });
      });
    } else {
      throw new CfError(`${file.description}: variable '${v}' has unsupported dimensions (${dims.join(", ")})`);
    }
  }
  if (wanted) {
    const found = new Set(fields.flatMap((f) => [f.variable, rename(f.variable)]));
    const lacking = [...wanted].filter((w) => !found.has(w));
    if (lacking.length > 0) throw new CfError(`${file.description}: no gridded variable ${lacking.map((l) => `'${l}'`).join(", ")} (has ${names.filter((n) => !coordinateNames.has(n)).join(", ")})`);
  }
  if (levelWanted) {
    const missing = levelWanted.filter((l) => !levels.includes(l));
    if (missing.length > 0) throw new CfError(`${file.description}: no level ${missing.join(", ")} (has ${levels.join(", ") || "no levels"})`);
  }
  if (fields.length === 0) throw new CfError(`${file.description}: no gridded variables with dimensions (${timeDim}, ${spatial.join(", ")})`);
  const seen = new Set<string>();
  for (const f of fields) {
    if (seen.has(f.name)) throw new CfError(`${file.description}: two variables map to the name '${f.name}'; use rename`);
    seen.add(f.name);
  }

  return {
    variables: fields.map((f) => f.meta),
    async fieldsAt(date: Date): Promise<Map<string, Float32Array>> {
      const t = Math.round(date.getTime() / 1000);
      const ti = timeIndex.get(t);
      if (ti === undefined) {
        throw new CfError(`${file.description} has no data for ${isoSeconds(t)} (it covers ${isoSeconds(times[0])} to ${isoSeconds(times[times.length - 1])}, ${times.length} times)`);
      }
      const out = new Map<string, Float32Array>();
      for (const f of fields) {
        const dims = file.dims(f.variable);
        const index = dims.map((d) => (d === timeDim ? ti : d === levelDim ? f.levelIndex : null));
        const raw = await file.readSlab(f.variable, index);
        let values = unpack(raw, file.attrs(f.variable));
        if (layout.kind === "gridded") {
          const rest = dims.filter((d) => d !== timeDim && d !== levelDim);
          if (rest[0] !== spatial[0]) values = transpose(values, latValues.length, lonValues.length);
        }
        out.set(f.name, op ? op.apply(values) : values);
      }
      return out;
    },
    close: async () => {
      await file.close?.();
    },
  };
}

/** (lon, lat) C-order → (lat, lon) C-order. */
function transpose(values: Float32Array, ny: number, nx: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let j = 0; j < nx; j++) for (let i = 0; i < ny; i++) out[i * nx + j] = values[j * ny + i];
  return out;
}

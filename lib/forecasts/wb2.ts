/**
 * WeatherBench-2-style forecast stores, read in place ("without converting"): an xarray-written
 * zarr v2 group with one array per variable over dimensions like
 * (time, prediction_timedelta, [level,] latitude, longitude) in any order, optionally with an
 * ensemble dimension (`number`, `realization`, `member`, `ensemble`). Variable names are mapped
 * to anemoi short names (CF_NAME_MAP) and levels become `<name>_<level>` (z_500).
 * Points are ordered latitude-major in the file's latitude order (p = iLat · nLon + iLon).
 */
import path from "node:path";
import { gridFromLatLon, type Grid } from "@/lib/grids";
import { CF_NAME_MAP, decodeCfTimes, unpack, type CfFile } from "@/lib/datasets/sources/cf";
import { openXarrayZarr } from "@/lib/datasets/sources/xarray-zarr";
import { datetimeUnit, datetimeUnitSeconds, readRootAttributes } from "@/lib/datasets/zarr-store";
import { ForecastError, type ForecastReader, type Producer } from "./store";

const TIME = ["time", "init_time", "initialization_time"];
const LEAD = ["prediction_timedelta", "lead_time", "step"];
const LAT = ["latitude", "lat"];
const LON = ["longitude", "lon"];
const LEVEL = ["level", "pressure_level", "isobaricInhPa", "plev"];
const MEMBER = ["number", "realization", "member", "ensemble"];

const TIMEDELTA_UNITS: Record<string, number> = { nanoseconds: 1e-9, microseconds: 1e-6, milliseconds: 1e-3, seconds: 1, minutes: 60, hours: 3600, days: 86400 };

function findDim(names: readonly string[], candidates: string[]): string | undefined {
  return candidates.find((c) => names.includes(c));
}

/** True when the zarr group has a data variable with a lead-time dimension. */
export async function isWb2Forecast(root: string): Promise<boolean> {
  try {
    const f = await openXarrayZarr(root);
    return f.variableNames().some((v) => f.dims(v).some((d) => LEAD.includes(d)) && f.dims(v).length >= 3);
  } catch {
    return false;
  }
}

async function decodeTimes(root: string, f: CfFile, name: string): Promise<number[]> {
  const raw = await f.readAll(name);
  const unit = await datetimeUnit(root, name);
  if (unit) return Array.from(raw, (v) => Math.round(v * datetimeUnitSeconds(unit)));
  return decodeCfTimes(raw, f.attrs(name));
}

async function decodeLeads(root: string, f: CfFile, name: string): Promise<number[]> {
  const raw = await f.readAll(name);
  const unit = await datetimeUnit(root, name); // numpy timedelta64 ("<m8[ns]")
  let seconds: number;
  if (unit) seconds = datetimeUnitSeconds(unit);
  else {
    const u = String(f.attrs(name).units ?? "hours").toLowerCase();
    const s = TIMEDELTA_UNITS[u];
    if (!s) throw new ForecastError(`${root}: lead-time coordinate '${name}' has unknown units '${u}'`);
    seconds = s;
  }
  return Array.from(raw, (v) => {
    const h = (v * seconds) / 3600;
    if (Math.abs(h - Math.round(h)) > 1e-6) throw new ForecastError(`${root}: lead time ${h} h is not a whole number of hours`);
    return Math.round(h);
  });
}

type VarSource = { name: string; array: string; dims: string[]; levelIndex: number | null };

class Wb2Forecast implements ForecastReader {
  readonly format = "wb2" as const;
  readonly producer: Producer = { kind: "imported" };
  readonly sourceDataset = null;
  constructor(
    readonly path: string,
    private readonly file: CfFile,
    readonly attrs: Readonly<Record<string, unknown>>,
    private readonly sources: VarSource[],
    readonly initTimes: readonly number[],
    readonly leadTimesHours: readonly number[],
    readonly members: number,
    readonly grid: Grid,
    private readonly nLat: number,
    private readonly nLon: number,
  ) {}
  get variables(): string[] {
    return this.sources.map((s) => s.name);
  }
  async hasField(i: number, l: number): Promise<boolean> {
    return i >= 0 && i < this.initTimes.length && l >= 0 && l < this.leadTimesHours.length;
  }
  async readField(i: number, l: number): Promise<Float32Array> {
    if (!(await this.hasField(i, l))) throw new ForecastError(`field (${i}, ${l}) out of range`);
    const P = this.nLat * this.nLon;
    const M = this.members;
    const out = new Float32Array(this.sources.length * M * P);
    for (let v = 0; v < this.sources.length; v++) {
      const s = this.sources[v];
      const index = s.dims.map((d) => (TIME.includes(d) ? i : LEAD.includes(d) ? l : LEVEL.includes(d) ? s.levelIndex : null));
      const raw = await this.file.readSlab(s.array, index);
      const values = unpack(raw, this.file.attrs(s.array));
      // remaining dims in order (lat, lon, member in some order): compute strides
      const rest = s.dims.filter((_, k) => index[k] === null);
      const sizes = rest.map((d) => (LAT.includes(d) ? this.nLat : LON.includes(d) ? this.nLon : M));
      const strides = new Array<number>(rest.length);
      let st = 1;
      for (let k = rest.length - 1; k >= 0; k--) {
        strides[k] = st;
        st *= sizes[k];
      }
      const sLat = strides[rest.findIndex((d) => LAT.includes(d))];
      const sLon = strides[rest.findIndex((d) => LON.includes(d))];
      const mk = rest.findIndex((d) => MEMBER.includes(d));
      const sMem = mk >= 0 ? strides[mk] : 0;
      const base = v * M * P;
      for (let m = 0; m < M; m++) {
        for (let a = 0; a < this.nLat; a++) {
          for (let b = 0; b < this.nLon; b++) out[base + m * P + a * this.nLon + b] = values[m * sMem + a * sLat + b * sLon];
        }
      }
    }
    return out;
  }
}

/** Open a WB2-style forecast zarr as a ForecastReader. */
export async function openWb2Forecast(root: string): Promise<ForecastReader> {
  const abs = path.resolve(root);
  const f = await openXarrayZarr(abs);
  const names = f.variableNames();
  const dataVars = names.filter((v) => {
    const d = f.dims(v);
    return d.some((x) => LEAD.includes(x)) && d.some((x) => TIME.includes(x)) && d.some((x) => LAT.includes(x)) && d.some((x) => LON.includes(x));
  });
  if (dataVars.length === 0) throw new ForecastError(`${abs}: no variable with time, prediction_timedelta, latitude and longitude dimensions`);
  const dims0 = f.dims(dataVars[0]);
  const timeDim = findDim(dims0, TIME)!;
  const leadDim = findDim(dims0, LEAD)!;
  const latDim = findDim(dims0, LAT)!;
  const lonDim = findDim(dims0, LON)!;
  const memberDim = findDim(dims0, MEMBER);
  const initTimes = await decodeTimes(abs, f, timeDim);
  const leads = await decodeLeads(abs, f, leadDim);
  const lat = await f.readAll(latDim);
  const lon = await f.readAll(lonDim);
  const members = memberDim ? f.shape(dataVars[0])[dims0.indexOf(memberDim)] : 1;
  const sources: VarSource[] = [];
  for (const a of dataVars.sort()) {
    const dims = f.dims(a);
    const shape = f.shape(a);
    const check = (d: string, n: number) => {
      const k = dims.indexOf(d);
      if (k < 0 || shape[k] !== n) throw new ForecastError(`${abs}: variable '${a}' does not share the dimension ${d} (${n}) of '${dataVars[0]}'`);
    };
    check(timeDim, initTimes.length);
    check(leadDim, leads.length);
    check(latDim, lat.length);
    check(lonDim, lon.length);
    if (memberDim) check(memberDim, members);
    const short = CF_NAME_MAP[a] ?? a;
    const levelDim = findDim(dims, LEVEL);
    if (levelDim) {
      const levels = await f.readAll(levelDim);
      levels.forEach((lv, k) => sources.push({ name: `${short}_${Math.round(lv)}`, array: a, dims, levelIndex: k }));
    } else sources.push({ name: short, array: a, dims, levelIndex: null });
    const extra = dims.filter((d) => ![timeDim, leadDim, latDim, lonDim, memberDim, levelDim].includes(d));
    if (extra.length) throw new ForecastError(`${abs}: variable '${a}' has unsupported dimensions ${extra.join(", ")}`);
  }
  const names2 = sources.map((s) => s.name);
  const dup = names2.find((n, k) => names2.indexOf(n) !== k);
  if (dup) throw new ForecastError(`${abs}: two variables map to the same name '${dup}'`);
  const pl = new Float64Array(lat.length * lon.length);
  const po = new Float64Array(lat.length * lon.length);
  for (let a = 0; a < lat.length; a++) {
    for (let b = 0; b < lon.length; b++) {
      pl[a * lon.length + b] = lat[a];
      po[a * lon.length + b] = lon[b];
    }
  }
  const grid = gridFromLatLon(pl, po);
  const attrs = await readRootAttributes(abs);
  return new Wb2Forecast(abs, f, attrs, sources, initTimes, leads, members, grid, lat.length, lon.length);
}

import { z } from "zod";
import type { Grid } from "@/lib/grids";
import type { DatasetSource, OpenedSource, SourceVariable } from "./source";
import { landSeaMaskOn } from "./synthetic/landmask";

/**
 * The `constants` / `forcings` source: anemoi-style computed forcings on any grid, with the
 * definitions of earthkit-data's forcings (which anemoi-datasets uses):
 *
 * - cos/sin_latitude, cos/sin_longitude: of the point coordinates;
 * - julian_day = days since 1 January 00:00 UTC of the date's year (fractional, 0-based);
 *   cos/sin_julian_day = cos/sin(2π · julian_day / 365.25);
 * - local_time = (λ/360 · 24 + UTC hours since midnight) mod 24 (hours);
 *   cos/sin_local_time = cos/sin(2π · local_time / 24);
 * - cos_solar_zenith_angle (alias `insolation`, anemoi's older name) = max(0, sin δ sin φ +
 *   cos δ cos φ cos h), with the declination δ and the time correction of the hour angle
 *   h = (UTC hours − 12)·15° + λ + correction from the Fourier fits earthkit-meteo uses
 *   (angle = 2π · julian_day / 365.25);
 * - lsm: the Natural Earth land–sea mask (0–1) the synthetic source uses.
 */

export const FORCING_NAMES = [
  "cos_latitude",
  "sin_latitude",
  "cos_longitude",
  "sin_longitude",
  "cos_julian_day",
  "sin_julian_day",
  "cos_local_time",
  "sin_local_time",
  "insolation",
  "cos_solar_zenith_angle",
  "lsm",
] as const;
export type ForcingName = (typeof FORCING_NAMES)[number];

const NameList = z.array(z.enum(FORCING_NAMES)).min(1);

/** `{param: [names]}` as in an anemoi recipe's `constants:` / `forcings:` entry, or a bare list. */
export const ForcingsConfigSchema = z
  .union([NameList, z.object({ param: NameList }).strict()])
  .transform((v) => (Array.isArray(v) ? { param: v } : v));
export type ForcingsConfig = z.output<typeof ForcingsConfigSchema>;
export type ForcingsConfigInput = z.input<typeof ForcingsConfigSchema>;

const CONSTANT: ReadonlySet<ForcingName> = new Set(["cos_latitude", "sin_latitude", "cos_longitude", "sin_longitude", "lsm"]);

const LONG_NAMES: Record<ForcingName, string> = {
  cos_latitude: "Cosine of latitude",
  sin_latitude: "Sine of latitude",
  cos_longitude: "Cosine of longitude",
  sin_longitude: "Sine of longitude",
  cos_julian_day: "Cosine of the day of the year",
  sin_julian_day: "Sine of the day of the year",
  cos_local_time: "Cosine of local solar time",
  sin_local_time: "Sine of local solar time",
  insolation: "Cosine of the solar zenith angle (clipped at 0)",
  cos_solar_zenith_angle: "Cosine of the solar zenith angle (clipped at 0)",
  lsm: "Land-sea mask",
};

export function forcingVariable(name: ForcingName): SourceVariable {
  const constant = CONSTANT.has(name);
  if (name === "lsm") {
    return {
      name,
      units: "(0 - 1)",
      longName: LONG_NAMES[name],
      constantInTime: true,
      metadata: { mars: { param: "lsm", levtype: "sfc" }, constant_in_time: true, computed_forcing: false },
    };
  }
  return {
    name,
    units: "1",
    longName: LONG_NAMES[name],
    constantInTime: constant,
    metadata: { mars: { param: name, levtype: "sfc" }, constant_in_time: constant, computed_forcing: true },
  };
}

const DAY_MS = 86400e3;

/** Days since 1 January 00:00 UTC of the date's year (fractional, 0 at the start of the year). */
export function julianDay(date: Date): number {
  return (date.getTime() - Date.UTC(date.getUTCFullYear(), 0, 1)) / DAY_MS;
}

/** UTC hours since midnight (fractional). */
export function utcHours(date: Date): number {
  const t = date.getTime();
  return (((t % DAY_MS) + DAY_MS) % DAY_MS) / 3600e3;
}

/** Local solar time in hours at longitude `lon` (degrees), in [0, 24). */
export function localTime(date: Date, lon: number): number {
  const h = (lon / 360) * 24 + utcHours(date);
  return ((h % 24) + 24) % 24;
}

/** Solar declination (degrees) and hour-angle time correction (degrees) for a Julian day. */
export function solarDeclination(jd: number): { declination: number; timeCorrection: number } {
  const a = (2 * Math.PI * jd) / 365.25;
  const declination =
    0.396372 -
    22.91327 * Math.cos(a) +
    4.02543 * Math.sin(a) -
    0.387205 * Math.cos(2 * a) +
    0.051967 * Math.sin(2 * a) -
    0.154527 * Math.cos(3 * a) +
    0.084798 * Math.sin(3 * a);
  const timeCorrection = 0.004297 + 0.107029 * Math.cos(a) - 1.837877 * Math.sin(a) - 0.837378 * Math.cos(2 * a) - 2.340475 * Math.sin(2 * a);
  return { declination, timeCorrection };
}

/** Cosine of the solar zenith angle at (lat, lon) in degrees, clipped at 0. */
export function cosSolarZenithAngle(date: Date, lat: number, lon: number): number {
  const { declination, timeCorrection } = solarDeclination(julianDay(date));
  const deg = Math.PI / 180;
  const d = declination * deg;
  const h = ((utcHours(date) - 12) * 15 + lon + timeCorrection) * deg;
  const c = Math.sin(d) * Math.sin(lat * deg) + Math.cos(d) * Math.cos(lat * deg) * Math.cos(h);
  return c > 0 ? c : 0;
}

export class ForcingsSource implements DatasetSource {
  readonly config: ForcingsConfig;
  readonly description: string;

  constructor(config: ForcingsConfigInput) {
    this.config = ForcingsConfigSchema.parse(config);
    this.description = `computed forcings (${this.config.param.join(", ")})`;
  }

  async open(grid: Grid): Promise<OpenedForcings> {
    return new OpenedForcings(grid, this.config.param);
  }
}

/** Builds a forcings source from a recipe entry; throws a ZodError on invalid input. */
export function createForcingsSource(config: unknown): ForcingsSource {
  return new ForcingsSource(ForcingsConfigSchema.parse(config));
}

export class OpenedForcings implements OpenedSource {
  readonly variables: readonly SourceVariable[];
  private readonly names: readonly ForcingName[];
  private readonly grid: Grid;
  private readonly sinLat: Float64Array;
  private readonly cosLat: Float64Array;
  private readonly sinLon: Float64Array;
  private readonly cosLon: Float64Array;
  private readonly constants = new Map<ForcingName, Float32Array>();

  constructor(grid: Grid, names: readonly ForcingName[]) {
    this.grid = grid;
    this.names = names;
    this.variables = names.map(forcingVariable);
    const n = grid.size;
    const deg = Math.PI / 180;
    this.sinLat = new Float64Array(n);
    this.cosLat = new Float64Array(n);
    this.sinLon = new Float64Array(n);
    this.cosLon = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const la = grid.latitudes[i] * deg;
      const lo = grid.longitudes[i] * deg;
      this.sinLat[i] = Math.sin(la);
      this.cosLat[i] = Math.cos(la);
      this.sinLon[i] = Math.sin(lo);
      this.cosLon[i] = Math.cos(lo);
    }
    for (const name of names) {
      if (name === "cos_latitude") this.constants.set(name, Float32Array.from(this.cosLat));
      else if (name === "sin_latitude") this.constants.set(name, Float32Array.from(this.sinLat));
      else if (name === "cos_longitude") this.constants.set(name, Float32Array.from(this.cosLon));
      else if (name === "sin_longitude") this.constants.set(name, Float32Array.from(this.sinLon));
      else if (name === "lsm") this.constants.set(name, landSeaMaskOn(grid.latitudes, grid.longitudes));
    }
  }

  async fieldsAt(date: Date): Promise<Map<string, Float32Array>> {
    return this.evaluate(date);
  }

  /** Synchronous fieldsAt. */
  evaluate(date: Date): Map<string, Float32Array> {
    if (!Number.isFinite(date.getTime())) throw new Error("invalid date");
    const n = this.grid.size;
    const out = new Map<string, Float32Array>();
    const jd = julianDay(date);
    const hours = utcHours(date);
    const deg = Math.PI / 180;
    for (const name of this.names) {
      const constant = this.constants.get(name);
      if (constant) {
        out.set(name, constant.slice());
        continue;
      }
      const a = new Float32Array(n);
      if (name === "cos_julian_day" || name === "sin_julian_day") {
        const x = (2 * Math.PI * jd) / 365.25;
        a.fill(name === "cos_julian_day" ? Math.cos(x) : Math.sin(x));
      } else if (name === "cos_local_time" || name === "sin_local_time") {
        // cos/sin(2π(λ/360·24 + h)/24) = cos/sin(λ + 2πh/24), exact without the mod.
        const th = (2 * Math.PI * hours) / 24;
        const ct = Math.cos(th);
        const st = Math.sin(th);
        const cos = name === "cos_local_time";
        for (let i = 0; i < n; i++) a[i] = cos ? this.cosLon[i] * ct - this.sinLon[i] * st : this.sinLon[i] * ct + this.cosLon[i] * st;
      } else {
        // insolation / cos_solar_zenith_angle: sin δ sin φ + cos δ cos φ cos(h0 + λ).
        const { declination, timeCorrection } = solarDeclination(jd);
        const d = declination * deg;
        const h0 = ((hours - 12) * 15 + timeCorrection) * deg;
        const ch = Math.cos(h0);
        const sh = Math.sin(h0);
        const sd = Math.sin(d);
        const cd = Math.cos(d);
        for (let i = 0; i < n; i++) {
          const cosH = ch * this.cosLon[i] - sh * this.sinLon[i];
          const v = sd * this.sinLat[i] + cd * this.cosLat[i] * cosH;
          a[i] = v > 0 ? v : 0;
        }
      }
      out.set(name, a);
    }
    return out;
  }
}

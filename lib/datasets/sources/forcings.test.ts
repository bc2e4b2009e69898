import { describe, expect, it } from "vitest";
import { octahedralGrid, UnstructuredGrid } from "@/lib/grids";
import {
  cosSolarZenithAngle,
  createForcingsSource,
  FORCING_NAMES,
  ForcingsConfigSchema,
  ForcingsSource,
  julianDay,
  localTime,
  solarDeclination,
} from "./forcings";
import { landSeaMask } from "./synthetic/landmask";

const pts = new UnstructuredGrid([23.44, 0, -60, 45, 51.5, -23.44], [0, 90, 180, -90, 0, 0], "global");

describe("forcings: formulas", () => {
  it("computes the Julian day from 1 January 00:00 UTC", () => {
    expect(julianDay(new Date("2021-01-01T00:00Z"))).toBe(0);
    expect(julianDay(new Date("2021-01-01T18:00Z"))).toBe(0.75);
    expect(julianDay(new Date("2021-03-01T00:00Z"))).toBe(59);
    expect(julianDay(new Date("2020-03-01T00:00Z"))).toBe(60); // leap year
    expect(julianDay(new Date("2021-12-31T12:00Z"))).toBe(364.5);
  });

  it("computes local solar time from longitude", () => {
    expect(localTime(new Date("2021-06-01T06:00Z"), 90)).toBe(12);
    expect(localTime(new Date("2021-06-01T06:00Z"), -90)).toBe(0);
    expect(localTime(new Date("2021-06-01T00:00Z"), 270)).toBe(18);
    expect(localTime(new Date("2021-06-01T23:00Z"), 30)).toBe(1);
  });

  it("has the solar declination of the solstices and equinoxes", () => {
    const june = solarDeclination(julianDay(new Date("2021-06-21T12:00Z"))).declination;
    const dec = solarDeclination(julianDay(new Date("2021-12-21T12:00Z"))).declination;
    const march = solarDeclination(julianDay(new Date("2021-03-20T12:00Z"))).declination;
    expect(june).toBeCloseTo(23.44, 1);
    expect(dec).toBeCloseTo(-23.44, 1);
    expect(Math.abs(march)).toBeLessThan(0.5);
  });

  it("gives insolation ≈ 1 under the June-solstice noon sun, 0 at night", () => {
    const noon = new Date("2021-06-21T12:00Z");
    expect(cosSolarZenithAngle(noon, 23.44, 0)).toBeGreaterThan(0.9995);
    expect(cosSolarZenithAngle(noon, 0, 180)).toBe(0);
    expect(cosSolarZenithAngle(noon, -80, 0)).toBe(0); // polar night
    expect(cosSolarZenithAngle(noon, 85, 180)).toBeGreaterThan(0); // midnight sun
    // at the equator at noon: cos(declination)
    expect(cosSolarZenithAngle(noon, 0, 0)).toBeCloseTo(Math.cos((23.44 * Math.PI) / 180), 2);
  });
});

describe("forcings: source", () => {
  it("validates its config (recipe form or bare list)", () => {
    expect(ForcingsConfigSchema.parse(["cos_latitude"]).param).toEqual(["cos_latitude"]);
    expect(ForcingsConfigSchema.parse({ param: ["insolation", "lsm"] }).param).toEqual(["insolation", "lsm"]);
    expect(() => ForcingsConfigSchema.parse({ param: ["cos_lat"] })).toThrow();
    expect(() => ForcingsConfigSchema.parse([])).toThrow();
    expect(() => createForcingsSource({ param: ["lsm"], extra: 1 })).toThrow();
  });

  it("produces every forcing with hand-checked values", async () => {
    const src = new ForcingsSource({ param: [...FORCING_NAMES] });
    const opened = await src.open(pts);
    expect(opened.variables.map((v) => v.name)).toEqual([...FORCING_NAMES]);
    expect(opened.variables.find((v) => v.name === "cos_latitude")).toMatchObject({ constantInTime: true, metadata: { computed_forcing: true } });
    expect(opened.variables.find((v) => v.name === "insolation")).toMatchObject({ constantInTime: false });
    const f = await opened.fieldsAt(new Date("2021-06-21T06:00Z"));
    const close = (a: Float32Array, i: number, v: number, d = 5) => expect(a[i]).toBeCloseTo(v, d);
    close(f.get("cos_latitude")!, 2, 0.5);
    close(f.get("sin_latitude")!, 3, Math.SQRT1_2);
    close(f.get("cos_longitude")!, 2, -1);
    close(f.get("sin_longitude")!, 1, 1);
    close(f.get("sin_longitude")!, 3, -1);
    // julian day 171.25
    const x = (2 * Math.PI * 171.25) / 365.25;
    close(f.get("cos_julian_day")!, 0, Math.cos(x));
    close(f.get("sin_julian_day")!, 4, Math.sin(x));
    // 06 UTC at 90°E is local noon: cos = −1, sin = 0; at 0° it is 06 h: cos 0, sin 1
    close(f.get("cos_local_time")!, 1, -1);
    close(f.get("sin_local_time")!, 1, 0);
    close(f.get("cos_local_time")!, 0, 0);
    close(f.get("sin_local_time")!, 0, 1);
    // 90°E at local noon near the equator: sun high; 90°W at midnight: dark
    expect(f.get("insolation")![1]).toBeGreaterThan(0.9);
    expect(f.get("insolation")![3]).toBe(0);
    expect(Array.from(f.get("insolation")!)).toEqual(Array.from(f.get("cos_solar_zenith_angle")!));
    const lsm = f.get("lsm")!;
    for (let i = 0; i < pts.size; i++) expect(lsm[i]).toBeCloseTo(landSeaMask(pts.latitudes[i], pts.longitudes[i]), 6);
  });

  it("matches the pointwise insolation formula on a whole grid", async () => {
    const g = octahedralGrid(16);
    const opened = await new ForcingsSource(["insolation", "cos_local_time"]).open(g);
    const d = new Date("2021-09-03T15:30Z");
    const f = await opened.fieldsAt(d);
    const ins = f.get("insolation")!;
    const lt = f.get("cos_local_time")!;
    let maxErr = 0;
    for (let i = 0; i < g.size; i++) {
      maxErr = Math.max(maxErr, Math.abs(ins[i] - cosSolarZenithAngle(d, g.latitudes[i], g.longitudes[i])));
      maxErr = Math.max(maxErr, Math.abs(lt[i] - Math.cos((2 * Math.PI * localTime(d, g.longitudes[i])) / 24)));
    }
    expect(maxErr).toBeLessThan(1e-6);
  });
});

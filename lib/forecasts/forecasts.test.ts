import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openDataset } from "@/lib/datasets";
import { DatasetWriter } from "@/lib/datasets/writer";
import { regularGlobal } from "@/lib/grids";
import { writeClimatologicalEnsemble, writeClimatologyForecast, writePersistence, sameCalendarTime } from "./baselines";
import { computeClimatology, dayOfYear, openClimatology } from "./climatology";
import { ForecastWriter, openForecast } from "./store";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "isobar-fc-"));
const grid = regularGlobal(22.5, 22.5); // 16 × 9 incl. poles
const P = grid.size;
const H = 3600;
const DAY = 86400;
const T0 = Date.UTC(2020, 0, 1) / 1000;

/** value(variable k, date t, point p): hand-computable. */
const val = (k: number, t: number, p: number) => 1000 * k + (t - T0) / H / 6 + p / 100;

async function tinyDataset(dates: number[], variables = ["a", "b"]): Promise<string> {
  const root = path.join(tmp(), "ds.zarr");
  const w = await DatasetWriter.create(root, { dates, nvars: variables.length, grid, compression: "none", attrs: { variables, frequency: "6h" } });
  for (let i = 0; i < dates.length; i++) {
    const x = new Float32Array(variables.length * P);
    for (let k = 0; k < variables.length; k++) for (let p = 0; p < P; p++) x[k * P + p] = val(k, dates[i], p);
    await w.writeDate(i, x);
  }
  return root;
}

describe("forecast store", () => {
  it("writes incrementally, is readable while written, reopens for resuming", async () => {
    const root = path.join(tmp(), "f.zarr");
    const inits = [T0, T0 + 12 * H];
    const w = await ForecastWriter.create(root, { initTimes: inits, leadTimesHours: [0, 6, 12], variables: ["a", "b"], members: 2, grid, producer: { kind: "model", runId: "r1" } });
    const f0 = await openForecast(root);
    expect(f0.format).toBe("isobar");
    expect(await f0.hasField(0, 1)).toBe(false);
    await expect(f0.readField(0, 1)).rejects.toThrow("has not been written yet");
    const x = Float32Array.from({ length: 2 * 2 * P }, (_, k) => k);
    await w.writeField(0, 1, x);
    expect(await f0.hasField(0, 1)).toBe(true);
    expect(Array.from(await f0.readField(0, 1))).toEqual(Array.from(x));
    const f = await openForecast(root);
    expect(f.initTimes).toEqual(inits);
    expect(f.leadTimesHours).toEqual([0, 6, 12]);
    expect(f.variables).toEqual(["a", "b"]);
    expect(f.members).toBe(2);
    expect(f.grid.id).toBe(grid.id);
    expect(f.producer).toMatchObject({ kind: "model", runId: "r1" });
    // same layout → reopened with the written field kept
    const w2 = await ForecastWriter.create(root, { initTimes: inits, leadTimesHours: [0, 6, 12], variables: ["a", "b"], members: 2, grid, producer: { kind: "model" } });
    expect(await w2.hasField(0, 1)).toBe(true);
    await expect(ForecastWriter.create(root, { initTimes: inits, leadTimesHours: [0, 6], variables: ["a", "b"], grid, producer: { kind: "model" } })).rejects.toThrow("already exists");
    await expect(w.writeField(0, 0, new Float32Array(3))).rejects.toThrow("expected 2×2×");
  });
});

describe("baselines", () => {
  it("persistence repeats the initial state", async () => {
    const dates = Array.from({ length: 12 }, (_, i) => T0 + 6 * H * i);
    const ds = await openDataset(await tinyDataset(dates));
    const out = path.join(tmp(), "p.zarr");
    const r = await writePersistence(ds, out, { initTimes: [dates[2], dates[4]], leadTimesHours: [0, 6, 24], variables: ["b"] });
    expect(r).toMatchObject({ members: 1, fields: 6, skipped: 0, variables: ["b"] });
    const f = await openForecast(out);
    for (let l = 0; l < 3; l++) {
      const x = await f.readField(1, l);
      expect(x[5]).toBeCloseTo(val(1, dates[4], 5), 3);
    }
    // resumes: nothing to do the second time
    expect((await writePersistence(ds, out, { initTimes: [dates[2], dates[4]], leadTimesHours: [0, 6, 24], variables: ["b"] })).skipped).toBe(6);
    await expect(writePersistence(ds, path.join(tmp(), "x.zarr"), { initTimes: [T0 + 3 * H], leadTimesHours: [0] })).rejects.toThrow("is not a date of");
  });

  it("climatology: day-of-year × hour mean, smoothed over a window, and the climatology forecast", { timeout: 30_000 }, async () => {
    // two years of 00/12 UTC dates around 1 January; values depend on t so means are hand-computable
    const dates: number[] = [];
    for (const y of [2020, 2021]) for (let d = 0; d < 5; d++) for (const h of [0, 12]) dates.push(Date.UTC(y, 0, 1 + d, h) / 1000);
    const ds = await openDataset(await tinyDataset(dates));
    const out = path.join(tmp(), "clim.zarr");
    const r = await computeClimatology(ds, out, { windowDays: 3, memoryBudgetBytes: 366 * 2 * 2 * 12 * 100 }); // forces two point blocks
    expect(r.hours).toEqual([0, 12]);
    const clim = await openClimatology(out);
    // raw mean at (doy d, hour h) = mean over the two years of val(k, t, p)
    const raw = (d: number, h: number, k: number, p: number) => (val(k, Date.UTC(2020, 0, d, h) / 1000, p) + val(k, Date.UTC(2021, 0, d, h) / 1000, p)) / 2;
    // doy 3, window 3: days 2, 3, 4 all present
    const c3 = await clim.fieldAt(Date.UTC(2022, 0, 3, 12) / 1000);
    for (const p of [0, 77, P - 1]) {
      const want = (raw(2, 12, 1, p) + raw(3, 12, 1, p) + raw(4, 12, 1, p)) / 3;
      expect(c3[P + p]).toBeCloseTo(want, 2);
    }
    // doy 1 wraps to doy 366, which has no data: mean of days 1 and 2 only
    const c1 = await clim.fieldAt(Date.UTC(2023, 0, 1, 0) / 1000);
    expect(c1[10]).toBeCloseTo((raw(1, 0, 0, 10) + raw(2, 0, 0, 10)) / 2, 2);
    await expect(clim.fieldAt(Date.UTC(2023, 0, 1, 6) / 1000)).rejects.toThrow("has no hour 6");
    // climatology forecast = climatology at the valid time
    const fout = path.join(tmp(), "cf.zarr");
    await writeClimatologyForecast(clim, fout, { initTimes: [Date.UTC(2022, 0, 2) / 1000], leadTimesHours: [0, 36] });
    const f = await openForecast(fout);
    expect((await f.readField(0, 1))[P + 4]).toBeCloseTo(c3[P + 4], 5);
    expect(dayOfYear(Date.UTC(2020, 11, 31) / 1000)).toBe(366);
  });

  it("climatological ensemble: members are the truth on the same calendar day and hour in other years", async () => {
    const dates: number[] = [];
    for (const y of [2019, 2020, 2021, 2022]) for (let d = 0; d < 3; d++) for (const h of [0, 12]) dates.push(Date.UTC(y, 1, 27 + d, h) / 1000);
    const ds = await openDataset(await tinyDataset(dates));
    const out = path.join(tmp(), "ce.zarr");
    const init = Date.UTC(2020, 1, 28, 0) / 1000; // leap year: 28 Feb, lead 24 h → 29 Feb
    const r = await writeClimatologicalEnsemble(ds, out, { initTimes: [init], leadTimesHours: [0, 24], variables: ["a"] });
    // 29 Feb 2020 has no counterpart in 2019/2021/2022 → 28 Feb, which exist; 2020's own 29 Feb is not in the dataset (only 27/28/29 Feb 2020 exist: 27+2 = 29 → yes)
    expect(r.years).toEqual([2019, 2020, 2021, 2022]);
    expect(r.members).toBe(3);
    const f = await openForecast(out);
    const x = await f.readField(0, 1);
    const members = [2019, 2021, 2022].map((y) => val(0, sameCalendarTime(init + 24 * H, y), 3));
    expect([x[3], x[P + 3], x[2 * P + 3]].map((v) => Math.round(v * 100) / 100)).toEqual(members.map((v) => Math.round(v * 100) / 100));
    expect(sameCalendarTime(Date.UTC(2020, 1, 29, 12) / 1000, 2021)).toBe(Date.UTC(2021, 1, 28, 12) / 1000);
    void DAY;
  });
});

describe("WeatherBench-2-style forecast zarr (read in place)", () => {
  it("maps names and levels, any dimension order, timedelta leads", { timeout: 30_000 }, async () => {
    const { runPython } = await import("@/lib/datasets/test-utils");
    const root = path.join(tmp(), "wb2.zarr");
    runPython(
      `
import sys, numpy as np, zarr
root = sys.argv[1]
g = zarr.open_group(root, mode="w")
def arr(name, data, dims, **attrs):
    a = g.create_dataset(name, data=data, chunks=data.shape)
    a.attrs["_ARRAY_DIMENSIONS"] = dims
    for k, v in attrs.items(): a.attrs[k] = v
lat = np.array([-45.0, 0.0, 45.0]); lon = np.array([0.0, 90.0, 180.0, 270.0])
arr("latitude", lat, ["latitude"]); arr("longitude", lon, ["longitude"])
arr("time", np.array([0, 12], dtype="int64"), ["time"], units="hours since 2020-01-01", calendar="proleptic_gregorian")
arr("prediction_timedelta", np.array([0, 6*3600*10**9, 12*3600*10**9], dtype="<m8[ns]"), ["prediction_timedelta"])
arr("level", np.array([500, 850]), ["level"])
t, l, o, a = np.meshgrid(np.arange(2), np.arange(3), np.arange(4), np.arange(3), indexing="ij")
arr("2m_temperature", (1000*t + 100*l + 10*o + a).astype("f4"), ["time", "prediction_timedelta", "longitude", "latitude"])
z = np.stack([(1000*t + 100*l + 10*o + a + 5000*(k+1)) for k in range(2)], axis=2).astype("f4")
arr("geopotential", z, ["time", "prediction_timedelta", "level", "longitude", "latitude"])
`,
      [root],
    );
    const f = await openForecast(root);
    expect(f.format).toBe("wb2");
    expect(f.variables).toEqual(["2t", "z_500", "z_850"]);
    expect(f.initTimes).toEqual([T0, T0 + 12 * H]);
    expect(f.leadTimesHours).toEqual([0, 6, 12]);
    expect(f.members).toBe(1);
    expect(f.grid.size).toBe(12);
    const x = await f.readField(1, 2);
    // point p = iLat·4 + iLon; 2t = 1000·t + 100·l + 10·iLon + iLat
    expect(x[2 * 4 + 3]).toBe(1000 + 200 + 30 + 2);
    expect(x[12 + 1 * 4 + 2]).toBe(5000 + 1000 + 200 + 20 + 1);
    expect(x[24 + 0]).toBe(10000 + 1200);
  });
});

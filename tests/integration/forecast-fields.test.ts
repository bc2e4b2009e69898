/**
 * The field service on forecast stores, over real HTTP, a real database (PGlite) and real zarr
 * stores: a small analytic dataset, a persistence baseline written by lib/forecasts, and a
 * 3-member ensemble store. Expected values are read from the zarr arrays with zarrita directly
 * and combined here in float64 (mean, spread with M − 1, error, difference, nearest point by
 * brute-force great-circle distance); errors are checked for their status and message.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import * as zarr from "zarrita";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDataset } from "@/lib/datasets";
import { tmpDir } from "@/lib/datasets/test-utils";
import { openStore } from "@/lib/datasets/zarr-store";
import { ForecastWriter, openForecast, writePersistence } from "@/lib/forecasts";
import { parseGrid } from "@/lib/grids";
import { DatasetMetaSchema, decodeField, ForecastMetaSchema, PointSeriesSchema } from "@/lib/maps";
import { createAnalyticDataset, MAP_TEST_VARIABLES } from "@/lib/maps/test-fields";
import { mulberry32 } from "@/lib/random/mulberry32";
import { readEnv } from "@/server/env";
import { handleFieldsRequest } from "@/server/http/fields";
import { openServices, type Services } from "@/server/services";
import { registerForecast } from "@/server/verification/forecasts";

const H = 3600;
const T0 = Date.parse("2024-01-01T00:00:00Z") / 1000;
const VARS: string[] = MAP_TEST_VARIABLES.map((v) => v.name); // 2t, msl, z_500, 10u, 10v, tp
const ENS_VARS = ["2t", "10u", "10v"];
const M = 3;

let services: Services;
let home: string;
let server: http.Server;
let base: string;
let persistenceId: string;
let ensembleId: string;
const P = parseGrid("10").size;

/** data[dateIndex, variable, member 0, :] of the dataset, read with zarrita. */
async function truthAt(validSeconds: number, variable: string): Promise<Float64Array> {
  const arr = await zarr.open.v2(zarr.root(openStore(path.join(home, "truth.zarr"))).resolve("data"), { kind: "array" });
  const d = (validSeconds - T0) / (6 * H); // the recipe: 2024-01-01T00 every 6 h
  const c = await zarr.get(arr, [d, VARS.indexOf(variable), 0, null]);
  return Float64Array.from(c.data as Float32Array);
}

/** data[i, l, variable, member, :] of a forecast store, read with zarrita. */
async function forecastAt(store: string, i: number, l: number, k: number, m: number): Promise<Float64Array> {
  const arr = await zarr.open.v2(zarr.root(openStore(path.join(home, store))).resolve("data"), { kind: "array" });
  const c = await zarr.get(arr, [i, l, k, m, null]);
  return Float64Array.from(c.data as Float32Array);
}

async function getField(q: Record<string, string>): Promise<{ values: Float32Array; header: ReturnType<typeof decodeField>["header"] }> {
  const res = await fetch(`${base}/api/fields?${new URLSearchParams({ encoding: "f32", ...q })}`);
  if (res.status !== 200) throw new Error(`${res.status}: ${await res.text()}`);
  return decodeField(new Uint8Array(await res.arrayBuffer()));
}

async function getError(url: string): Promise<{ status: number; error: string }> {
  const res = await fetch(`${base}${url}`);
  const body = (await res.json()) as { error: string };
  return { status: res.status, error: body.error };
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number): void {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  expect(worst).toBeLessThanOrEqual(tol);
}

beforeAll(async () => {
  home = tmpDir("isobar-forecast-fields-");
  services = await openServices(readEnv({ ISOBAR_HOME: home }), { command: "vitest", runWorkers: false, supervise: false });
  await createAnalyticDataset(path.join(home, "truth.zarr"), "10", { start: "2024-01-01T00:00:00", end: "2024-01-03T00:00:00", frequency: "6h" });
  await createAnalyticDataset(path.join(home, "short.zarr"), "10", { start: "2024-01-01T00:00:00", end: "2024-01-01T06:00:00", frequency: "6h" });
  await createAnalyticDataset(path.join(home, "coarse.zarr"), "20", { start: "2024-01-01T00:00:00", end: "2024-01-02T00:00:00", frequency: "6h" });
  const truth = await openDataset(path.join(home, "truth.zarr"));
  const inits = [T0, T0 + 6 * H, T0 + 24 * H];
  await writePersistence(truth, path.join(home, "persistence.zarr"), { initTimes: inits, leadTimesHours: [0, 6, 12, 24], sourceDataset: path.join(home, "truth.zarr") });
  persistenceId = (await registerForecast(services.storage.db, await openForecast(path.join(home, "persistence.zarr")), { name: "persistence-truth" })).id;

  // Ensemble: truth at the valid time plus member noise; (init 1, lead 12 h) left unwritten.
  const grid = parseGrid("10");
  const w = await ForecastWriter.create(path.join(home, "ensemble.zarr"), {
    initTimes: inits.slice(0, 2),
    leadTimesHours: [0, 6, 12],
    variables: ENS_VARS,
    members: M,
    grid,
    producer: { kind: "model" },
    sourceDataset: path.join(home, "truth.zarr"),
  });
  const rnd = mulberry32(42);
  for (let i = 0; i < 2; i++)
    for (let l = 0; l < 3; l++) {
      if (i === 1 && l === 2) continue;
      const valid = inits[i] + [0, 6, 12][l] * H;
      const out = new Float32Array(ENS_VARS.length * M * P);
      for (const [k, v] of ENS_VARS.entries()) {
        const t = await truthAt(valid, v);
        for (let m = 0; m < M; m++) for (let p = 0; p < P; p++) out[(k * M + m) * P + p] = t[p] + (rnd() - 0.5) * 4;
      }
      await w.writeField(i, l, out);
    }
  ensembleId = (await registerForecast(services.storage.db, await openForecast(path.join(home, "ensemble.zarr")), { name: "ensemble" })).id;
  const coarse = await openDataset(path.join(home, "coarse.zarr"));
  await writePersistence(coarse, path.join(home, "coarse-persistence.zarr"), { initTimes: [T0], leadTimesHours: [0, 6], sourceDataset: path.join(home, "coarse.zarr") });

  server = http.createServer((req, res) => void handleFieldsRequest(req, res, services));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 300_000);

afterAll(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  await services?.close();
});

describe("forecast fields", () => {
  it("meta lists init and lead times, members, grid, units from the source dataset", async () => {
    const res = await fetch(`${base}/api/fields/meta?forecast=${ensembleId}`);
    expect(res.status).toBe(200);
    const meta = ForecastMetaSchema.parse(await res.json());
    expect(meta).toMatchObject({ id: ensembleId, name: "ensemble", kind: "model", gridId: parseGrid("10").id, members: 3, leadTimesHours: [0, 6, 12], initTimes: ["2024-01-01T00:00:00Z", "2024-01-01T06:00:00Z"] });
    expect(meta.variables.find((v) => v.name === "2t")?.units).toBe("K");
    expect(meta.derived).toEqual(["ws"]);
    const byPath = ForecastMetaSchema.parse(await (await fetch(`${base}/api/fields/meta?forecast=persistence.zarr`)).json());
    expect(byPath.id).toBe(persistenceId);
  });

  it("meta gives each variable's range: the min and max of the dataset's fields over its statistics period; a forecast's from its source dataset", async () => {
    // truth.zarr: 2024-01-01T00 … 01-03T00 every 6 h; the dates of its statistics period.
    const attrs = (await openDataset(path.join(home, "truth.zarr"))).attrs;
    const [start, end] = [attrs.statistics_start_date, attrs.statistics_end_date].map((d) => Date.parse(`${String(d)}Z`) / 1000);
    const dates = Array.from({ length: 9 }, (_, d) => T0 + d * 6 * H).filter((t) => t >= start && t <= end);
    expect(dates.length).toBeGreaterThanOrEqual(2);
    const ds = DatasetMetaSchema.parse(await (await fetch(`${base}/api/fields/meta?dataset=truth.zarr`)).json());
    const f = ForecastMetaSchema.parse(await (await fetch(`${base}/api/fields/meta?forecast=${ensembleId}`)).json());
    for (const v of ["2t", "z_500"]) {
      let min = Infinity;
      let max = -Infinity;
      for (const t of dates)
        for (const x of await truthAt(t, v)) {
          min = Math.min(min, x);
          max = Math.max(max, x);
        }
      expect(ds.variables.find((x) => x.name === v)?.range, v).toEqual({ min, max });
      if (ENS_VARS.includes(v)) expect(f.variables.find((x) => x.name === v)?.range, v).toEqual({ min, max });
    }
  });

  it("a member by init time and lead time equals the stored chunk; the header carries init, lead and valid time", async () => {
    const f = await getField({ forecast: ensembleId, variable: "2t", init: "2024-01-01T06:00:00Z", lead: "6h", member: "2" });
    expectClose(f.values, await forecastAt("ensemble.zarr", 1, 1, 0, 2), 0);
    expect(f.header).toMatchObject({ init: "2024-01-01T06:00:00Z", leadHours: 6, date: "2024-01-01T12:00:00Z", member: "2", units: "K" });
    const byIndex = await getField({ forecast: "ensemble.zarr", variable: "2t", init: "1", lead: "6", member: "2" });
    expectClose(byIndex.values, f.values, 0);
  });

  it("ensemble mean and spread (M − 1) are computed on the server", async () => {
    const members = await Promise.all([0, 1, 2].map((m) => forecastAt("ensemble.zarr", 0, 2, 1, m)));
    const mean = new Float64Array(P).map((_, p) => (members[0][p] + members[1][p] + members[2][p]) / 3);
    const spread = new Float64Array(P).map((_, p) => Math.sqrt(members.reduce((s, x) => s + (x[p] - mean[p]) ** 2, 0) / 2));
    const fm = await getField({ forecast: ensembleId, variable: "10u", init: "0", lead: "12", member: "mean" });
    expectClose(fm.values, mean, 1e-5);
    expect(fm.header.derived).toContain("ensemble mean of 3 members");
    const fs = await getField({ forecast: ensembleId, variable: "10u", init: "0", lead: "12", member: "spread" });
    expectClose(fs.values, spread, 1e-5);
    expect(Math.min(...fs.values)).toBeGreaterThan(0);
    // Wind speed per member, then the mean over members.
    const u = members;
    const v = await Promise.all([0, 1, 2].map((m) => forecastAt("ensemble.zarr", 0, 2, 2, m)));
    const ws = new Float64Array(P).map((_, p) => [0, 1, 2].reduce((s, m) => s + Math.hypot(u[m][p], v[m][p]), 0) / 3);
    expectClose((await getField({ forecast: ensembleId, variable: "ws", init: "0", lead: "12", member: "mean" })).values, ws, 1e-4);
  });

  it("forecast − truth at the valid time (persistence: truth(init) − truth(init + lead))", async () => {
    const init = T0 + 6 * H;
    const want = await truthAt(init, "msl"); // persistence = the truth at init
    const tv = await truthAt(init + 12 * H, "msl");
    const err = want.map((x, p) => x - tv[p]);
    const f = await getField({ forecast: persistenceId, variable: "msl", init: "2024-01-01T06:00:00Z", lead: "12", minus: "truth" });
    expectClose(f.values, err, 0.01); // float32 msl ~1e5 Pa: the difference is exact to float32 rounding
    expect(Math.max(...f.values.map(Math.abs))).toBeGreaterThan(100);
    expect(f.header.derived).toMatch(/^error: persistence-truth − truth .* at 2024-01-01T18:00:00Z$/);
    const explicit = await getField({ forecast: persistenceId, variable: "msl", init: "1", lead: "12", minus: "truth.zarr" });
    expectClose(explicit.values, f.values, 0);
    // Ensemble-mean error.
    const members = await Promise.all([0, 1, 2].map((m) => forecastAt("ensemble.zarr", 0, 1, 0, m)));
    const t2 = await truthAt(T0 + 6 * H, "2t");
    const emErr = t2.map((y, p) => (members[0][p] + members[1][p] + members[2][p]) / 3 - y);
    expectClose((await getField({ forecast: ensembleId, variable: "2t", init: "0", lead: "6", member: "mean", minus: "truth" })).values, emErr, 1e-4);
  });

  it("run A − run B at the same init and lead, or another init/lead of B", async () => {
    const a = await forecastAt("persistence.zarr", 0, 1, 0, 0); // 2t lead 6 h
    const members = await Promise.all([0, 1, 2].map((m) => forecastAt("ensemble.zarr", 0, 1, 0, m)));
    const want = a.map((x, p) => x - (members[0][p] + members[1][p] + members[2][p]) / 3);
    const f = await getField({ forecast: persistenceId, variable: "2t", init: "0", lead: "6", member: "mean", minusForecast: ensembleId });
    expectClose(f.values, want, 1e-4);
    expect(f.header.derived).toBe("difference: persistence-truth − ensemble (init 2024-01-01T00:00:00Z, lead 6 h)");
    const b = await forecastAt("ensemble.zarr", 1, 0, 0, 1);
    const g = await getField({ forecast: persistenceId, variable: "2t", init: "0", lead: "6", member: "0", minusMember: "1", minusForecast: ensembleId, minusInit: "2024-01-01T06:00:00Z", minusLead: "0" });
    expectClose(g.values, a.map((x, p) => x - b[p]), 1e-4);
  });

  it("rejects what does not match with a 4xx and a specific message", async () => {
    const f = (q: Record<string, string>) => `/api/fields?${new URLSearchParams({ variable: "2t", ...q })}`;
    const cases: [string, number, RegExp][] = [
      [f({ forecast: persistenceId, init: "2024-01-05T00:00:00Z" }), 400, /init 2024-01-05T00:00:00Z is not an init time of forecast persistence-truth \(2024-01-01T00:00:00Z … 2024-01-02T00:00:00Z, 3 times\)/],
      [f({ forecast: persistenceId, init: "7" }), 400, /init index 7 is out of range: forecast persistence-truth has 3 init time/],
      [f({ forecast: persistenceId, lead: "18" }), 400, /lead 18 h is not a lead time of forecast persistence-truth \(lead times: 0, 6, 12, 24 h\)/],
      [f({ forecast: persistenceId, lead: "soon" }), 400, /lead: 'soon' is not a lead time/],
      [f({ forecast: ensembleId, variable: "msl" }), 400, /variable 'msl' is not in forecast ensemble \(variables: 2t, 10u, 10v; derived: ws\)/],
      [f({ forecast: ensembleId, member: "3" }), 400, /member 3 is out of range: forecast ensemble has 3 ensemble member/],
      [f({ forecast: ensembleId, member: "median" }), 400, /'median' is not a member/],
      [f({ forecast: ensembleId, init: "1", lead: "12" }), 404, /field of init 2024-01-01T06:00:00Z at lead 12 h has not been written yet/],
      [f({ forecast: "coarse-persistence.zarr", minus: "truth.zarr" }), 400, /cannot compute the error of coarse-persistence against truth.zarr: grids differ \(regular-20x20 with 180 points vs regular-10x10 with 684 points\)/],
      [f({ forecast: persistenceId, init: "0", lead: "12", minus: "short.zarr" }), 400, /cannot compute the error: the valid time 2024-01-01T12:00:00Z \(init 2024-01-01T00:00:00Z \+ 12 h\) is not a date of the truth short.zarr \(2024-01-01T00:00:00Z … 2024-01-01T06:00:00Z\)/],
      [f({ forecast: persistenceId, minusMember: "1" }), 400, /minusMember need minusForecast/],
      [f({ forecast: ensembleId, member: "spread", minus: "truth" }), 400, /cannot subtract the truth from the ensemble spread/],
      [f({ forecast: persistenceId, lead: "24", minusForecast: ensembleId }), 400, /lead 24 h is not a lead time of forecast ensemble/],
      [f({ forecast: persistenceId, init: "2", minusForecast: ensembleId }), 400, /cannot subtract: init 2024-01-02T00:00:00Z is not an init time of forecast ensemble .*pass minusInit/],
      [f({ forecast: persistenceId, minusForecast: "coarse-persistence.zarr" }), 400, /grids differ/],
      [f({ forecast: persistenceId, minus: "truth", minusForecast: ensembleId }), 400, /either minus .* or minusForecast/],
      [f({ dataset: "truth.zarr", minus: "truth" }), 400, /minus=truth needs forecast/],
      [f({ forecast: "00000000-0000-4000-8000-000000000001" }), 404, /no registered forecast with id/],
      [f({ forecast: "nowhere.zarr" }), 404, /forecast nowhere.zarr not found/],
      [f({}), 400, /dataset is required/],
    ];
    for (const [url, status, re] of cases) {
      const r = await getError(url);
      expect(`${r.status} ${r.error}`, url).toMatch(new RegExp(`^${status} `));
      expect(r.error, url).toMatch(re);
    }
  });

  it("the last valid time of the truth works; minusDate picks another truth date", async () => {
    // init 2024-01-02T00 + 24 h = 2024-01-03T00 is the last date of truth.zarr.
    const ok = await getField({ forecast: persistenceId, variable: "2t", init: "2", lead: "24", minus: "truth" });
    expect(ok.header.date).toBe("2024-01-03T00:00:00Z");
    const coarse = await getError(`/api/fields?${new URLSearchParams({ forecast: "coarse-persistence.zarr", variable: "2t", lead: "6", minus: "truth", minusDate: "2024-01-05T00:00:00Z" })}`);
    expect(coarse.status).toBe(400);
    expect(coarse.error).toMatch(/minusDate 2024-01-05T00:00:00Z is not in the dataset \(2024-01-01T00:00:00Z … 2024-01-02T00:00:00Z\)/);
  });

  it("meteogram: nearest grid point, every lead time, several forecasts and the truth", async () => {
    const lat = 41.3;
    const lon = -73.8; // nearest 10° point: brute force below
    const grid = parseGrid("10");
    const R = Math.PI / 180;
    let best = -1;
    let bestD = Infinity;
    for (let p = 0; p < grid.size; p++) {
      const a = grid.latitudes[p] * R;
      const b = lat * R;
      const d = Math.acos(Math.min(1, Math.sin(a) * Math.sin(b) + Math.cos(a) * Math.cos(b) * Math.cos((grid.longitudes[p] - lon) * R)));
      if (d < bestD) [best, bestD] = [p, d];
    }
    const res = await fetch(`${base}/api/fields/series?${new URLSearchParams({ forecast: `${persistenceId},${ensembleId},coarse-persistence.zarr`, variable: "2t", lat: String(lat), lon: String(lon), init: "2024-01-01T06:00:00Z", member: "mean" })}`);
    expect(res.status).toBe(200);
    const s = PointSeriesSchema.parse(await res.json());
    expect(s.point.index).toBe(best);
    expect(s.leadTimesHours).toEqual([0, 6, 12, 24]);
    expect(s.validTimes).toEqual(["2024-01-01T06:00:00Z", "2024-01-01T12:00:00Z", "2024-01-01T18:00:00Z", "2024-01-02T06:00:00Z"]);
    expect(s.units).toBe("K");
    const pers = await Promise.all([0, 1, 2, 3].map((l) => forecastAt("persistence.zarr", 1, l, 0, 0)));
    expectClose(s.series[0].values as number[], pers.map((f) => f[best]), 1e-4);
    const ens = await Promise.all([0, 1].map((l) => Promise.all([0, 1, 2].map((m) => forecastAt("ensemble.zarr", 1, l, 0, m)))));
    const em = ens.map((ms) => (ms[0][best] + ms[1][best] + ms[2][best]) / 3);
    expect(s.series[1].values[2]).toBeNull(); // (init 1, lead 12) not written
    expect(s.series[1].values[3]).toBeNull(); // no 24 h lead
    expectClose(s.series[1].values.slice(0, 2) as number[], em, 1e-4);
    expect(s.series[2].error).toMatch(/init 2024-01-01T06:00:00Z is not an init time of forecast coarse-persistence/);
    const truth = await Promise.all(s.validTimes.map((t) => truthAt(Date.parse(t) / 1000, "2t")));
    expectClose(s.truth!.values as number[], truth.map((f) => f[best]), 1e-4);
    // Persistence at lead 0 is the truth.
    expect(s.series[0].values[0]).toBeCloseTo(s.truth!.values[0]!, 4);
    const bad = await getError(`/api/fields/series?forecast=${persistenceId}&variable=2t&lat=95&lon=0`);
    expect(bad).toEqual({ status: 400, error: "lat: lat must be ≤ 90" });
  });
});

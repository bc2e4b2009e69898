import { describe, expect, it } from "vitest";
import { healpixGrid, octahedralGrid, regularGlobal, UnstructuredGrid, type Grid } from "@/lib/grids";
import { createSyntheticSource, SyntheticConfigSchema, SyntheticSource, SYNTHETIC_VARIABLES } from "./index";

/**
 * Property tests of the synthetic atmosphere. The tolerances are stated in
 * docs/synthetic-source.md next to the measured values.
 */

const coarse = regularGlobal(5.625, 5.625, { poles: false }); // 64 × 32
const HOUR = 3600e3;
const T0 = Date.parse("2021-01-01T00:00:00Z");

const bands: [number, number][] = [
  [-90, -60],
  [-60, -30],
  [-30, -10],
  [-10, 10],
  [10, 30],
  [30, 60],
  [60, 90.1],
];

function same(a: Map<string, Float32Array>, b: Map<string, Float32Array>): boolean {
  for (const [k, v] of a) {
    const w = b.get(k);
    if (!w || w.length !== v.length) return false;
    for (let i = 0; i < v.length; i++) if (!Object.is(v[i], w[i])) return false;
  }
  return a.size === b.size;
}

describe("synthetic source: configuration and metadata", () => {
  it("validates its config and applies defaults", () => {
    const cfg = SyntheticConfigSchema.parse({ seed: 3 });
    expect(cfg.degree).toBe(21);
    expect(cfg.dynamics.dampingDays).toBe(10);
    expect(() => SyntheticConfigSchema.parse({ seed: -1 })).toThrow();
    expect(() => SyntheticConfigSchema.parse({ variables: ["z_501"] })).toThrow();
    expect(() => SyntheticConfigSchema.parse({ dynamics: { nope: 1 } })).toThrow();
    expect(() => createSyntheticSource({ degree: 1 })).toThrow();
  });

  it("declares anemoi-style variables with units and mars metadata", async () => {
    const opened = await new SyntheticSource({ variables: ["tp", "z_500"] }).open(coarse);
    expect(opened.variables.map((v) => v.name)).toEqual(["tp", "z_500"]);
    const z = opened.variables[1];
    expect(z.units).toBe("m**2 s**-2");
    expect(z.metadata).toMatchObject({ mars: { param: "z", levelist: 500, levtype: "pl" } });
    expect(opened.variables[0].metadata).toMatchObject({ mars: { param: "tp", levtype: "sfc" }, process: "accumulation" });
    const all = await new SyntheticSource().open(coarse);
    expect(all.variables.map((v) => v.name)).toEqual([...SYNTHETIC_VARIABLES]);
    const f = await opened.fieldsAt(new Date(T0));
    expect([...f.keys()]).toEqual(["z_500", "tp"].filter((k) => f.has(k)));
    expect(f.size).toBe(2);
  });
});

describe("synthetic source: determinism", () => {
  it("is bitwise reproducible for a seed and differs between seeds", async () => {
    const d = new Date(T0 + 1234 * HOUR);
    const a = await (await new SyntheticSource({ seed: 11 }).open(coarse)).fieldsAt(d);
    const b = await (await new SyntheticSource({ seed: 11 }).open(coarse)).fieldsAt(d);
    const c = await (await new SyntheticSource({ seed: 12 }).open(coarse)).fieldsAt(d);
    expect(same(a, b)).toBe(true);
    for (const name of SYNTHETIC_VARIABLES) {
      const x = a.get(name)!;
      const y = c.get(name)!;
      let diff = 0;
      for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) diff++;
      expect(diff, name).toBeGreaterThan(x.length / 4);
    }
  });

  it("gives the same fields by random access as by sequential evaluation (incl. fractional hours)", async () => {
    const seq = await new SyntheticSource({ seed: 4 }).open(coarse);
    const dates = Array.from({ length: 16 }, (_, i) => new Date(T0 + (230 + 6 * i) * HOUR)); // crosses a 240 h block
    dates.push(new Date(T0 + 326.5 * HOUR));
    const sequential = [];
    for (const d of dates) sequential.push(await seq.fieldsAt(d));
    const rnd = await new SyntheticSource({ seed: 4 }).open(coarse);
    for (const i of [16, 3, 15, 0, 9, 2]) expect(same(await rnd.fieldsAt(dates[i]), sequential[i]), `date ${i}`).toBe(true);
  });

  it("evolves smoothly: a fractional hour lies between its neighbours", async () => {
    const o = await new SyntheticSource({ seed: 4, variables: ["z_500"] }).open(coarse);
    const a = (await o.fieldsAt(new Date(T0 + 100 * HOUR))).get("z_500")!;
    const m = (await o.fieldsAt(new Date(T0 + 100.5 * HOUR))).get("z_500")!;
    const b = (await o.fieldsAt(new Date(T0 + 101 * HOUR))).get("z_500")!;
    let maxStep = 0;
    let outside = 0;
    for (let i = 0; i < a.length; i++) {
      maxStep = Math.max(maxStep, Math.abs(b[i] - a[i]));
      if (m[i] < Math.min(a[i], b[i]) - 1 || m[i] > Math.max(a[i], b[i]) + 1) outside++;
    }
    expect(outside).toBe(0);
    expect(maxStep).toBeLessThan(400); // < 41 gpm per hour
  });
});

describe("synthetic source: climatology and variability", () => {
  it("matches its own climatology and analytic anomaly variance per latitude band", async () => {
    const o = await new SyntheticSource({ seed: 7, variables: ["z_500", "t_850", "2t", "msl"] }).open(coarse);
    const w = coarse.weights();
    const lats = coarse.latitudes;
    const bandOf = (lat: number) => bands.findIndex(([a, b]) => lat >= a && lat < b);
    const names = ["z_500", "t_850", "2t", "msl"];
    const nb = bands.length;
    const sum = names.map(() => new Float64Array(nb));
    const sq = names.map(() => new Float64Array(nb));
    const ev = names.map(() => new Float64Array(nb));
    const clim = names.map(() => new Float64Array(nb));
    const ws = new Float64Array(nb);
    // One year every 61 h (144 dates: all seasons, all hours of the day).
    for (let s = 0; s < 144; s++) {
      const d = new Date(T0 + s * 61 * HOUR);
      const f = await o.fieldsAt(d);
      const c = o.climatologyAt(d);
      const sd = o.anomalyStdAt(d);
      for (let i = 0; i < coarse.size; i++) {
        const b = bandOf(lats[i]);
        ws[b] += w[i];
        names.forEach((n, v) => {
          const a = f.get(n)![i] - c.get(n)![i];
          sum[v][b] += w[i] * a;
          sq[v][b] += w[i] * a * a;
          ev[v][b] += w[i] * sd.get(n)![i] ** 2;
          clim[v][b] += w[i] * c.get(n)![i];
        });
      }
    }
    const climRange: Record<string, [number, number]> = { z_500: [49000, 58500], t_850: [240, 295], "2t": [245, 303], msl: [99000, 102500] };
    names.forEach((n, v) => {
      for (let b = 0; b < nb; b++) {
        const sd = Math.sqrt(ev[v][b] / ws[b]);
        expect(Math.abs(sum[v][b] / ws[b]) / sd, `${n} bias in ${bands[b]}`).toBeLessThan(0.2);
        const ratio = sq[v][b] / ev[v][b];
        expect(ratio, `${n} variance in ${bands[b]}`).toBeGreaterThan(0.8);
        expect(ratio, `${n} variance in ${bands[b]}`).toBeLessThan(1.25);
        const cm = clim[v][b] / ws[b];
        expect(cm).toBeGreaterThan(climRange[n][0]);
        expect(cm).toBeLessThan(climRange[n][1]);
      }
    });
    // Realistic shape: tropics warmer and higher than the poles; midlatitude z_500 variability > tropical.
    const zi = names.indexOf("z_500");
    expect(clim[zi][3] / ws[3]).toBeGreaterThan(clim[zi][6] / ws[6] + 3000);
    expect(ev[zi][5] / ws[5]).toBeGreaterThan(9 * (ev[zi][3] / ws[3]));
  });

  it("has z_500 anomalies whose lag autocorrelation decays from ~1 to below 0.5 by day 5", async () => {
    const o = await new SyntheticSource({ seed: 3, variables: ["z_500"] }).open(coarse);
    const n = coarse.size;
    const w = coarse.weights();
    const lats = coarse.latitudes;
    const steps = 4 * 150; // 150 days, 6-hourly
    const series: Float32Array[] = [];
    for (let s = 0; s < steps; s++) {
      const d = new Date(T0 + s * 6 * HOUR);
      const z = (await o.fieldsAt(d)).get("z_500")!;
      const c = o.climatologyAt(d).get("z_500")!;
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = z[i] - c[i];
      series.push(a);
    }
    const acf = (lagSteps: number) => {
      let sxy = 0;
      let sxx = 0;
      let syy = 0;
      for (let s = 0; s + lagSteps < steps; s++) {
        const a = series[s];
        const b = series[s + lagSteps];
        for (let i = 0; i < n; i++) {
          if (Math.abs(lats[i]) < 30 || Math.abs(lats[i]) > 70) continue;
          sxy += w[i] * a[i] * b[i];
          sxx += w[i] * a[i] * a[i];
          syy += w[i] * b[i] * b[i];
        }
      }
      return sxy / Math.sqrt(sxx * syy);
    };
    const r6h = acf(1);
    const r1 = acf(4);
    const r2 = acf(8);
    const r3 = acf(12);
    const r5 = acf(20);
    expect(r6h).toBeGreaterThan(0.95);
    expect(r1).toBeGreaterThan(0.75);
    expect(r1).toBeLessThan(0.93);
    expect(r2).toBeLessThan(r1);
    expect(r3).toBeLessThan(r2);
    expect(r5).toBeLessThan(0.5);
    expect(r5).toBeGreaterThan(0.05);
  });
});

describe("synthetic source: physical consistency", () => {
  it("keeps q_700 and tp non-negative, tp mostly dry and positively skewed, and t_850 correlated with z_500", async () => {
    const o = await new SyntheticSource({ seed: 9 }).open(coarse);
    let dry = 0;
    let total = 0;
    let m1 = 0;
    let m2 = 0;
    let m3 = 0;
    let zz = 0;
    let tt = 0;
    let zt = 0;
    let qMin = Infinity;
    let qMax = -Infinity;
    let tpMin = Infinity;
    for (let s = 0; s < 40; s++) {
      const d = new Date(T0 + s * 47 * HOUR);
      const f = await o.fieldsAt(d);
      const c = o.climatologyAt(d);
      const q = f.get("q_700")!;
      const tp = f.get("tp")!;
      const z = f.get("z_500")!;
      const t = f.get("t_850")!;
      for (let i = 0; i < coarse.size; i++) {
        qMin = Math.min(qMin, q[i]);
        qMax = Math.max(qMax, q[i]);
        tpMin = Math.min(tpMin, tp[i]);
        total++;
        if (tp[i] === 0) dry++;
        m1 += tp[i];
        m2 += tp[i] ** 2;
        m3 += tp[i] ** 3;
        const za = z[i] - c.get("z_500")![i];
        const ta = t[i] - c.get("t_850")![i];
        zz += za * za;
        tt += ta * ta;
        zt += za * ta;
      }
    }
    expect(qMin).toBeGreaterThanOrEqual(0);
    expect(qMax).toBeLessThan(0.025);
    expect(tpMin).toBe(0);
    const mean = m1 / total;
    const variance = m2 / total - mean * mean;
    const skew = (m3 / total - 3 * mean * variance - mean ** 3) / variance ** 1.5;
    expect(dry / total).toBeGreaterThan(0.6);
    expect(dry / total).toBeLessThan(0.9);
    expect(skew).toBeGreaterThan(2);
    // global mean precipitation 1–4 mm/day
    expect(mean * 4 * 1000).toBeGreaterThan(1);
    expect(mean * 4 * 1000).toBeLessThan(4);
    expect(zt / Math.sqrt(zz * tt)).toBeGreaterThan(0.5);
  });

  it("has 10 m winds geostrophically consistent with msl in the extratropics", async () => {
    const o = await new SyntheticSource({ seed: 5, variables: ["msl", "10u", "10v"] }).open(coarse);
    const nlon = 64;
    const dy = ((5.625 * Math.PI) / 180) * 6.371e6;
    let sx = 0;
    let sy = 0;
    let sxx = 0;
    let syy = 0;
    let sxy = 0;
    let cnt = 0;
    let vx = 0;
    let vv = 0;
    let vxv = 0;
    for (let s = 0; s < 12; s++) {
      const f = await o.fieldsAt(new Date(T0 + s * 97 * HOUR));
      const msl = f.get("msl")!;
      const u = f.get("10u")!;
      const v = f.get("10v")!;
      for (let j = 1; j < 31; j++) {
        const lat = coarse.latitudes[j * nlon];
        if (Math.abs(lat) < 30 || Math.abs(lat) > 70) continue;
        const fc = 2 * 7.292e-5 * Math.sin((lat * Math.PI) / 180);
        const dx = dy * Math.cos((lat * Math.PI) / 180);
        for (let i = 0; i < nlon; i++) {
          // Rows run north → south: row j−1 is north of row j.
          const x = -((msl[(j - 1) * nlon + i] - msl[(j + 1) * nlon + i]) / (2 * dy)) / fc;
          const y = u[j * nlon + i];
          sx += x;
          sy += y;
          sxx += x * x;
          syy += y * y;
          sxy += x * y;
          cnt++;
          const xv = (msl[j * nlon + ((i + 1) % nlon)] - msl[j * nlon + ((i + nlon - 1) % nlon)]) / (2 * dx) / fc;
          const yv = v[j * nlon + i];
          vx += xv * xv;
          vv += yv * yv;
          vxv += xv * yv;
        }
      }
    }
    const cov = sxy / cnt - (sx / cnt) * (sy / cnt);
    const corr = cov / Math.sqrt((sxx / cnt - (sx / cnt) ** 2) * (syy / cnt - (sy / cnt) ** 2));
    expect(corr).toBeGreaterThan(0.85);
    expect(vxv / Math.sqrt(vx * vv)).toBeGreaterThan(0.8);
  });
});

describe("synthetic source: any grid", () => {
  const grids: [string, Grid][] = [
    ["O24", octahedralGrid(24)],
    ["H8 nested", healpixGrid(8, "nested")],
    ["regular 5.625 south-north with poles", regularGlobal(5.625, 5.625, { order: "south-north" })],
    [
      "unstructured regional",
      new UnstructuredGrid(
        Array.from({ length: 300 }, (_, i) => 35 + ((i * 7) % 30)),
        Array.from({ length: 300 }, (_, i) => -10 + ((i * 13) % 40) + i / 300),
      ),
    ],
  ];
  for (const [label, grid] of grids) {
    it(`evaluates finite, plausible fields on ${label} consistent with the coarse grid`, async () => {
      const d = new Date(T0 + 777 * HOUR);
      const f = await (await new SyntheticSource({ seed: 2 }).open(grid)).fieldsAt(d);
      for (const name of SYNTHETIC_VARIABLES) {
        const a = f.get(name)!;
        expect(a.length).toBe(grid.size);
        expect(a.every(Number.isFinite), name).toBe(true);
      }
      const z = f.get("z_500")!;
      expect(Math.min(...z)).toBeGreaterThan(44000);
      expect(Math.max(...z)).toBeLessThan(60500);
      // Same physical field whatever the grid: compare a few points with an unstructured evaluation at their coordinates.
      const idx = [0, Math.floor(grid.size / 3), grid.size - 1];
      const pts = new UnstructuredGrid(
        idx.map((i) => grid.latitudes[i]),
        idx.map((i) => grid.longitudes[i]),
        "global",
      );
      const g = await (await new SyntheticSource({ seed: 2 }).open(pts)).fieldsAt(d);
      idx.forEach((i, k) => {
        for (const name of ["z_500", "msl", "t_850", "10u"]) {
          const x = f.get(name)![i];
          const y = g.get(name)![k];
          expect(Math.abs(x - y), `${name} at point ${i}`).toBeLessThanOrEqual(1e-3 * Math.max(1, Math.abs(x)));
        }
      });
    });
  }
});

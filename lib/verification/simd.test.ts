import { afterAll, describe, expect, it } from "vitest";
import { accumulateDeterministic } from "@/lib/verification/deterministic";
import { accumulateEnsemble } from "@/lib/verification/ensemble";
import { cellAreaLatitudeWeights, expandRowWeights, regularGridPoints } from "@/lib/verification/latitude-weights";
import { accumulateDeterministicSimd, accumulateEnsembleSimd, ScoringPool } from "@/lib/verification/parallel";
import { compileRegionMask, compileRegions, regionSetFromMasks, wb2Regions, type RegionSpec } from "@/lib/verification/regions";
import { ensembleModule, MAX_SIMD_MEMBERS, simdSupported } from "@/lib/verification/simd-compile";
import { sortingNetwork } from "@/lib/verification/simd-wat";
import { naiveEnsembleSums, normal, rng } from "@/lib/verification/test-helpers";
import type { DeterministicStats, EnsembleStats } from "@/lib/verification/stats";

const all = (n: number) => regionSetFromMasks([{ name: "all", mask: new Uint8Array(n).fill(1) }]);

/** Every number of the record within tol × the largest |value| of the JS record; counts and the rest exactly. */
function expectClose(simd: object, js: object, tol = 1e-12): void {
  const flat = (o: object): [string, unknown][] =>
    Object.entries(o).flatMap(([k, v]) => (v !== null && typeof v === "object" && !Array.isArray(v) ? flat(v as object).map(([j, x]) => [`${k}.${j}`, x] as [string, unknown]) : [[k, v]]));
  const a = Object.fromEntries(flat(simd));
  const b = flat(js);
  expect(Object.keys(a).sort()).toEqual(b.map(([k]) => k).sort());
  const scale = Math.max(...b.map(([, v]) => (typeof v === "number" ? Math.abs(v) : 0)));
  for (const [k, v] of b) {
    if (typeof v === "number" && !/count|members/i.test(k)) {
      expect(Math.abs((a[k] as number) - v), k).toBeLessThanOrEqual(tol * scale);
    } else expect(a[k], k).toEqual(v);
  }
}

describe("sorting network (odd–even merge sort, padding pruned)", () => {
  it("sorts every 0/1 input for M ≤ 12 (0–1 principle) and random inputs for M ≤ 70", () => {
    for (let m = 1; m <= 12; m++) {
      const net = sortingNetwork(m);
      for (let bits = 0; bits < 1 << m; bits++) {
        const x = Array.from({ length: m }, (_, k) => (bits >> k) & 1);
        for (const [i, j] of net) if (x[i] > x[j]) [x[i], x[j]] = [x[j], x[i]];
        for (let k = 1; k < m; k++) expect(x[k - 1]).toBeLessThanOrEqual(x[k]);
      }
    }
    const r = rng(5);
    for (let m = 1; m <= 70; m++) {
      const net = sortingNetwork(m);
      for (let rep = 0; rep < 20; rep++) {
        const x = Array.from({ length: m }, () => Math.round(10 * r()));
        const want = [...x].sort((u, v) => u - v);
        for (const [i, j] of net) if (x[i] > x[j]) [x[i], x[j]] = [x[j], x[i]];
        expect(x).toEqual(want);
      }
    }
    expect(sortingNetwork(50).length).toBeLessThan(sortingNetwork(64).length);
  });
});

describe.runIf(simdSupported())("SIMD kernels against the JS kernels and naive float64 loops", () => {
  // 37 × 71 = 2,627 points: odd row length, so segments end at every lane position
  const lats = Array.from({ length: 37 }, (_, i) => -90 + 5 * i);
  const lons = Array.from({ length: 71 }, (_, j) => (360 / 71) * j);
  const { lat, lon } = regularGridPoints(lats, lons);
  const n = lat.length;
  const rowWeights = expandRowWeights(cellAreaLatitudeWeights(lats), lons.length);
  const pointWeights = Float64Array.from(rowWeights, (w, p) => w * (0.5 + ((p * 7919) % 101) / 101));
  const specs: RegionSpec[] = [
    ...wb2Regions(),
    { kind: "native" },
    { kind: "box", name: "pacific-wrap", latMin: -30, latMax: 30, lonMin: 160, lonMax: -160 },
  ];
  const regions = compileRegions(specs, lat, lon);
  const r = rng(77);
  const g = normal(r);

  it("§9 CRPS test vector: Σ S = 7, Σ D = 96 exactly, rank histogram [0, 1, 0, 1, 1]", async () => {
    const pts = [
      [0, 4, 3, 7],
      [1, -1, 2, 4],
      [2, 3, 4, 1],
    ];
    const members = new Float32Array(12);
    pts.forEach((x, p) => x.forEach((v, k) => (members[k * 3 + p] = v)));
    const [s] = await accumulateEnsembleSimd({ members, memberCount: 4, truth: new Float32Array([2, 3, 5]), weights: new Float64Array([1, 1, 1]) }, all(3));
    expect(s.sumWSkill).toBe(7);
    expect(s.sumWPairAbsDiff).toBe(96);
    expect(s.rankHistogram).toEqual([0, 1, 0, 1, 1]);
    expect(s.count).toBe(3);
  });

  it("deterministic hand example and NaN conventions", async () => {
    const w = new Float64Array([1, 2, 1]);
    const f = new Float32Array([1, 2, 3]);
    const [s] = await accumulateDeterministicSimd({ forecast: f, truth: new Float32Array([0, 4, 3]), weights: w }, all(3));
    expect(s).toEqual({ kind: "deterministic", count: 3, sumW: 4, sumWErr: -3, sumWAbsErr: 5, sumWSqErr: 9 });
    const [t] = await accumulateDeterministicSimd(
      { forecast: f, truth: new Float32Array([0, 4, 3]), climatology: new Float32Array([0, 0, NaN]), weights: w },
      all(3),
    );
    expect(t.anomaly).toEqual({ count: 2, sumW: 3, sumWF: 5, sumWO: 8, sumWFO: 16, sumWFF: 9, sumWOO: 32 });
    const [u] = await accumulateDeterministicSimd({ forecast: new Float32Array([NaN, 2, 3]), truth: new Float32Array([0, 4, 3]), weights: w }, all(3));
    expect(u).toMatchObject({ count: 2, sumW: 3, sumWErr: -4, sumWAbsErr: 4, sumWSqErr: 8 });
  });

  for (const [wname, weights] of [
    ["row-constant weights", rowWeights],
    ["per-point weights", pointWeights],
  ] as const) {
    for (const nanRate of [0, 0.01]) {
      it(`deterministic, ${wname}, ${nanRate ? "with NaNs" : "no NaNs"}: SIMD = JS to 1e-12, = naive float64`, async () => {
        const clim = Float32Array.from(lat, (la) => 280 - 30 * Math.abs(Math.sin((la * Math.PI) / 180)));
        const truth = Float32Array.from(clim, (c) => (r() < nanRate ? NaN : c + 5 * g()));
        const forecast = Float32Array.from(truth, (o, p) => (r() < nanRate ? NaN : 0.7 * (o - clim[p]) + clim[p] + 3 * g() + 0.5));
        const climatology = Float32Array.from(clim, (c) => (r() < 2 * nanRate ? NaN : c));
        for (const c of [climatology, undefined]) {
          const js = accumulateDeterministic({ forecast, truth, climatology: c, weights }, regions);
          const simd = await accumulateDeterministicSimd({ forecast, truth, climatology: c, weights }, regions);
          js.forEach((s, i) => expectClose(simd[i], s));
          specs.forEach((spec, i) => {
            const mask = compileRegionMask(spec, lat, lon);
            let cnt = 0, sw = 0, se2 = 0;
            for (let p = 0; p < n; p++) {
              const e = forecast[p] - truth[p];
              if (!mask[p] || Number.isNaN(e)) continue;
              cnt++;
              sw += weights[p];
              se2 += weights[p] * e * e;
            }
            const s = simd[i] as DeterministicStats;
            expect(s.count).toBe(cnt);
            expect(s.sumWSqErr / s.sumW).toBeCloseTo(se2 / sw, 10);
          });
        }
      });
    }
  }

  for (const m of [1, 2, 3, 4, 5, 50, 51]) {
    for (const [wname, weights] of [
      ["row-constant weights", rowWeights],
      ["per-point weights", pointWeights],
    ] as const) {
      it(`ensemble M = ${m}, ${wname}, NaNs and ties: SIMD = JS (histogram exactly), = brute-force O(M²)`, async () => {
        const truth = Float32Array.from({ length: n }, () => (r() < 0.02 ? NaN : Math.round(4 * g()) / 2));
        const members = Float32Array.from({ length: n * m }, (_, q) =>
          r() < 0.002 ? NaN : q % 3 === 0 ? Math.round(4 * g()) / 2 : Math.sin(lat[q % n] / 20 + 0.05 * Math.floor(q / n)) + 0.3 * g(),
        );
        const js = accumulateEnsemble({ members, memberCount: m, truth, weights }, regions);
        const simd = await accumulateEnsembleSimd({ members, memberCount: m, truth, weights }, regions);
        js.forEach((s, i) => {
          expectClose({ ...simd[i], rankHistogram: [] }, { ...s, rankHistogram: [] });
          expect(simd[i].rankHistogram).toEqual(s.rankHistogram);
        });
        specs.forEach((spec, i) => {
          const mask = compileRegionMask(spec, lat, lon);
          const { count, sw, sS, sD, sV, sE2 } = naiveEnsembleSums(members, m, truth, weights, mask);
          const s = simd[i] as EnsembleStats;
          expect(s.count).toBe(count);
          if (count === 0) return;
          expect(s.sumW).toBeCloseTo(sw, 9);
          expect(s.sumWSkill / sw).toBeCloseTo(sS / sw, 11);
          expect(s.sumWPairAbsDiff / sw).toBeCloseTo(sD / sw, 9);
          expect(s.sumWVariance / sw).toBeCloseTo(sV / sw, 11);
          expect(s.sumWMeanSqErr / sw).toBeCloseTo(sE2 / sw, 11);
        });
      });
    }
  }
});

describe.runIf(simdSupported())("SIMD kernels on a ScoringPool: bit-identical for 1, 2 and 3 threads, in place or staged", () => {
  // 1° grid, 65,160 points (above MIN_PARALLEL_POINTS), 13 WB2 regions
  const lats = Array.from({ length: 181 }, (_, i) => -90 + i);
  const lons = Array.from({ length: 360 }, (_, j) => j);
  const { lat, lon } = regularGridPoints(lats, lons);
  const n = lat.length;
  const regions = compileRegions([...wb2Regions()], lat, lon);
  const rowWeights = expandRowWeights(cellAreaLatitudeWeights(lats), lons.length);
  const pointWeights = Float64Array.from(rowWeights, (w, p) => w * (0.5 + ((p * 7919) % 101) / 101));
  const p1 = new ScoringPool(1, { kernel: "simd" });
  const pools = [p1, new ScoringPool(2, { kernel: "simd", memory: p1.memory }), new ScoringPool(3, { kernel: "simd", memory: p1.memory })];
  afterAll(async () => {
    for (const p of pools) await p.close();
  });
  const g = normal(rng(3));
  const fill = (a: Float32Array, nanEvery: number) => {
    for (let p = 0; p < a.length; p++) a[p] = nanEvery && p % nanEvery === 3 ? NaN : 280 + 10 * Math.sin(lat[p % n] / 20) + g();
    return a;
  };

  for (const [wname, weights] of [
    ["row-constant weights", rowWeights],
    ["per-point weights", pointWeights],
  ] as const) {
    it(`deterministic and ensemble (M = 50), ${wname}`, async () => {
      const f = fill(p1.allocField(n), 101); // in the pool's memory: read in place
      const o = fill(new Float32Array(n), 0); // staged
      const c = fill(p1.allocField(n), 977);
      const det = await p1.deterministic({ forecast: f, truth: o, climatology: c, weights }, regions);
      expectClose(det[0], accumulateDeterministic({ forecast: f, truth: o, climatology: c, weights }, regions)[0]);
      const members = fill(p1.allocField(50 * n), 0);
      for (let p = 5; p < n; p += 53) members[(p % 50) * n + p] = NaN;
      const ens = await p1.ensemble({ members, memberCount: 50, truth: o, weights }, regions);
      expect(ens[0].count).toBeGreaterThan(0.9 * n);
      for (const pool of pools.slice(1)) {
        const before = pool.workerTasks;
        expect(await pool.deterministic({ forecast: f, truth: o, climatology: c, weights }, regions)).toEqual(det);
        expect(await pool.ensemble({ members, memberCount: 50, truth: o, weights }, regions)).toEqual(ens);
        expect(pool.workerError).toBeNull();
        expect(pool.workerTasks - before).toBe(2 * (pool.threads - 1));
      }
    });
  }
});

describe.runIf(simdSupported())("SIMD module builds and the JS fallback", () => {
  it(`builds valid ensemble modules up to M = ${MAX_SIMD_MEMBERS}, refuses others`, async () => {
    for (const m of [6, 7, 8, 100, MAX_SIMD_MEMBERS]) expect(await ensembleModule(m)).toBeInstanceOf(WebAssembly.Module);
    await expect(ensembleModule(0)).rejects.toThrow(/M must be an integer/);
    await expect(ensembleModule(MAX_SIMD_MEMBERS + 1)).rejects.toThrow(/M must be an integer/);
  });

  it("a SIMD pool scores Float64 fields and M > MAX_SIMD_MEMBERS with the JS kernels (same bits)", async () => {
    const n = 101;
    const g = normal(rng(9));
    const regions = all(n);
    const weights = Float64Array.from({ length: n }, (_, p) => 1 + (p % 3));
    const pool = new ScoringPool(1, { kernel: "simd" });
    const m = MAX_SIMD_MEMBERS + 1;
    const members = Float32Array.from({ length: m * n }, g);
    const truth = Float32Array.from({ length: n }, g);
    expect(await pool.ensemble({ members, memberCount: m, truth, weights }, regions)).toEqual(accumulateEnsemble({ members, memberCount: m, truth, weights }, regions));
    const f = Float64Array.from({ length: n }, g);
    const o = Float64Array.from({ length: n }, g);
    expect(await pool.deterministic({ forecast: f, truth: o, weights }, regions)).toEqual(accumulateDeterministic({ forecast: f, truth: o, weights }, regions));
    await pool.close();
  });
});

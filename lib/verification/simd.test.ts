import { afterAll, describe, expect, it } from "vitest";
import { accumulateDeterministic } from "@/lib/verification/deterministic";
import { accumulateEnsemble } from "@/lib/verification/ensemble";
import { cellAreaLatitudeWeights, expandRowWeights, regularGridPoints } from "@/lib/verification/latitude-weights";
import { accumulateDeterministicSimd, accumulateEnsembleSimd, closeSimdPlainPool, SIMD_TABLES, ScoringPool, simdPlainPool } from "@/lib/verification/parallel";
import { compileRegionMask, compileRegions, regionSetFromMasks, wb2Regions, type RegionSpec } from "@/lib/verification/regions";
import { ensembleModule, MAX_SIMD_MEMBERS, simdSupported } from "@/lib/verification/simd-compile";
import { SimdMemory } from "@/lib/verification/simd-run";
import { sortingNetwork } from "@/lib/verification/simd-wat";
import { naiveEnsembleSums, normal, oneDegreeWb2, rng } from "@/lib/verification/test-helpers";
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

  // 100 and 128 (MAX_SIMD_MEMBERS): the largest networks, numerically checked too
  for (const m of [1, 2, 3, 4, 5, 50, 51, 100, MAX_SIMD_MEMBERS]) {
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
  const { lat, n, regions, rowWeights } = oneDegreeWb2();
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

describe.runIf(simdSupported())("SIMD memory: blocks are freed and reused, so repeated scoring stays bounded", () => {
  it("first-fit allocator: free blocks merge, are reused, and a free block at the top lowers it", () => {
    const mem = new SimdMemory();
    const a = mem.alloc(1000);
    const b = mem.alloc(1000);
    const c = mem.alloc(1000);
    const top = mem.highWater;
    mem.free(a);
    mem.free(b); // merges with a: room for 2000 bytes
    expect(mem.alloc(2000)).toBe(a);
    expect(mem.highWater).toBe(top);
    mem.free(c); // at the top, and merged with the 48 bytes left after the 2000: the top comes down below c
    const d = mem.alloc(1000);
    expect(d).toBeGreaterThan(a);
    expect(d).toBeLessThan(c);
    expect(mem.highWater).toBe(top);
    expect(mem.allocated).toBe(2032 + 1040);
    expect(() => mem.free(b + 1)).toThrow(/no block allocated at byte offset/);
    expect(() => mem.alloc(-1)).toThrow(/non-negative integer/);
    const f = mem.float32(300);
    const at = mem.offsetOf(f)!;
    f.fill(1);
    mem.release(f);
    expect(() => mem.release(f)).toThrow(/not allocated in this memory/);
    expect(mem.offsetOf(mem.float32(300))).toBe(at);
  });

  /** Weights and a region set of n points made afresh, as a caller scoring many grids would. */
  function fresh(n: number, seed: number) {
    const weights = Float64Array.from({ length: n }, (_, p) => 1 + ((p * seed) % 7));
    const regions = regionSetFromMasks([
      { name: "all", mask: new Uint8Array(n).fill(1) },
      { name: "odd", mask: Uint8Array.from({ length: n }, (_, p) => ((p / 50) | 0) % 2) },
    ]);
    return { weights, regions };
  }

  /** Bytes the plain pool needs at once for a field of n points (M members): staging, records, and SIMD_TABLES weights and segment tables. */
  const liveNeed = (n: number, m: number) => 4 * n * (m + 2) + SIMD_TABLES * (8 * n + 3 * 12 * n) + 1e5;

  it("plain SIMD functions: fresh weights, region sets and growing fields keep the wasm memory bounded", async () => {
    await closeSimdPlainPool();
    const g = normal(rng(21));
    const m = 10;
    const run = async (n: number, seed: number) => {
      const { weights, regions } = fresh(n, seed);
      const forecast = Float32Array.from({ length: n }, g);
      const truth = Float32Array.from({ length: n }, g);
      const climatology = Float32Array.from({ length: n }, g);
      const members = Float32Array.from({ length: m * n }, g);
      const det = await accumulateDeterministicSimd({ forecast, truth, climatology, weights }, regions);
      const ref = accumulateDeterministic({ forecast, truth, climatology, weights }, regions);
      det.forEach((s, i) => expectClose(s, ref[i]));
      const ens = await accumulateEnsembleSimd({ members, memberCount: m, truth, weights }, regions);
      expect(ens.map((s) => s.rankHistogram)).toEqual(accumulateEnsemble({ members, memberCount: m, truth, weights }, regions).map((s) => s.rankHistogram));
    };
    // growing fields: every staging block is outgrown at every step
    for (let k = 1; k <= 20; k++) await run(1000 * k, k);
    const mem = simdPlainPool().memory;
    expect(mem.highWater).toBeLessThan(2 * liveNeed(20_000, m));
    // same size, fresh weights and region sets: steady state after SIMD_TABLES calls
    let steady = 0;
    for (let k = 0; k < 40; k++) {
      await run(20_000, 100 + k);
      if (k === SIMD_TABLES) steady = mem.highWater;
    }
    expect(mem.highWater).toBe(steady);
    expect(mem.memory.buffer.byteLength).toBeLessThan(2 * liveNeed(20_000, m) + 65_536);
    // without freeing, 40 fresh weights arrays alone would take 40 × 160 kB
    expect(mem.memory.buffer.byteLength).toBeLessThan(40 * 8 * 20_000);
    await closeSimdPlainPool();
  });

  it("a pool reused across runs (2 threads, in-place fields freed and reallocated) stays bounded and matches 1 thread", async () => {
    const one = new ScoringPool(1, { kernel: "simd" });
    const two = new ScoringPool(2, { kernel: "simd", minPoints: 1, memory: one.memory });
    const mem = one.memory;
    const g = normal(rng(22));
    const n = 40_000;
    const m = 8;
    let steady = 0;
    for (let k = 0; k < 30; k++) {
      const { weights, regions } = fresh(n, 3 + k);
      const forecast = two.allocField(n); // read in place
      const members = two.allocField(m * n);
      for (let p = 0; p < n; p++) forecast[p] = g();
      for (let q = 0; q < m * n; q++) members[q] = g();
      const truth = Float32Array.from({ length: n }, g); // staged
      const det = await two.deterministic({ forecast, truth, weights }, regions);
      expect(det).toEqual(await one.deterministic({ forecast, truth, weights }, regions));
      const ens = await two.ensemble({ members, memberCount: m, truth, weights }, regions);
      expect(ens).toEqual(await one.ensemble({ members, memberCount: m, truth, weights }, regions));
      two.freeField(forecast);
      two.freeField(members);
      if (k === SIMD_TABLES) steady = mem.highWater;
    }
    expect(two.workerError).toBeNull();
    expect(two.workerTasks).toBe(60);
    expect(mem.highWater).toBe(steady);
    expect(mem.highWater).toBeLessThan(2 * (4 * n * (m + 1) + 2 * liveNeed(n, 1)));
    const used = mem.allocated;
    await two.close();
    await one.close();
    expect(mem.allocated).toBeLessThan(used);
    expect(mem.allocated).toBe(0);
  });
});

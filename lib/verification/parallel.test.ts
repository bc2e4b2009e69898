import { afterAll, describe, expect, it } from "vitest";
import { accumulateDeterministic } from "@/lib/verification/deterministic";
import { accumulateEnsemble } from "@/lib/verification/ensemble";
import { MIN_PARALLEL_POINTS, ScoringPool } from "@/lib/verification/parallel";
import { scoringSegments, segmentsInRange, splitSegments } from "@/lib/verification/segments";
import { normal, oneDegreeWb2, rng } from "@/lib/verification/test-helpers";

// A 1° grid (65,160 points, above MIN_PARALLEL_POINTS) with all 13 WB2 regions.
const { lat, lon, n, regions, rowWeights } = oneDegreeWb2();
// per-point weights (as on an unstructured mesh): every point its own weight
const rand = rng(7);
const pointWeights = Float64Array.from(rowWeights, (w) => w * (0.5 + rand()));
const gauss = normal(rng(11));

function field(nanEvery = 0, shared = false): Float32Array {
  const a = shared ? new Float32Array(new SharedArrayBuffer(4 * n)) : new Float32Array(n);
  for (let p = 0; p < n; p++) a[p] = nanEvery && p % nanEvery === 3 ? NaN : 280 + 10 * Math.sin(lat[p] / 20) + gauss();
  return a;
}

function ensemble(m: number, nanEvery = 0): Float32Array {
  const a = new Float32Array(m * n);
  for (let k = 0; k < m; k++) {
    for (let p = 0; p < n; p++) {
      // smooth member perturbations plus small noise, occasionally rounded to force ties
      const v = 280 + 10 * Math.sin(lat[p] / 20) + Math.sin(lon[p] / 15 + k) + 0.3 * gauss();
      a[k * n + p] = p % 17 === 0 ? Math.round(v) : v;
    }
  }
  if (nanEvery) for (let p = 5; p < n; p += nanEvery) a[(p % m) * n + p] = NaN;
  return a;
}

describe("ScoringPool (worker threads, JS kernels) gives the same bits as the single-thread kernels", () => {
  const pools = [new ScoringPool(2, { kernel: "js" }), new ScoringPool(3, { kernel: "js" })];
  afterAll(async () => {
    for (const p of pools) await p.close();
  });

  it("uses segments: row-constant weights are uniform, per-point weights are not", () => {
    expect(n).toBeGreaterThan(MIN_PARALLEL_POINTS);
    const u = scoringSegments(regions, rowWeights);
    expect(u.uniform).toBe(true);
    expect(u.start[u.count]).toBe(n);
    const v = scoringSegments(regions, pointWeights);
    expect(v.uniform).toBe(false);
    const b = splitSegments(u, 3);
    expect(b[0]).toBe(0);
    expect(b[3]).toBe(u.count);
    expect(b[1]).toBeGreaterThan(0);
    expect(b[2]).toBeGreaterThan(b[1]);
    const { s0, s1 } = segmentsInRange(u, 1000, 5000);
    expect(u.start[s0]).toBeLessThanOrEqual(1000);
    expect(u.start[s0 + 1]).toBeGreaterThan(1000);
    expect(u.start[s1 - 1]).toBeLessThan(5000);
    expect(u.start[s1]).toBeGreaterThanOrEqual(5000);
  });

  for (const [wname, weights] of [
    ["row-constant weights", rowWeights],
    ["per-point weights", pointWeights],
  ] as const) {
    it(`deterministic with and without climatology, NaNs, ${wname}`, async () => {
      const f = field(101);
      const o = field(0, true); // one input already shared, the others staged
      const c = field(977);
      for (const climatology of [c, undefined]) {
        const single = accumulateDeterministic({ forecast: f, truth: o, climatology, weights }, regions);
        for (const pool of pools) {
          const before = pool.workerTasks;
          const par = await pool.deterministic({ forecast: f, truth: o, climatology, weights }, regions);
          expect(pool.workerError).toBeNull();
          expect(pool.workerTasks - before).toBe(pool.threads - 1);
          expect(par).toEqual(single);
        }
      }
    });

    it(`ensemble M = 10 and M = 50 with NaNs and ties, ${wname}`, async () => {
      const y = field(211);
      for (const m of [10, 50]) {
        const members = ensemble(m, 53);
        const single = accumulateEnsemble({ members, memberCount: m, truth: y, weights }, regions);
        expect(single[0].count).toBeGreaterThan(0.9 * n);
        for (const pool of pools) {
          const before = pool.workerTasks;
          const par = await pool.ensemble({ members, memberCount: m, truth: y, weights }, regions);
          expect(pool.workerError).toBeNull();
          expect(pool.workerTasks - before).toBe(pool.threads - 1);
          expect(par).toEqual(single);
        }
      }
    });
  }

  it("small fields and one thread run in the calling thread; bad input throws as in the single-thread path", async () => {
    const one = new ScoringPool(1, { kernel: "js" });
    const f = field();
    const o = field();
    const single = accumulateDeterministic({ forecast: f, truth: o, weights: rowWeights }, regions);
    expect(await one.deterministic({ forecast: f, truth: o, weights: rowWeights }, regions)).toEqual(single);
    expect(one.workerTasks).toBe(0);
    await expect(pools[0].deterministic({ forecast: f, truth: new Float32Array(10), weights: rowWeights }, regions)).rejects.toThrow(/differ in length/);
    await expect(pools[0].ensemble({ members: f, memberCount: 2, truth: o, weights: rowWeights }, regions)).rejects.toThrow(/memberCount/);
    expect(() => new ScoringPool(0)).toThrow(/positive integer/);
  });
});

import { describe, expect, it } from "vitest";
import { accumulateDeterministic, accumulateWindVector } from "@/lib/verification/deterministic";
import { accumulateEnsemble } from "@/lib/verification/ensemble";
import { cellAreaLatitudeWeights, expandRowWeights, regularGridPoints } from "@/lib/verification/latitude-weights";
import { addStats } from "@/lib/verification/merge";
import { compileRegions, wb2Regions } from "@/lib/verification/regions";
import type { SufficientStats } from "@/lib/verification/stats";
import { float32Field, normal, rng } from "@/lib/verification/test-helpers";

const lats = Array.from({ length: 37 }, (_, i) => -90 + 5 * i);
const lons = Array.from({ length: 72 }, (_, j) => 5 * j);
const { lat, lon } = regularGridPoints(lats, lons);
const n = lat.length;
const weights = expandRowWeights(cellAreaLatitudeWeights(lats), lons.length);
const set = compileRegions(wb2Regions(), lat, lon);
const g = normal(rng(5));
const f = float32Field(n, () => (g() > 2.5 ? NaN : g()));
const o = float32Field(n, g);
const c = float32Field(n, () => 0.1 * g());

/** Relative closeness of every numeric field (sums added in a different order differ in the last bits). */
function expectStatsClose(a: SufficientStats, b: SufficientStats): void {
  const fa = JSON.stringify(a, (_k, v) => (typeof v === "number" ? Number(v.toPrecision(12)) : v));
  const fb = JSON.stringify(b, (_k, v) => (typeof v === "number" ? Number(v.toPrecision(12)) : v));
  expect(fa).toEqual(fb);
}

describe("splitting a field into point ranges and merging with addStats", () => {
  const cuts = [0, 1, 777, 1300, 2000, n];
  const split = <T extends SufficientStats>(run: (r: { start: number; end: number }) => T[]): T[] => {
    let total: T[] | undefined;
    for (let i = 0; i + 1 < cuts.length; i++) {
      const part = run({ start: cuts[i], end: cuts[i + 1] });
      total = total ? total.map((s, k) => addStats(s, part[k])) : part;
    }
    return total!;
  };

  it("deterministic with anomalies", () => {
    const input = { forecast: f, truth: o, climatology: c, weights };
    const whole = accumulateDeterministic(input, set);
    split((r) => accumulateDeterministic(input, set, r)).forEach((s, k) => expectStatsClose(s, whole[k]));
  });

  it("wind vector", () => {
    const input = { forecastU: f, forecastV: c, truthU: o, truthV: o, weights };
    const whole = accumulateWindVector(input, set);
    split((r) => accumulateWindVector(input, set, r)).forEach((s, k) => expectStatsClose(s, whole[k]));
  });

  it("ensemble", () => {
    const m = 5;
    const members = Float32Array.from({ length: m * n }, g);
    const input = { members, memberCount: m, truth: o, weights };
    const whole = accumulateEnsemble(input, set);
    split((r) => accumulateEnsemble(input, set, r)).forEach((s, k) => expectStatsClose(s, whole[k]));
  });

  it("rejects bad ranges and mismatched kinds", () => {
    expect(() => accumulateDeterministic({ forecast: f, truth: o, weights }, set, { start: 5, end: 2 })).toThrow();
    expect(() => accumulateDeterministic({ forecast: f, truth: o, weights }, set, { start: 0, end: n + 1 })).toThrow();
    const [d] = accumulateDeterministic({ forecast: f, truth: o, weights }, set);
    const [w] = accumulateWindVector({ forecastU: f, forecastV: c, truthU: o, truthV: o, weights }, set);
    expect(() => addStats<SufficientStats>(d, w)).toThrow();
  });
});

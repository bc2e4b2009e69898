import { describe, expect, it } from "vitest";
import { comparePoints, downsample, lttbDownsample, mergeMinMaxPicks, minMaxBucketOf, minMaxDownsample, type DownsampleResult } from "@/lib/tracking/downsample";

const f64 = (xs: number[]): Float64Array => Float64Array.from(xs);
const range = (n: number): Float64Array => Float64Array.from({ length: n }, (_, i) => i);

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function checkProperties(steps: Float64Array, values: Float64Array, out: DownsampleResult, target: number, extremes: boolean): void {
  expect(out.indices.length).toBeLessThanOrEqual(target);
  expect(out.steps.length).toBe(out.indices.length);
  for (let i = 1; i < out.steps.length; i++) expect(out.steps[i]).toBeGreaterThanOrEqual(out.steps[i - 1]);
  for (let i = 0; i < out.indices.length; i++) {
    expect(out.steps[i]).toBe(steps[out.indices[i]]);
    expect(Object.is(out.values[i], values[out.indices[i]])).toBe(true);
  }
  expect(new Set(out.indices).size).toBe(out.indices.length);
  // first and last points (in step order)
  let firstK = 0;
  let lastK = 0;
  for (let k = 0; k < steps.length; k++) {
    if (steps[k] < steps[firstK]) firstK = k;
    if (steps[k] >= steps[lastK]) lastK = k;
  }
  expect(out.steps[0]).toBe(steps[firstK]);
  expect(out.steps[out.steps.length - 1]).toBe(steps[lastK]);
  if (extremes) {
    let min = Infinity;
    let max = -Infinity;
    for (const v of values) {
      if (Number.isNaN(v)) continue;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    const kept = Array.from(out.values);
    expect(kept).toContain(min);
    expect(kept).toContain(max);
  }
}

describe("minMaxDownsample", () => {
  it("hand-computed example: two buckets keep min, max, first and last", () => {
    const out = minMaxDownsample(range(10), f64([5, 1, 9, 3, 3, 7, 0, 4, 8, 2]), 6);
    expect(Array.from(out.indices)).toEqual([0, 1, 2, 6, 8, 9]);
    expect(Array.from(out.values)).toEqual([5, 1, 9, 0, 8, 2]);
    expect(Array.from(out.steps)).toEqual([0, 1, 2, 6, 8, 9]);
  });

  it("buckets by step range, not by count", () => {
    // 8 points crowded at steps 0..7, one far away at 1000: the dense part shares one bucket
    const steps = f64([0, 1, 2, 3, 4, 5, 6, 7, 1000]);
    const values = f64([3, 9, 1, 4, 4, 4, 4, 4, 2]);
    const out = minMaxDownsample(steps, values, 4); // one bucket
    expect(Array.from(out.indices)).toEqual([0, 1, 2, 8]);
  });

  it("returns everything when small enough", () => {
    const out = minMaxDownsample(range(5), f64([1, 2, 3, 4, 5]), 5);
    expect(Array.from(out.indices)).toEqual([0, 1, 2, 3, 4]);
  });

  it("NaN is never an extreme; an all-NaN bucket keeps one NaN to show the gap", () => {
    // 3 buckets by step: k 0-2, 3-5, 6-9
    const mixed = minMaxDownsample(range(10), f64([1, NaN, 2, 3, NaN, NaN, NaN, NaN, 5, 4]), 8);
    expect(Array.from(mixed.indices)).toEqual([0, 2, 3, 8, 9]);
    const gap = minMaxDownsample(range(10), f64([1, 2, 3, NaN, NaN, NaN, 7, 8, 9, 4]), 8);
    expect(Array.from(gap.indices)).toEqual([0, 2, 3, 8, 9]);
    expect(gap.values[2]).toBeNaN();
  });

  it("±Infinity are kept as extremes", () => {
    const values = f64([1, 2, Infinity, 3, 4, 5, -Infinity, 6, 7, 8]);
    const out = minMaxDownsample(range(10), values, 4);
    expect(Array.from(out.values)).toEqual([1, Infinity, -Infinity, 8]);
  });

  it("equal steps fall back to positional buckets", () => {
    const out = minMaxDownsample(f64(Array(10).fill(5)), f64([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), 6);
    expect(out.indices.length).toBeLessThanOrEqual(6);
    expect(Array.from(out.values)).toContain(0);
    expect(Array.from(out.values)).toContain(9);
  });

  it("sorts unsorted input by step and reports original indices", () => {
    const steps = f64([3, 0, 2, 1, 4, 9, 8, 7, 6, 5]);
    const values = f64([30, 0, 20, 10, 40, 90, 80, 70, 60, 50]);
    const out = minMaxDownsample(steps, values, 4);
    expect(Array.from(out.steps)).toEqual([0, 9]);
    expect(Array.from(out.indices)).toEqual([1, 5]);
    checkProperties(steps, values, out, 4, true);
  });

  it("rejects bad arguments with RangeError", () => {
    expect(() => minMaxDownsample(range(3), range(2), 10)).toThrow(RangeError);
    expect(() => minMaxDownsample(range(3), range(3), 3)).toThrow("targetPoints must be an integer ≥ 4, got 3");
    expect(() => minMaxDownsample(range(3), range(3), 4.5)).toThrow(RangeError);
  });
});

describe("lttbDownsample", () => {
  it("hand-computed example without extreme forcing", () => {
    const out = lttbDownsample(range(7), f64([0, 1, 5, 2, 0, 3, 0]), 5, { keepExtremes: false });
    expect(Array.from(out.indices)).toEqual([0, 1, 2, 4, 6]);
  });

  it("hand-computed example with extremes forced in", () => {
    const out = lttbDownsample(range(7), f64([0, 1, 5, 2, 0, 3, 0]), 5);
    expect(Array.from(out.indices)).toEqual([0, 2, 4, 6]);
  });

  it("keeps a lone spike that plain LTTB could drop", () => {
    const n = 1000;
    const values = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 50));
    values[501] = 40;
    values[502] = -40;
    const out = lttbDownsample(range(n), values, 20);
    expect(Array.from(out.values)).toContain(40);
    expect(Array.from(out.values)).toContain(-40);
    checkProperties(range(n), values, out, 20, true);
  });

  it("a bucket of NaNs keeps one point; NaN elsewhere is skipped", () => {
    const values = f64([0, 1, NaN, NaN, NaN, NaN, 2, 3, 1, 0]);
    const out = lttbDownsample(range(10), values, 6, { keepExtremes: false }); // 4 buckets of 2
    expect(out.indices.length).toBe(6);
    expect(Array.from(out.values).some((v) => Number.isNaN(v))).toBe(true);
  });

  it("dispatches through downsample()", () => {
    const v = f64([0, 1, 5, 2, 0, 3, 0]);
    expect(Array.from(downsample(range(7), v, { method: "lttb", targetPoints: 5, keepExtremes: false }).indices)).toEqual([0, 1, 2, 4, 6]);
    expect(Array.from(downsample(range(7), v, { method: "minmax", targetPoints: 4 }).indices)).toEqual([0, 2, 6]);
  });
});

describe("properties on random series", () => {
  it("both methods: ≤ target, monotone steps, first/last kept, extremes kept", () => {
    const r = rng(1234);
    for (let trial = 0; trial < 60; trial++) {
      const n = 5 + Math.floor(r() * 3000);
      let s = 0;
      const steps = new Float64Array(n);
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        s += r() < 0.1 ? Math.floor(r() * 500) : r() < 0.05 ? 0 : 1; // gaps and repeated steps
        steps[i] = s;
        const x = r();
        values[i] = x < 0.01 ? NaN : x < 0.015 ? (r() < 0.5 ? -1e6 : 1e6) : Math.sin(i / 30) + r();
      }
      const target = 4 + Math.floor(r() * 300);
      checkProperties(steps, values, minMaxDownsample(steps, values, target), target, true);
      checkProperties(steps, values, lttbDownsample(steps, values, target), target, true);
      checkProperties(steps, values, lttbDownsample(steps, values, target, { keepExtremes: false }), target, false);
    }
  });

  it("10^6 points to 2000 in linear time", () => {
    const n = 1_000_000;
    const steps = range(n);
    const values = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 1000) + (i % 7) * 0.01);
    const t0 = performance.now();
    const a = minMaxDownsample(steps, values, 2000);
    const b = lttbDownsample(steps, values, 2000);
    const ms = performance.now() - t0;
    expect(a.indices.length).toBeLessThanOrEqual(2000);
    expect(b.indices.length).toBeLessThanOrEqual(2000);
    expect(a.indices.length).toBeGreaterThan(1900);
    expect(ms).toBeLessThan(3000);
  });
});

describe("min/max picks computed elsewhere (SQL)", () => {
  const p = (step: number, timestamp: number, value: number) => ({ step, timestamp, value });

  it("orders points by step, timestamp, then value with NaN after every number", () => {
    const pts = [p(2, 0, 1), p(1, 5, Number.NaN), p(1, 5, Number.POSITIVE_INFINITY), p(1, 5, -3), p(1, 2, 9)];
    expect([...pts].sort(comparePoints)).toEqual([p(1, 2, 9), p(1, 5, -3), p(1, 5, Number.POSITIVE_INFINITY), p(1, 5, Number.NaN), p(2, 0, 1)]);
  });

  it("merges bucket extremes, NaN-only buckets and the first and last points, without duplicates", () => {
    const first = p(0, 0, 5);
    const last = p(9, 9, 1);
    const merged = mergeMinMaxPicks(
      [
        { min: p(3, 3, -1), max: first }, // the first point is also bucket 0's maximum
        { nan: p(5, 5, Number.NaN) },
        { min: last, max: p(7, 7, 8) },
      ],
      first,
      last,
    );
    expect(merged).toEqual([first, p(3, 3, -1), p(5, 5, Number.NaN), p(7, 7, 8), last]);
  });

  it("places steps in buckets as minMaxDownsample does: the last step in the last bucket", () => {
    // 10 buckets over steps 100..200: width 10; step 200 would be bucket 10 and is clamped to 9.
    expect([100, 109, 110, 155, 199, 200].map((s) => minMaxBucketOf(s, 100, 100, 10))).toEqual([0, 0, 1, 5, 9, 9]);
  });
});

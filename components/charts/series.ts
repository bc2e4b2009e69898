/** Pure helpers that turn per-run metric series into uPlot series, and look up x values for the cursor. */

export type XAxisKind = "step" | "time" | "relative";

export type RunSeries = {
  runId: string;
  steps: number[];
  values: (number | null)[];
  timestamps: number[];
};

/**
 * Exponential moving average with TensorBoard's debiasing (the first points are not pulled
 * towards zero). Gaps (null) are kept as gaps and do not reset the average.
 */
export function emaSmooth(values: readonly (number | null)[], weight: number): (number | null)[] {
  if (weight <= 0) return values.slice();
  let last = 0;
  let debias = 0;
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return null;
    last = last * weight + (1 - weight) * v;
    debias = debias * weight + (1 - weight);
    return last / debias;
  });
}

/** The x coordinate of each point of a series for the chosen axis (seconds for time axes). */
export function xValues(s: RunSeries, kind: XAxisKind): number[] {
  if (kind === "step") return s.steps;
  if (kind === "time") return s.timestamps.map((t) => t / 1000);
  const t0 = s.timestamps.length ? Math.min(...s.timestamps) : 0;
  return s.timestamps.map((t) => (t - t0) / 1000);
}

/** The points of one series ordered by x (the same arrays when they already are): per-series chart x must be sorted. */
export function sortedByX(x: readonly number[], values: readonly (number | null)[]): { x: number[]; values: (number | null)[] } {
  let sorted = true;
  for (let i = 1; i < x.length && sorted; i++) sorted = x[i] >= x[i - 1];
  if (sorted) return { x: x as number[], values: values as (number | null)[] };
  const order = x.map((_, i) => i).sort((a, b) => x[a] - x[b] || a - b);
  return { x: order.map((i) => x[i]), values: order.map((i) => values[i]) };
}

/** Index of the value of sorted `xs` nearest to `v` (the earlier one on a tie); null when empty or `v` is not finite. */
export function nearestIndex(xs: ArrayLike<number>, v: number): number | null {
  const n = xs.length;
  if (n === 0 || !Number.isFinite(v)) return null;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  // lo: first index with xs[lo] >= v (or the last index).
  return lo > 0 && v - xs[lo - 1] <= xs[lo] - v ? lo - 1 : lo;
}

/** The first and last index of sorted `xs` within [lo, hi] (first > last when none is). */
export function visibleRange(xs: ArrayLike<number>, lo: number, hi: number): [number, number] {
  const lowerBound = (v: number, strict: boolean) => {
    let a = 0;
    let b = xs.length;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (strict ? xs[mid] <= v : xs[mid] < v) a = mid + 1;
      else b = mid;
    }
    return a;
  };
  return [lowerBound(lo, false), lowerBound(hi, true) - 1];
}

/**
 * Relative span under which a scale's data counts as flat: metrics are mostly float32 (about 7
 * significant digits), so values that differ by less than this are one value plus rounding noise.
 */
export const FLAT_SPAN = 1e-6;

/** Whether [min, max] is a single value up to rounding noise (see FLAT_SPAN); 0…0 is flat too. */
export function isFlatSpan(min: number, max: number): boolean {
  return max - min <= FLAT_SPAN * Math.max(Math.abs(min), Math.abs(max));
}

/**
 * The data extent a chart's y scale is ranged from: flat data is collapsed to its mid value, so
 * the ranging pads it around that value. uPlot 1.6.32 computes axis ticks in a loop that does not
 * end when a range is empty or narrower than rounding noise: it grows an array until V8 throws
 * "Invalid array length", seconds later, with the tab frozen meanwhile. A metric flat up to float32
 * rounding (0.99999976, 1.00000024) is such a case; uPlot leaves ranges like it to the caller
 * (leeoniya/uPlot#1084). Null when there is no finite data.
 */
export function yExtent(min: number | null, max: number | null): [number, number] | null {
  if (min === null || max === null || !Number.isFinite(min) || !Number.isFinite(max) || min > max) return null;
  if (!isFlatSpan(min, max)) return [min, max];
  const mid = (min + max) / 2;
  return [mid, mid];
}

/**
 * The x scale's range: the data's extent as it is (uPlot's own choice for x), and for flat x (a
 * chart of runs that have one point each, all at the same step) the value ± max(1, FLAT_SPAN·|x|):
 * one step or second either side, more beyond 1e6 so that the range is not flat itself (a time
 * axis in seconds since 1970 gets about ±30 min). uPlot leaves a per-series-x chart's x scale at
 * [x, x], on which its tick loop does not end (see yExtent).
 */
export function xRange(min: number | null, max: number | null): [number, number] {
  if (min === null || max === null || !Number.isFinite(min) || !Number.isFinite(max) || min > max) return [0, 1];
  if (!isFlatSpan(min, max)) return [min, max];
  const mid = (min + max) / 2;
  const pad = Math.max(1, Math.abs(mid) * FLAT_SPAN);
  return [mid - pad, mid + pad];
}

/** Values that a log axis can show (non-positive become gaps). */
export function forLogScale(values: readonly (number | null)[]): (number | null)[] {
  return values.map((v) => (v !== null && v > 0 ? v : null));
}

/** Compact number for axes, legends and tables. */
export function formatNumber(v: number | null | undefined): string {
  if (v === null || v === undefined) return "–";
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(3);
  return Number(v.toPrecision(5)).toString();
}

/** Seconds as "1h 02m", "3m 20s", "12.5s". */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return "–";
  const sign = s < 0 ? "-" : "";
  s = Math.abs(s);
  if (s < 60) return `${sign}${Number(s.toFixed(1))}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${sign}${m}m ${String(Math.round(s % 60)).padStart(2, "0")}s`;
  return `${sign}${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`;
}

/** A qualitative palette that stays distinguishable for 20 runs. */
export const RUN_COLOURS = [
  "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
  "#393b79", "#ad494a", "#637939", "#e6550d", "#7b4173", "#843c39", "#3182bd", "#31a354", "#756bb1", "#636363",
];
export function runColour(i: number): string {
  return RUN_COLOURS[i % RUN_COLOURS.length];
}

/** Short tick labels: 3 significant digits, exponents for very small or large values. */
export function formatTick(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) {
    const [m, e] = v.toExponential(2).split("e");
    return `${Number(m)}e${e.replace("+", "")}`;
  }
  return Number(v.toPrecision(4)).toString();
}

/**
 * Server-side downsampling of metric histories for charts.
 *
 * - `minMaxDownsample`: split the step range into equal-width buckets and keep each bucket's
 *   minimum and maximum (so spikes survive), plus the first and last points.
 * - `lttbDownsample`: largest-triangle-three-buckets, which keeps the visual shape; by default
 *   it also forces the global minimum and maximum in.
 *
 * Both run in O(n) on step-sorted input (unsorted input is sorted first, O(n log n)), never
 * return more than `targetPoints` points, and return points in step order. NaN values are never
 * chosen as extremes; a bucket holding only NaNs keeps one NaN point so charts can show the gap.
 * ±Infinity are ordinary extremes.
 */

export interface DownsampleResult {
  /** Indices of the kept points in the input arrays, in step order. */
  indices: Uint32Array;
  steps: Float64Array;
  values: Float64Array;
}

export type DownsampleMethod = "minmax" | "lttb";

/** Smallest target accepted: first, last and one bucket's min and max. */
export const MIN_TARGET_POINTS = 4;

function checkInput(steps: Float64Array, values: Float64Array, targetPoints: number): void {
  if (steps.length !== values.length) {
    throw new RangeError(`steps and values differ in length (${steps.length} vs ${values.length})`);
  }
  if (!Number.isInteger(targetPoints) || targetPoints < MIN_TARGET_POINTS) {
    throw new RangeError(`targetPoints must be an integer ≥ ${MIN_TARGET_POINTS}, got ${targetPoints}`);
  }
}

/** The order that sorts by step (stable), or null when already non-decreasing. */
function stepOrder(steps: Float64Array): Uint32Array | null {
  for (let i = 1; i < steps.length; i++) {
    if (steps[i] < steps[i - 1]) {
      const order = Uint32Array.from({ length: steps.length }, (_, k) => k);
      order.sort((a, b) => steps[a] - steps[b] || a - b);
      return order;
    }
  }
  return null;
}

function gather(steps: Float64Array, values: Float64Array, picked: Uint32Array): DownsampleResult {
  const s = new Float64Array(picked.length);
  const v = new Float64Array(picked.length);
  for (let i = 0; i < picked.length; i++) {
    s[i] = steps[picked[i]];
    v[i] = values[picked[i]];
  }
  return { indices: picked, steps: s, values: v };
}

function everything(steps: Float64Array, values: Float64Array, order: Uint32Array | null): DownsampleResult {
  const idx = order ?? Uint32Array.from({ length: steps.length }, (_, k) => k);
  return gather(steps, values, idx);
}

/** How many min/max buckets fit in `targetPoints` (each keeps up to two points; first and last come extra). */
export function minMaxBucketCount(targetPoints: number): number {
  return Math.floor((targetPoints - 2) / 2);
}

/**
 * The bucket of `step` for steps spanning [s0, s0 + span] (span > 0) in `buckets` equal-width buckets.
 * The SQL form in server/tracking/store/history.ts computes exactly this, in the same float64 operations.
 */
export function minMaxBucketOf(step: number, s0: number, span: number, buckets: number): number {
  return Math.min(buckets - 1, Math.floor(((step - s0) / span) * buckets));
}

/** One metric point as the min/max merge sees it. */
export type MetricPoint = { step: number; timestamp: number; value: number };

/** Order of points as the database sorts them: step, timestamp, then value (NaN after every number). */
export function comparePoints(a: MetricPoint, b: MetricPoint): number {
  if (a.step !== b.step) return a.step - b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp - b.timestamp;
  const an = Number.isNaN(a.value);
  const bn = Number.isNaN(b.value);
  if (an || bn) return an === bn ? 0 : an ? 1 : -1;
  return a.value === b.value ? 0 : a.value < b.value ? -1 : 1;
}

/**
 * The result of `minMaxDownsample` assembled from per-bucket picks computed elsewhere (in SQL):
 * each bucket's minimum and maximum (the earliest point holding each; undefined when the bucket has
 * only NaN values), else its earliest NaN point; plus the series' first and last points. Returns
 * the distinct points in order.
 */
export function mergeMinMaxPicks(
  buckets: readonly { min?: MetricPoint; max?: MetricPoint; nan?: MetricPoint }[],
  first: MetricPoint,
  last: MetricPoint,
): MetricPoint[] {
  const all: MetricPoint[] = [first, last];
  for (const b of buckets) {
    if (b.min) all.push(b.min);
    if (b.max) all.push(b.max);
    if (!b.min && !b.max && b.nan) all.push(b.nan);
  }
  all.sort(comparePoints);
  return all.filter((p, i) => i === 0 || comparePoints(all[i - 1], p) !== 0);
}

/**
 * Min/max per bucket over equal step ranges. Keeps the first and last points and, because every
 * bucket keeps its own extremes, the global minimum and maximum.
 */
export function minMaxDownsample(steps: Float64Array, values: Float64Array, targetPoints: number): DownsampleResult {
  checkInput(steps, values, targetPoints);
  const n = steps.length;
  const order = stepOrder(steps);
  if (n <= targetPoints) return everything(steps, values, order);
  const at = (k: number): number => (order === null ? k : order[k]);

  const buckets = minMaxBucketCount(targetPoints);
  const s0 = steps[at(0)];
  const span = steps[at(n - 1)] - s0;
  // Bucket by step when steps spread; by position when all steps are equal.
  const bucketOf = span > 0 ? (k: number) => minMaxBucketOf(steps[at(k)], s0, span, buckets) : (k: number) => Math.min(buckets - 1, Math.floor((k / n) * buckets));

  const out = new Uint32Array(2 * buckets + 2);
  let count = 0;
  let current = -1;
  let minK = -1;
  let maxK = -1;
  let nanK = -1;
  const cand: number[] = [];
  const flush = (): void => {
    cand.length = 0;
    if (minK >= 0) {
      cand.push(minK);
      if (maxK !== minK) cand.push(maxK);
    } else if (nanK >= 0) {
      cand.push(nanK);
    }
    if (current === bucketOf(0) && !cand.includes(0)) cand.push(0);
    if (current === bucketOf(n - 1) && !cand.includes(n - 1)) cand.push(n - 1);
    cand.sort((a, b) => a - b);
    for (const k of cand) out[count++] = at(k);
  };
  for (let k = 0; k < n; k++) {
    const b = bucketOf(k);
    if (b !== current) {
      if (current >= 0) flush();
      current = b;
      minK = maxK = nanK = -1;
    }
    const v = values[at(k)];
    if (Number.isNaN(v)) {
      if (nanK < 0) nanK = k;
      continue;
    }
    if (minK < 0 || v < values[at(minK)]) minK = k;
    if (maxK < 0 || v > values[at(maxK)]) maxK = k;
  }
  flush();
  return gather(steps, values, out.slice(0, count));
}

export interface LttbOptions {
  /** Force the global minimum and maximum into the result (default true). */
  keepExtremes?: boolean;
}

/**
 * Largest-triangle-three-buckets down to at most `targetPoints` points (first and last always kept).
 * With `keepExtremes` one slot is reserved so the global min and max are kept too.
 */
export function lttbDownsample(steps: Float64Array, values: Float64Array, targetPoints: number, options: LttbOptions = {}): DownsampleResult {
  checkInput(steps, values, targetPoints);
  const keepExtremes = options.keepExtremes ?? true;
  const n = steps.length;
  const order = stepOrder(steps);
  if (n <= targetPoints) return everything(steps, values, order);
  const at = (k: number): number => (order === null ? k : order[k]);
  const x = (k: number): number => steps[at(k)];
  const y = (k: number): number => values[at(k)];

  let minK = -1;
  let maxK = -1;
  if (keepExtremes) {
    for (let k = 0; k < n; k++) {
      const v = y(k);
      if (Number.isNaN(v)) continue;
      if (minK < 0 || v < y(minK)) minK = k;
      if (maxK < 0 || v > y(maxK)) maxK = k;
    }
  }

  const buckets = targetPoints - 2 - (keepExtremes ? 1 : 0);
  const every = (n - 2) / buckets;
  // Bucket i covers [start(i), start(i + 1)); start(buckets) = n - 1, the last point.
  const start = (i: number): number => (i >= buckets ? n - 1 : Math.floor(i * every) + 1);
  const out = new Uint32Array(targetPoints);
  let count = 0;
  out[count++] = at(0);
  let a = 0;
  for (let i = 0; i < buckets; i++) {
    const lo = start(i);
    const hi = start(i + 1);
    // Average of the next bucket (the last point for the final bucket), finite values only.
    const nlo = hi;
    const nhi = i + 1 >= buckets ? n : start(i + 2);
    let sx = 0;
    let sy = 0;
    let cy = 0;
    for (let k = nlo; k < nhi; k++) {
      sx += x(k);
      const v = y(k);
      if (Number.isFinite(v)) {
        sy += v;
        cy += 1;
      }
    }
    const cx = sx / (nhi - nlo);
    const ya0 = y(a);
    const cyv = cy > 0 ? sy / cy : Number.isFinite(ya0) ? ya0 : 0;
    const xa = x(a);
    const ya = Number.isFinite(ya0) ? ya0 : cyv;

    const forced: number[] = [];
    if (minK >= lo && minK < hi) forced.push(minK);
    if (maxK >= lo && maxK < hi && maxK !== minK) forced.push(maxK);
    if (forced.length > 0) {
      forced.sort((p, q) => p - q);
      for (const k of forced) out[count++] = at(k);
      a = forced[forced.length - 1];
      continue;
    }
    let best = -1;
    let bestArea = -1;
    for (let k = lo; k < hi; k++) {
      const v = y(k);
      if (!Number.isFinite(v)) continue;
      const area = Math.abs((xa - cx) * (v - ya) - (xa - x(k)) * (cyv - ya));
      if (area > bestArea) {
        bestArea = area;
        best = k;
      }
    }
    if (best < 0) best = lo; // only NaN / non-finite values here: keep one to show the gap
    out[count++] = at(best);
    a = best;
  }
  out[count++] = at(n - 1);
  return gather(steps, values, out.slice(0, count));
}

/** Dispatch on method. */
export function downsample(
  steps: Float64Array,
  values: Float64Array,
  options: { method: DownsampleMethod; targetPoints: number; keepExtremes?: boolean },
): DownsampleResult {
  return options.method === "lttb"
    ? lttbDownsample(steps, values, options.targetPoints, { keepExtremes: options.keepExtremes })
    : minMaxDownsample(steps, values, options.targetPoints);
}

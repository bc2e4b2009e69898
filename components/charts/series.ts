/** Pure helpers that turn per-run metric series into uPlot's aligned columns. */

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

/**
 * Join series with different x values into one sorted x column and one y column per series
 * (null where a series has no point at that x). Several points of one series at the same x
 * keep the last one.
 */
export function alignSeries(xs: readonly (readonly number[])[], ys: readonly (readonly (number | null)[])[]): { x: Float64Array; y: (number | null)[][] } {
  const all = new Set<number>();
  for (const col of xs) for (const v of col) all.add(v);
  const x = Float64Array.from(all).sort();
  const index = new Map<number, number>();
  x.forEach((v, i) => index.set(v, i));
  const y = ys.map((col, s) => {
    const out: (number | null)[] = new Array<number | null>(x.length).fill(null);
    const xcol = xs[s];
    for (let i = 0; i < col.length; i++) out[index.get(xcol[i]) as number] = col[i];
    return out;
  });
  return { x, y };
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

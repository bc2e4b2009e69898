"use client";

import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { formatNumber, formatSeconds, formatTick, nearestIndex, visibleRange, xRange, yExtent, type XAxisKind } from "./series";

export type ChartSeries = {
  label: string;
  colour: string;
  values: (number | null)[];
  /**
   * The series' own x values (sorted, as long as `values`). When every series has them the chart
   * draws each on its own x (uPlot mode 2): runs logged at different steps need no common x axis.
   * Without them, all series share the chart's `x`.
   */
  x?: readonly number[];
  width?: number;
  /** Faint companion line (raw values under a smoothed line); not listed in the legend. */
  faint?: boolean;
  /** Link target of the legend entry. */
  href?: string;
};

export type LineChartProps = {
  /** Shared x values; required unless every series has its own `x`. */
  x?: Float64Array;
  series: ChartSeries[];
  xKind: XAxisKind;
  logY?: boolean;
  height?: number;
};

function formatX(v: number, kind: XAxisKind): string {
  if (kind === "step") return String(Math.round(v));
  if (kind === "relative") return formatSeconds(v);
  return new Date(v * 1000).toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" });
}

/**
 * Lines only, except for a series of one point (a metric logged once), which no line shows: its
 * point gets a marker, passed by index: uPlot's own choice of points to draw goes by the shared x
 * (mode 1) and draws none on a chart of per-series x.
 */
function seriesPoints(s: ChartSeries): Pick<uPlot.Series, "points"> {
  let only = -1;
  for (const [i, v] of s.values.entries()) {
    if (v === null) continue;
    if (only >= 0) return { points: { show: false } };
    only = i;
  }
  return only < 0 ? { points: { show: false } } : { points: { show: true, size: 7, fill: s.colour, filter: () => [only] } };
}

/**
 * A uPlot line chart with its own legend showing the values under the cursor. Client-only.
 *
 * Hover does not re-render React: the legend's x and value cells are written directly from
 * uPlot's setCursor hook. With per-series x values, drag-to-zoom also fits the y axis to the
 * points in view.
 */
export default function UplotChart({ x, series, xKind, logY = false, height = 220 }: LineChartProps) {
  const wrapRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<HTMLDivElement>(null);
  const legendXRef = useRef<HTMLSpanElement>(null);
  const valueRefs = useRef<(HTMLSpanElement | null)[]>([]);

  useEffect(() => {
    const target = plotRef.current;
    const wrap = wrapRef.current;
    if (!target || !wrap) return;
    wrap.dataset.drawn = "false";
    const ownX = series.length > 0 && series.every((s) => s.x !== undefined);
    const shared = x ?? new Float64Array(0);
    const xsOf = (i: number): ArrayLike<number> => (ownX ? (series[i].x as readonly number[]) : shared);
    const hasData = series.some((s) => s.values.some((v) => v !== null));
    // Both scales get ranges uPlot can draw ticks for: an empty x range (runs with one point each)
    // or a y range as narrow as float32 noise freezes the page in uPlot's tick loop (series.ts).
    const yRange = (min: number | null, max: number | null): uPlot.Range.MinMax => {
      const extent = yExtent(min, max);
      if (!extent || (extent[0] === 0 && extent[1] === 0)) return logY ? [1, 10] : [0, 1]; // uPlot ranges 0…0 to 0…100
      return logY ? uPlot.rangeLog(extent[0], extent[1], 10, false) : uPlot.rangeNum(extent[0], extent[1], 0.1, true);
    };

    const showLegend = (u: uPlot) => {
      const left = u.cursor.left ?? -1;
      const idxs = u.cursor.idxs ?? [];
      const active = left >= 0 && (ownX || u.cursor.idx != null);
      const xv = active ? (ownX ? u.posToVal(left, "x") : shared[u.cursor.idx as number]) : null;
      if (legendXRef.current) legendXRef.current.textContent = xv !== null && Number.isFinite(xv) ? formatX(xv, xKind) : "\u00a0";
      series.forEach((s, i) => {
        const cell = valueRefs.current[i];
        if (!cell) return;
        const idx = active ? (ownX ? idxs[i + 1] : u.cursor.idx) : null;
        cell.textContent = idx === null || idx === undefined ? "" : formatNumber(s.values[idx] ?? null);
      });
    };

    /**
     * Drag-to-zoom with per-series x: fit y to the points inside the selected x range (uPlot's own
     * auto range would span all points). uPlot fires setSelect on mouseup just before it sets the x
     * scale, so both scales change in one commit and one redraw.
     */
    const fitYToSelection = (u: uPlot) => {
      if (!ownX || u.select.width <= 0) return;
      const lo = u.posToVal(u.select.left, "x");
      const hi = u.posToVal(u.select.left + u.select.width, "x");
      let min = Infinity;
      let max = -Infinity;
      series.forEach((s, i) => {
        const [a, b] = visibleRange(xsOf(i), lo, hi);
        for (let k = a; k <= b; k++) {
          const v = s.values[k];
          if (v === null) continue;
          if (v < min) min = v;
          if (v > max) max = v;
        }
      });
      if (!(min <= max)) return; // no point in the selection: keep y
      const [ymin, ymax] = yRange(min, max);
      if (ymin !== null && ymax !== null) u.setScale("y", { min: ymin, max: ymax });
    };

    const opts: uPlot.Options = {
      mode: ownX ? 2 : 1,
      width: Math.max(200, target.clientWidth),
      height,
      legend: { show: false },
      cursor: {
        drag: { x: true, y: false, setScale: true },
        points: { size: 6 },
        // Per-series x: each series' point nearest the cursor's x value.
        ...(ownX ? { dataIdx: (u: uPlot, si: number) => (si === 0 ? null : nearestIndex(xsOf(si - 1), u.posToVal(u.cursor.left ?? 0, "x"))) } : {}),
      },
      scales: {
        x: { time: xKind === "time", range: (_u, min, max) => xRange(min, max) },
        y: logY ? { distr: 3, range: (_u, min, max) => yRange(min, max) } : { auto: true, range: (_u, min, max) => yRange(min, max) },
      },
      axes: [
        {
          stroke: "#5b6675",
          grid: { stroke: "#eef1f5" },
          ticks: { stroke: "#dde2e8" },
          ...(xKind === "relative" ? { values: (_u: uPlot, splits: number[]) => splits.map((v) => formatSeconds(v)) } : {}),
        },
        {
          stroke: "#5b6675",
          grid: { stroke: "#eef1f5" },
          ticks: { stroke: "#dde2e8" },
          size: 64,
          values: (_u: uPlot, splits: number[]) => splits.map((v) => formatTick(v)),
        },
      ],
      series: [
        {},
        ...series.map((s) => ({
          ...seriesPoints(s),
          label: s.label,
          stroke: s.faint ? `${s.colour}40` : s.colour,
          width: s.width ?? (s.faint ? 1 : 1.5),
          spanGaps: true,
          ...(ownX
            ? {
                facets: [
                  { scale: "x", auto: true, sorted: 1 as const },
                  { scale: "y", auto: true },
                ],
              }
            : {}),
        })),
      ],
      hooks: {
        setCursor: [showLegend],
        setSelect: [fitYToSelection],
        draw: [
          () => {
            if (wrapRef.current) wrapRef.current.dataset.drawn = hasData ? "true" : "empty";
          },
        ],
      },
    };
    // uPlot's data: mode 1 is [x, y1, y2, …] (nulls mark gaps); mode 2 is [null, [x1, y1], [x2, y2], …].
    // Its AlignedData type describes mode 1 only.
    const data = (ownX ? [null, ...series.map((s) => [s.x, s.values])] : [shared, ...series.map((s) => s.values)]) as unknown as uPlot.AlignedData;
    const plot = new uPlot(opts, data, target);
    const observer = new ResizeObserver(() => {
      const w = Math.max(200, target.clientWidth);
      if (w !== plot.width) plot.setSize({ width: w, height });
    });
    observer.observe(target);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [x, series, xKind, logY, height]);

  return (
    <div ref={wrapRef} className="trk-chart" data-drawn="false">
      <div ref={plotRef} className="trk-chart-plot" />
      <div className="trk-legend">
        <span ref={legendXRef} className="trk-legend-x mono">
          {"\u00a0"}
        </span>
        {series.map((s, i) =>
          s.faint ? null : (
            <span key={i} className="trk-legend-item" data-testid="legend-run">
              <span className="trk-swatch" style={{ background: s.colour }} />
              {s.href ? <a href={s.href}>{s.label}</a> : <span>{s.label}</span>}
              <span
                className="mono trk-legend-value"
                ref={(el) => {
                  valueRefs.current[i] = el;
                }}
              />
            </span>
          ),
        )}
      </div>
    </div>
  );
}

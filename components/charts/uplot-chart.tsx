"use client";

import { useEffect, useRef, useState } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { formatNumber, formatSeconds, formatTick, type XAxisKind } from "./series";

export type ChartSeries = {
  label: string;
  colour: string;
  values: (number | null)[];
  width?: number;
  /** Faint companion line (raw values under a smoothed line); not listed in the legend. */
  faint?: boolean;
  /** Link target of the legend entry. */
  href?: string;
};

export type LineChartProps = {
  x: Float64Array;
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

/** A uPlot line chart with its own legend showing the values under the cursor. Client-only. */
export default function UplotChart({ x, series, xKind, logY = false, height = 220 }: LineChartProps) {
  const wrapRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<HTMLDivElement>(null);
  const [hover, setHover] = useState<number | null>(null);

  useEffect(() => {
    const target = plotRef.current;
    const wrap = wrapRef.current;
    if (!target || !wrap) return;
    wrap.dataset.drawn = "false";
    const hasData = series.some((s) => s.values.some((v) => v !== null));
    const opts: uPlot.Options = {
      width: Math.max(200, target.clientWidth),
      height,
      legend: { show: false },
      cursor: { drag: { x: true, y: false, setScale: true }, points: { size: 6 } },
      scales: {
        x: { time: xKind === "time" },
        y: logY ? { distr: 3 } : { auto: true },
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
          label: s.label,
          stroke: s.faint ? `${s.colour}40` : s.colour,
          width: s.width ?? (s.faint ? 1 : 1.5),
          spanGaps: true,
          points: { show: false },
        })),
      ],
      hooks: {
        setCursor: [(u: uPlot) => setHover(u.cursor.idx ?? null)],
        draw: [
          () => {
            if (wrapRef.current) wrapRef.current.dataset.drawn = hasData ? "true" : "empty";
          },
        ],
      },
    };
    // uPlot's AlignedData is a tuple of number arrays; nulls mark gaps.
    const data = [x, ...series.map((s) => s.values)] as unknown as uPlot.AlignedData;
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

  const listed = series.map((s, i) => ({ s, i })).filter(({ s }) => !s.faint);
  return (
    <div ref={wrapRef} className="trk-chart" data-drawn="false">
      <div ref={plotRef} className="trk-chart-plot" />
      <div className="trk-legend">
        <span className="trk-legend-x mono">{hover !== null && hover < x.length ? formatX(x[hover], xKind) : "\u00a0"}</span>
        {listed.map(({ s, i }) => (
          <span key={i} className="trk-legend-item" data-testid="legend-run">
            <span className="trk-swatch" style={{ background: s.colour }} />
            {s.href ? <a href={s.href}>{s.label}</a> : <span>{s.label}</span>}
            {hover !== null ? <span className="mono trk-legend-value">{formatNumber(s.values[hover] ?? null)}</span> : null}
          </span>
        ))}
      </div>
    </div>
  );
}

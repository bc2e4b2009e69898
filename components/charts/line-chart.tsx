"use client";

import dynamic from "next/dynamic";

/** uPlot touches `window` on import, so the chart is loaded in the browser only. */
export const LineChart = dynamic(() => import("./uplot-chart"), {
  ssr: false,
  loading: () => <div className="trk-chart trk-chart-loading muted">Loading chart…</div>,
});
export type { ChartSeries, LineChartProps } from "./uplot-chart";
